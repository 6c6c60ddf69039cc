// What a cloned repository, a malformed URL or a hostile database must never make pglens
// do: connect where the repository says, print a password, run another role's function,
// or hang behind a stalled server. The fake servers run on loopback inside the test.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "support/fixtures.hpp"
#include "support/pg_cluster.hpp"

namespace pglens {
namespace {

int listen_on_loopback(int& port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 16) != 0) return -1;
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

// A server that asks every client for its password in clear text (AuthenticationCleartext)
// and keeps what it is sent: what an attacker's host named in a repository would do.
class CleartextServer {
 public:
  CleartextServer() {
    fd_ = listen_on_loopback(port_);
    thread_ = std::thread([this] { serve(); });
  }
  ~CleartextServer() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }
  int connections() const { return connections_; }
  std::string received() {
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int client = accept(fd_, nullptr, nullptr);
      if (client < 0) continue;
      ++connections_;
      char buf[4096];
      ssize_t n = read_some(client, buf, sizeof buf);  // the startup packet (or an SSL request)
      if (n == 8) {                                    // SSLRequest: refuse, then the startup packet
        (void)!write(client, "N", 1);
        n = read_some(client, buf, sizeof buf);
      }
      if (n > 0) {
        keep(buf, static_cast<size_t>(n));
        const unsigned char ask[] = {'R', 0, 0, 0, 8, 0, 0, 0, 3};  // AuthenticationCleartextPassword
        (void)!write(client, ask, sizeof ask);
        n = read_some(client, buf, sizeof buf);  // 'p' PasswordMessage
        if (n > 0) keep(buf, static_cast<size_t>(n));
      }
      close(client);
    }
  }
  static ssize_t read_some(int fd, char* buf, size_t size) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 3000) <= 0) return -1;
    return read(fd, buf, size);
  }
  void keep(const char* data, size_t n) {
    std::lock_guard lock(mu_);
    received_.append(data, n);
  }

  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::string received_;
  std::thread thread_;
};

// Sets an environment variable for the scope of a test (the CLI runs inherit it).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) setenv(name_, old_->c_str(), 1);
    else unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

constexpr const char* kSecret = "S3CRET-hunter2";

TEST(RepositoryConfig, DatabaseUrlIsNotContactedUntilTheUserTrustsIt) {
  CleartextServer attacker;
  test::TempDir dir, home;
  ScopedEnv password("PGPASSWORD", kSecret);
  ScopedEnv trust_file("PGLENS_TRUST_FILE", (home / "trusted-databases").string());
  ScopedEnv no_url("PGLENS_DATABASE_URL", "");
  std::string url = "postgresql://victim@127.0.0.1:" + std::to_string(attacker.port()) + "/shop?sslmode=disable";
  test::write_file(dir / ".pglens.toml", "[database]\nurl = \"" + url + "\"\n");
  test::write_file(dir / "q.sql", "SELECT * FROM orders;\n");
  test::write_file(dir / "plan.txt", "Seq Scan on orders  (cost=0.00..35.50 rows=2550 width=4)\n");

  // Every command that reads a catalog: none connects, each says why and how to opt in.
  for (const char* command : {"lint q.sql", "catalog dump", "catalog show", "explain plan.txt"}) {
    auto r = test::run_pglens(command, "", dir.path());
    EXPECT_NE(r.exit_code, 2) << command << ": " << r.err;
    EXPECT_NE(r.err.find("`[database] url` is not used"), std::string::npos) << command << ": " << r.err;
    EXPECT_NE(r.err.find("pglens trust"), std::string::npos) << r.err;
  }
  EXPECT_EQ(attacker.connections(), 0);
  EXPECT_EQ(attacker.received().find(kSecret), std::string::npos);

  // The user's opt-in, recorded outside the repository: now pglens connects there.
  auto trust = test::run_pglens("trust", "", dir.path());
  ASSERT_EQ(trust.exit_code, 0) << trust.err;
  EXPECT_NE(trust.out.find("port " + std::to_string(attacker.port())), std::string::npos) << trust.out;
  EXPECT_EQ(trust.out.find(kSecret), std::string::npos);
  std::string record = test::read_file(home / "trusted-databases");
  EXPECT_EQ(record.find("127.0.0.1"), std::string::npos) << "the record names the file, never the URL";
  (void)test::run_pglens("lint q.sql", "", dir.path());
  EXPECT_EQ(attacker.connections(), 1);

  // An edited URL (a pull request pointing it elsewhere) is untrusted again.
  CleartextServer other;
  test::write_file(dir / ".pglens.toml",
                   "[database]\nurl = \"postgresql://victim@127.0.0.1:" + std::to_string(other.port()) + "/shop\"\n");
  auto edited = test::run_pglens("lint q.sql", "", dir.path());
  EXPECT_NE(edited.err.find("is not used"), std::string::npos) << edited.err;
  EXPECT_EQ(other.connections(), 0);

  auto revoke = test::run_pglens("trust --revoke", "", dir.path());
  EXPECT_EQ(revoke.exit_code, 0) << revoke.err;
  EXPECT_TRUE(test::run_pglens("trust --list", "", dir.path()).out.empty());
}

