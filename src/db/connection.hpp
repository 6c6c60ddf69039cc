// A libpq connection with timeouts that hold on the client side too: connecting gives up
// after the connect timeout, and every query after its statement timeout plus a grace
// period (cancelled on the server), so a stalled server never hangs pglens.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pglens::db {

// Where a connection string points, for messages: never the password.
struct Endpoint {
  std::string host, port, database, user;
  std::string describe() const;  // "host 127.0.0.1 port 5432 database shop"
};
// Parses a URL or key=value string with libpq, filling the rest from PG* variables and
// libpq's defaults. nullopt and `error` when libpq cannot parse it.
std::optional<Endpoint> endpoint_of(const std::string& conninfo, std::string* error = nullptr);

// `message` with every password `conninfo` holds (userinfo, password=, raw or
// percent-decoded) and any quoted URL's userinfo replaced by ***: libpq's parse errors
// quote the text they could not read.
std::string redact_secrets(std::string message, std::string_view conninfo);

struct Row {
  std::vector<std::optional<std::string>> values;
  const std::string& at(size_t i) const;  // "" for NULL
  bool is_null(size_t i) const { return !values[i].has_value(); }
};

struct QueryResult {
  std::vector<Row> rows;
};

class Connection {
 public:
  ~Connection();
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;

  // Connects; on failure returns nullopt and an error naming host, port, database and why.
  static std::optional<Connection> open(const std::string& conninfo, int connect_timeout_seconds,
                                        int statement_timeout_ms, std::string& error);

  // Runs one statement with text parameters. nullopt and `error` on failure or timeout.
  std::optional<QueryResult> query(const std::string& sql, const std::vector<std::string>& params, std::string& error);
  bool execute(const std::string& sql, std::string& error);
  const Endpoint& endpoint() const { return endpoint_; }
  int server_version() const;

 private:
  Connection() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Endpoint endpoint_;
};

}  // namespace pglens::db
