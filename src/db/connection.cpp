#include "db/connection.hpp"

#include <poll.h>

#include <chrono>
#include <cstdlib>

#include <fmt/format.h>
#include <libpq-fe.h>

namespace pglens::db {
namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

// libpq prefixes its messages ("connection to server at ... failed: "); keep the reason.
std::string reason_of(const char* message) {
  std::string m = trim(message ? message : "");
  if (auto pos = m.rfind("failed: "); pos != std::string::npos) m = m.substr(pos + 8);
  return m.empty() ? "unknown error" : m;
}

struct ConninfoOptions {
  PQconninfoOption* options = nullptr;
  ~ConninfoOptions() { if (options) PQconninfoFree(options); }
  const char* get(std::string_view key) const {
    for (auto* o = options; o && o->keyword; ++o)
      if (key == o->keyword && o->val && *o->val) return o->val;
    return nullptr;
  }
};

}  // namespace

std::string Endpoint::describe() const {
  return fmt::format("host {} port {} database {}", host.empty() ? "(local socket)" : host, port, database);
}

std::optional<Endpoint> endpoint_of(const std::string& conninfo, std::string* error) {
  ConninfoOptions given, defaults;
  char* err = nullptr;
  given.options = PQconninfoParse(conninfo.c_str(), &err);
  if (!given.options) {
    if (error) *error = reason_of(err);
    if (err) PQfreemem(err);
    return std::nullopt;
  }
  defaults.options = PQconndefaults();  // PG* variables and built-in defaults
  auto pick = [&](std::string_view key) -> std::string {
    if (const char* v = given.get(key)) return v;
    if (const char* v = defaults.get(key)) return v;
    return {};
  };
  Endpoint e;
  e.host = pick("host");
  if (e.host.empty()) e.host = pick("hostaddr");
  e.port = pick("port");
  if (e.port.empty()) e.port = "5432";
  e.user = pick("user");
  e.database = pick("dbname");
  if (e.database.empty()) e.database = e.user;
  return e;
}

const std::string& Row::at(size_t i) const {
  static const std::string empty;
  return values[i] ? *values[i] : empty;
}

struct Connection::Impl {
  PGconn* conn = nullptr;
  int statement_timeout_ms = 30000;
  ~Impl() { if (conn) PQfinish(conn); }
};

Connection::~Connection() = default;
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;

std::optional<Connection> Connection::open(const std::string& conninfo, int connect_timeout_seconds,
                                           int statement_timeout_ms, std::string& error) {
  std::string parse_error;
  auto endpoint = endpoint_of(conninfo, &parse_error);
  if (!endpoint) {
    error = fmt::format("invalid database URL: {}", parse_error);
    return std::nullopt;
  }
  // The URL's own connect_timeout (or PGCONNECT_TIMEOUT) wins over ours.
  ConninfoOptions given;
  given.options = PQconninfoParse(conninfo.c_str(), nullptr);
  const char* env_timeout = std::getenv("PGCONNECT_TIMEOUT");
  bool own_timeout = !(given.get("connect_timeout") || (env_timeout && *env_timeout));
  std::string timeout = std::to_string(std::max(2, connect_timeout_seconds));
  std::vector<const char*> keys{"dbname", "fallback_application_name"};
  std::vector<const char*> values{conninfo.c_str(), "pglens"};
  if (own_timeout) {
    keys.push_back("connect_timeout");
    values.push_back(timeout.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);

  Connection c;
  c.impl_ = std::make_unique<Impl>();
  c.impl_->statement_timeout_ms = statement_timeout_ms;
  c.endpoint_ = *endpoint;
  c.impl_->conn = PQconnectdbParams(keys.data(), values.data(), 1);
  if (!c.impl_->conn || PQstatus(c.impl_->conn) != CONNECTION_OK) {
    error = fmt::format("cannot connect to PostgreSQL at {}: {}", endpoint->describe(),
                        reason_of(c.impl_->conn ? PQerrorMessage(c.impl_->conn) : "out of memory"));
    return std::nullopt;
  }
  if (!c.execute(fmt::format("SET statement_timeout = {}", statement_timeout_ms), error)) return std::nullopt;
  return c;
}

int Connection::server_version() const { return PQserverVersion(impl_->conn); }

std::optional<QueryResult> Connection::query(const std::string& sql, const std::vector<std::string>& params,
                                             std::string& error) {
  PGconn* conn = impl_->conn;
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  if (!PQsendQueryParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0)) {
    error = fmt::format("query failed on {}: {}", endpoint_.describe(), reason_of(PQerrorMessage(conn)));
    return std::nullopt;
  }
  // Wait for the answer no longer than the statement timeout plus a grace period: the
  // server enforces the timeout, this guards against a server that stopped answering.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(impl_->statement_timeout_ms + 2000);
  while (PQisBusy(conn)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      if (PGcancel* cancel = PQgetCancel(conn)) {
        char buf[256];
        PQcancel(cancel, buf, sizeof buf);
        PQfreeCancel(cancel);
      }
      error = fmt::format("query timed out after {} ms on {}", impl_->statement_timeout_ms, endpoint_.describe());
      return std::nullopt;
    }
    pollfd pfd{PQsocket(conn), POLLIN, 0};
    int ready = poll(&pfd, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready > 0 && !PQconsumeInput(conn)) {
      error = fmt::format("connection lost to {}: {}", endpoint_.describe(), reason_of(PQerrorMessage(conn)));
      return std::nullopt;
    }
  }
  QueryResult out;
  bool failed = false;
  while (PGresult* res = PQgetResult(conn)) {
    ExecStatusType status = PQresultStatus(res);
    if (status == PGRES_TUPLES_OK) {
      int rows = PQntuples(res), cols = PQnfields(res);
      for (int r = 0; r < rows; ++r) {
        Row row;
        for (int f = 0; f < cols; ++f) {
          if (PQgetisnull(res, r, f)) row.values.emplace_back(std::nullopt);
          else row.values.emplace_back(std::string(PQgetvalue(res, r, f), static_cast<size_t>(PQgetlength(res, r, f))));
        }
        out.rows.push_back(std::move(row));
      }
    } else if (status != PGRES_COMMAND_OK && !failed) {
      failed = true;
      error = fmt::format("query failed on {}: {}", endpoint_.describe(), reason_of(PQresultErrorMessage(res)));
    }
    PQclear(res);
  }
  if (failed) return std::nullopt;
  return out;
}

bool Connection::execute(const std::string& sql, std::string& error) { return query(sql, {}, error).has_value(); }

}  // namespace pglens::db