TEST(RepositoryConfig, UrlFromTheCommandLineOrEnvironmentNeedsNoTrust) {
  CleartextServer server;
  test::TempDir dir, home;
  ScopedEnv trust_file("PGLENS_TRUST_FILE", (home / "trusted-databases").string());
  test::write_file(dir / "q.sql", "SELECT 1;\n");
  std::string url = "postgresql://app@127.0.0.1:" + std::to_string(server.port()) + "/shop?sslmode=disable";
  (void)test::run_pglens("lint --db '" + url + "' q.sql", "", dir.path());
  EXPECT_EQ(server.connections(), 1);
  ScopedEnv env_url("PGLENS_DATABASE_URL", url);
  (void)test::run_pglens("lint q.sql", "", dir.path());
  EXPECT_EQ(server.connections(), 2);
}

TEST(Redaction, MalformedUrlsNeverQuoteThePassword) {
  test::TempDir dir;
  test::write_file(dir / "q.sql", "SELECT 1;\n");
  for (std::string url :
       {"postgresql://app:S3CRET-hunter2%zz@db.invalid/shop", "postgresql://app:S3CRET-hunter2%00@h/db",
        "postgresql://app:S3CRET-hunter2@[::1/shop", "postgresql://app@h/db?password=S3CRET-hunter2&x=%zz",
        "host=h password='S3CRET-hunter2 dbname=x"}) {
    auto r = test::run_pglens("lint --db \"" + url + "\" q.sql", "", dir.path());
    EXPECT_EQ(r.exit_code, 2) << url;
    EXPECT_EQ(r.err.find(kSecret), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find(kSecret), std::string::npos) << r.out;
  }
}

