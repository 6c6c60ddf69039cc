#include "support/pg_cluster.hpp"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace pglens::test {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

// Asks the kernel for a free loopback port. Another process may grab it before the server
// binds it; start() retries with a new port when that happens.
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    socklen_t len = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// initdb refuses to run as root: run the server tools as the `postgres` user then.
std::string as_server_user() { return ::geteuid() == 0 ? "runuser -u postgres -- " : ""; }

}  // namespace

std::string PgCluster::bin_dir() { return env_or("PGLENS_PG_BIN", "/usr/lib/postgresql/15/bin"); }

bool PgCluster::can_run(std::string& why, bool& skip) {
  namespace fs = std::filesystem;
  if (!fs::exists(fs::path(bin_dir()) / "initdb") || !fs::exists(fs::path(bin_dir()) / "pg_ctl")) {
    why = "PostgreSQL server binaries not found in " + bin_dir() + " (install postgresql-15: scripts/install-deps)";
    skip = env_or("PGLENS_REQUIRE_PG", "0") != "1";
    if (!skip) why += "; PGLENS_REQUIRE_PG=1 makes this a failure";
    return false;
  }
  if (::geteuid() == 0 && std::system("id -u postgres >/dev/null 2>&1") != 0) {
    why = "running as root but there is no `postgres` user to run initdb as";
    skip = false;
    return false;
  }
  return true;
}

PgCluster* PgCluster::shared(std::string& why, bool& skip) {
  // Function-local statics: started on first use, destroyed at normal process exit.
  static std::unique_ptr<PgCluster> cluster;
  static std::string failure;
  static bool failure_is_skip = false;
  static bool tried = false;
  if (!tried) {
    tried = true;
    if (can_run(failure, failure_is_skip)) {
      std::unique_ptr<PgCluster> c(new PgCluster());
      if (c->start(failure)) cluster = std::move(c);
    }
  }
  why = failure;
  skip = failure_is_skip;
  // Every live test gets the shared session as a fresh one would be: what an earlier test in
  // the same process SET (search_path, enable_*, work_mem ...) must not change its plans.
  if (cluster) cluster->exec("RESET ALL");
  return cluster.get();
}

std::unique_ptr<PgCluster> PgCluster::start_private(const std::string& server_options, std::string& why, bool& skip) {
  skip = false;
  if (!can_run(why, skip)) return nullptr;
  std::unique_ptr<PgCluster> c(new PgCluster());
  if (!c->start(why, server_options)) return nullptr;
  return c;
}

bool PgCluster::start(std::string& why, const std::string& server_options) {
  namespace fs = std::filesystem;
  std::string templ = (fs::temp_directory_path() / "pglens-pg-XXXXXX").string();
  if (!::mkdtemp(templ.data())) {
    why = "mkdtemp failed";
    return false;
  }
  dir_ = templ;
  const std::string bin = bin_dir();
  const std::string user = as_server_user();
  if (::geteuid() == 0 && std::system(("chown postgres: '" + dir_ + "'").c_str()) != 0) {
    why = "cannot chown " + dir_ + " to postgres";
    std::error_code ec;
    fs::remove_all(dir_, ec);
    return false;
  }
  // The watchdog waits for EOF on its stdin (our pipe, close-on-exec so no server process
  // inherits it), then stops the server and deletes the directory: this runs when we stop
  // normally, and also when the test process crashes or is killed.
  std::string watchdog = "exec setsid /bin/sh -c 'read _unused; " + user + "\"" + bin + "/pg_ctl\" -D \"" + dir_ +
      "/data\" -m immediate -w stop >/dev/null 2>&1; rm -rf \"" + dir_ + "\"'";
  watchdog_ = ::popen(watchdog.c_str(), "we");
  if (!watchdog_) {
    why = "cannot start the cleanup watchdog";
    std::error_code ec;
    fs::remove_all(dir_, ec);
    return false;
  }

  std::string initdb = "cd '" + dir_ + "' && " + user + "'" + bin + "/initdb' -D '" + dir_ +
      "/data' -U postgres -A trust --no-sync -E UTF8 --locale=C >'" + dir_ + "/initdb.log' 2>&1";
  if (std::system(initdb.c_str()) != 0) {
    why = "initdb failed:\n" + slurp(dir_ + "/initdb.log");
    return false;
  }
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_port();
    std::string options = "-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) +
        " -c unix_socket_directories=" + dir_ +
        " -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c shared_buffers=32MB"
        " -c max_connections=20 -c max_wal_size=256MB"
        // advise's workload tests read pg_stat_statements
        " -c shared_preload_libraries=pg_stat_statements " +
        server_options;
    std::string pg_ctl = "cd '" + dir_ + "' && " + user + "'" + bin + "/pg_ctl' -D '" + dir_ + "/data' -l '" + dir_ +
        "/server.log' -w -t 60 -o '" + options + "' start >'" + dir_ + "/pg_ctl.log' 2>&1";
    if (std::system(pg_ctl.c_str()) == 0) {
      conninfo_ = "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=postgres user=postgres";
      PGconn* conn = PQconnectdb(conninfo_.c_str());
      if (PQstatus(conn) == CONNECTION_OK) {
        conn_ = conn;
        return true;
      }
      why = std::string("cannot connect to the test cluster: ") + PQerrorMessage(conn);
      PQfinish(conn);
      return false;
    }
    std::string log = slurp(dir_ + "/server.log");
    why = "pg_ctl start failed:\n" + slurp(dir_ + "/pg_ctl.log") + log;
    if (log.find("could not bind") == std::string::npos && log.find("in use") == std::string::npos) return false;
  }
  return false;
}

PgCluster::~PgCluster() {
  if (conn_) PQfinish(static_cast<PGconn*>(conn_));
  if (watchdog_) {
    std::fputs("stop\n", watchdog_);
    ::pclose(watchdog_);  // waits until the server is stopped and the directory removed
  }
}

std::vector<PgRow> PgCluster::query(const std::string& sql) {
  auto* conn = static_cast<PGconn*>(conn_);
  PGresult* res = PQexec(conn, sql.c_str());
  ExecStatusType status = PQresultStatus(res);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK && status != PGRES_EMPTY_QUERY) {
    std::string message = PQresultErrorMessage(res);
    PQclear(res);
    throw std::runtime_error("SQL failed: " + message + "in: " + sql.substr(0, 500));
  }
  std::vector<PgRow> rows;
  int n = PQntuples(res), cols = PQnfields(res);
  rows.reserve(static_cast<size_t>(n));
  for (int r = 0; r < n; ++r) {
    PgRow row;
    row.reserve(static_cast<size_t>(cols));
    for (int c = 0; c < cols; ++c) {
      if (PQgetisnull(res, r, c)) row.emplace_back(std::nullopt);
      else row.emplace_back(std::string(PQgetvalue(res, r, c), static_cast<size_t>(PQgetlength(res, r, c))));
    }
    rows.push_back(std::move(row));
  }
  PQclear(res);
  return rows;
}

std::vector<std::string> PgCluster::column(const std::string& sql) {
  std::vector<std::string> out;
  for (auto& row : query(sql)) out.push_back(row.empty() || !row[0] ? std::string() : *row[0]);
  return out;
}

}  // namespace pglens::test
