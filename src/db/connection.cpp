#include "db/connection.hpp"

#include <poll.h>

#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

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

// Every form a password can take in a connection string: the URL's userinfo after ':',
// `password=` in its query or as a keyword, each as written and percent-decoded.
std::vector<std::string> secrets_of(std::string_view conninfo) {
  std::vector<std::string> out;
  auto decoded = [](std::string_view s) {
    std::string d;
    for (size_t i = 0; i < s.size(); ++i) {
      auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
      if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) && hex(s[i + 2])) {
        d += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
        i += 2;
      } else {
        d += s[i];
      }
    }
    return d;
  };
  auto add = [&](std::string_view secret) {
    if (secret.empty()) return;
    out.emplace_back(secret);
    if (std::string d = decoded(secret); d != secret && !d.empty()) out.push_back(std::move(d));
  };
  if (auto scheme = conninfo.find("://"); scheme != std::string_view::npos) {
    std::string_view rest = conninfo.substr(scheme + 3);
    std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
      std::string_view userinfo = authority.substr(0, at);
      if (auto colon = userinfo.find(':'); colon != std::string_view::npos) add(userinfo.substr(colon + 1));
    }
  }
  // password=... as a URL parameter or a keyword (quoted or not); ends at & or whitespace.
  for (size_t at = conninfo.find("password"); at != std::string_view::npos; at = conninfo.find("password", at + 1)) {
    size_t i = at + 8;
    while (i < conninfo.size() && conninfo[i] == ' ') ++i;
    if (i >= conninfo.size() || conninfo[i] != '=') continue;
    ++i;
    while (i < conninfo.size() && conninfo[i] == ' ') ++i;
    bool quoted = i < conninfo.size() && conninfo[i] == '\'';
    if (quoted) ++i;
    size_t end = i;
    while (end < conninfo.size() && (quoted ? conninfo[end] != '\'' : (conninfo[end] != '&' && conninfo[end] != ' ')))
      ++end;
    add(conninfo.substr(i, end - i));
  }
  return out;
}

struct ConninfoOptions {
  PQconninfoOption* options = nullptr;
  ~ConninfoOptions() {
    if (options) PQconninfoFree(options);
  }
  const char* get(std::string_view key) const {
    for (auto* o = options; o && o->keyword; ++o)
      if (key == o->keyword && o->val && *o->val) return o->val;
    return nullptr;
  }
};

// Asks the server to cancel the running query, waiting for the answer no longer than
// kCancelWaitMs. PQcancel opens a new connection and blocks without a deadline, so behind a
// stalled server or proxy it could wait forever: it runs on a thread of its own, left to
// the process's exit if it never returns (the server's statement_timeout, set on connect,
// ends the query anyway).
constexpr int kCancelWaitMs = 2000;

void cancel_with_deadline(PGconn* conn) {
  PGcancel* cancel = PQgetCancel(conn);
  if (!cancel) return;
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
  };
  auto state = std::make_shared<State>();
  std::thread([cancel, state] {
    char buf[256];
    PQcancel(cancel, buf, sizeof buf);
    PQfreeCancel(cancel);
    std::lock_guard lock(state->mu);
    state->done = true;
    state->cv.notify_all();
  }).detach();
  std::unique_lock lock(state->mu);
  state->cv.wait_for(lock, std::chrono::milliseconds(kCancelWaitMs), [&] { return state->done; });
}

}  // namespace

std::string Endpoint::describe() const {
  return fmt::format("host {} port {} database {}", host.empty() ? "(local socket)" : host, port, database);
}

std::string redact_secrets(std::string message, std::string_view conninfo) {
  for (const auto& secret : secrets_of(conninfo)) {
    for (size_t at = message.find(secret); at != std::string::npos; at = message.find(secret, at + 3))
      message.replace(at, secret.size(), "***");
  }
  // And any URL the message quotes: its userinfo may be what libpq could not parse.
  for (size_t at = message.find("://"); at != std::string::npos; at = message.find("://", at + 3)) {
    size_t end = message.find_first_of("/?\" \n", at + 3);
    size_t sign = message.rfind('@', end == std::string::npos ? std::string::npos : end);
    if (sign != std::string::npos && sign > at + 3) message.replace(at + 3, sign - (at + 3), "***");
  }
  return message;
}

std::optional<Endpoint> endpoint_of(const std::string& conninfo, std::string* error) {
  ConninfoOptions given, defaults;
  char* err = nullptr;
  given.options = PQconninfoParse(conninfo.c_str(), &err);
  if (!given.options) {
    if (error) *error = redact_secrets(reason_of(err), conninfo);
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
  ~Impl() {
    if (conn) PQfinish(conn);
  }
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
    error = fmt::format(
        "cannot connect to PostgreSQL at {}: {}", endpoint->describe(),
        redact_secrets(reason_of(c.impl_->conn ? PQerrorMessage(c.impl_->conn) : "out of memory"), conninfo));
    return std::nullopt;
  }
  // As pg_dump does (CVE-2018-1058): an empty search_path, so no function or operator another
  // role created in `public` can stand in for pg_catalog's in pglens's queries; and the
  // session read-only, with every wait bounded, so pointing pglens at production is safe.
  // Plain SETs, the timeouts first: they call no function and take no lock, so they run
  // before anything could be looked up in a schema or wait on a locked catalog.
  std::string ms = std::to_string(statement_timeout_ms);
  for (const std::string& set :
       {"SET statement_timeout = " + ms, "SET lock_timeout = " + ms,
        "SET idle_in_transaction_session_timeout = " + std::to_string(std::max(60000, 2 * statement_timeout_ms)),
        std::string("SET search_path = ''"), std::string("SET default_transaction_read_only = on")})
    if (!c.execute(set, error)) return std::nullopt;
  return c;
}

int Connection::server_version() const { return PQserverVersion(impl_->conn); }

std::optional<QueryResult> Connection::query(const std::string& sql, const std::vector<std::string>& params,
                                             std::string& error) {
  PGconn* conn = impl_->conn;
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  if (!PQsendQueryParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr,
                         0)) {
    error = fmt::format("query failed on {}: {}", endpoint_.describe(), reason_of(PQerrorMessage(conn)));
    return std::nullopt;
  }
  // Wait for the answer no longer than the statement timeout plus a grace period: the
  // server enforces the timeout, this guards against a server that stopped answering.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(impl_->statement_timeout_ms + 2000);
  while (PQisBusy(conn)) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      cancel_with_deadline(conn);
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