// The CVE-2018-1058 class: a function in `public` that matches pglens's call better than
// pg_catalog's (name[] exactly, where pg_catalog's array_to_string takes anyarray) would run
// as the user of `pglens catalog dump` and plant text in the snapshot.
TEST(LiveDatabase, FunctionPlantedInPublicNeverRuns) {
  PGLENS_REQUIRE_CLUSTER(pg);
  pg->exec("DROP DATABASE IF EXISTS pglens_hijack");
  pg->exec("CREATE DATABASE pglens_hijack");
  std::string conninfo = pg->conninfo() + " dbname=pglens_hijack";
  PGconn* conn = PQconnectdb(conninfo.c_str());
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PGresult* res =
      PQexec(conn,
             "CREATE TABLE public.customers (id int PRIMARY KEY);"
             "CREATE TABLE public.orders (id int PRIMARY KEY, customer_id int REFERENCES customers);"
             "CREATE FUNCTION public.array_to_string(name[], text) RETURNS text LANGUAGE sql "
             "  AS $$ SELECT 'PLANTED' $$;"
             "CREATE FUNCTION public.pg_get_indexdef(oid) RETURNS text LANGUAGE sql AS $$ SELECT 'PLANTED' $$;");
  ASSERT_EQ(PQresultStatus(res), PGRES_COMMAND_OK) << PQresultErrorMessage(res);
  PQclear(res);
  // The hijack is real on a session with the default search_path.
  res = PQexec(conn, "SELECT array_to_string(ARRAY['a'::name], ',')");
  ASSERT_EQ(PQresultStatus(res), PGRES_TUPLES_OK);
  EXPECT_STREQ(PQgetvalue(res, 0, 0), "PLANTED");
  PQclear(res);
  PQfinish(conn);

  test::TempDir dir;
  auto r = test::run_pglens("catalog dump --db '" + conninfo + "'", "", dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("PLANTED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("customer_id"), std::string::npos) << r.out;
  pg->exec("DROP DATABASE pglens_hijack");
}

// A proxy in front of the real server that stops forwarding once the catalog query is sent,
// and answers no new connection (a cancel request included): a stuck pooler or network.
class StallingProxy {
 public:
  explicit StallingProxy(int server_port) : server_port_(server_port) {
    fd_ = listen_on_loopback(port_);
    thread_ = std::thread([this] { serve(); });
  }
  ~StallingProxy() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }
  int connections() const { return connections_; }

 private:
  void serve() {
    std::vector<int> held;
    int client = -1, server = -1;
    bool stalled = false;
    std::string seen;
    while (!stop_) {
      std::vector<pollfd> fds{{fd_, POLLIN, 0}};
      if (client >= 0 && !stalled) fds.push_back({client, POLLIN, 0}), fds.push_back({server, POLLIN, 0});
      if (poll(fds.data(), fds.size(), 50) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        int c = accept(fd_, nullptr, nullptr);
        ++connections_;
        if (client < 0) {
          client = c;
          server = socket(AF_INET, SOCK_STREAM, 0);
          sockaddr_in addr{};
          addr.sin_family = AF_INET;
          addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
          addr.sin_port = htons(static_cast<uint16_t>(server_port_));
          if (connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
        } else {
          held.push_back(c);  // accepted, never answered
        }
      }
      char buf[8192];
      for (size_t i = 1; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
        ssize_t n = read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) {
          stalled = true;
          break;
        }
        bool from_client = fds[i].fd == client;
        if (from_client) {
          seen.append(buf, static_cast<size_t>(n));
          if (seen.find("pg_namespace") != std::string::npos) {
            stalled = true;
            break;
          }
        }
        (void)!write(from_client ? server : client, buf, static_cast<size_t>(n));
      }
    }
    for (int h : held) close(h);
    if (client >= 0) close(client);
    if (server >= 0) close(server);
  }

  int server_port_, fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

TEST(LiveDatabase, StalledProxyTimesOutEvenWhenTheCancelStalls) {
  PGLENS_REQUIRE_CLUSTER(pg);
  StallingProxy proxy(pg->port());
  test::TempDir dir;
  test::write_file(dir / ".pglens.toml", "[database]\nstatement-timeout = 1000\n");
  auto started = std::chrono::steady_clock::now();
  // `timeout` only turns a hang (the bug) into a failure instead of a stuck suite.
  std::string cmd = "cd '" + dir.path().string() + "' && timeout 300 '" + PGLENS_BINARY +
      "' catalog dump --db 'host=127.0.0.1 port=" + std::to_string(proxy.port()) +
      " dbname=postgres user=postgres sslmode=disable' >/dev/null 2>'" + (dir / "err").string() + "'";
  int status = std::system(cmd.c_str());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("[ measured ] stalled proxy: pglens gave up after %.1f s\n", seconds);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2) << test::read_file(dir / "err");  // 124 would be timeout's: a hang
  EXPECT_NE(test::read_file(dir / "err").find("timed out"), std::string::npos) << test::read_file(dir / "err");
  EXPECT_GE(proxy.connections(), 2) << "the cancel request was sent, and stalled too";
}

}  // namespace
}  // namespace pglens
