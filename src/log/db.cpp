// `pglens log --db URL`: the workload as pg_stat_statements counted it, in a read-only
// session with timeouts (db::Connection), grouped by the same fingerprints as the log.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "catalog/names.hpp"
#include "db/connection.hpp"
#include "log/log.hpp"

namespace pglens::log {
namespace {

uint64_t to_count(const std::string& s) {
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') break;
    if (v > UINT64_MAX / 10 - 10) return UINT64_MAX;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

double to_double(const std::string& s) {
  try {
    double v = std::stod(s);
    return std::isfinite(v) && v >= 0 ? v : 0;
  } catch (const std::exception&) { return 0; }
}

bool is_utility_word(std::string_view word) {
  static constexpr std::string_view words[] = {"begin",      "start",   "commit", "end",      "rollback", "abort",
                                               "savepoint",  "release", "set",    "show",     "reset",    "discard",
                                               "deallocate", "prepare", "listen", "unlisten", "notify",   "checkpoint",
                                               "vacuum",     "analyze", "lock"};
  for (auto w : words)
    if (word == w) return true;
  return false;
}

// "2026-12-07 19:40:00.123456+00" (a timestamptz as text, UTC session) -> µs since the epoch.
int64_t epoch_us(const std::string& s) {
  try {
    return static_cast<int64_t>(std::llround(std::stod(s) * 1e6));
  } catch (const std::exception&) { return INT64_MIN; }
}

}  // namespace

bool read_pg_stat_statements(const DbOptions& options, Summary& summary, std::string& error) {
  auto conn = db::Connection::open(options.url, options.connect_timeout_s, options.statement_timeout_ms, error);
  if (!conn) return false;
  std::string where = conn->endpoint().describe();
  auto ext = conn->query(
      "SELECT n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace "
      "WHERE e.extname = 'pg_stat_statements'",
      {}, error);
  if (!ext) return false;
  if (ext->rows.empty()) {
    auto preload = conn->query("SELECT pg_catalog.current_setting('shared_preload_libraries')", {}, error);
    bool loaded =
        preload && !preload->rows.empty() && preload->rows[0].at(0).find("pg_stat_statements") != std::string::npos;
    error = loaded ? fmt::format(
                         "pg_stat_statements is loaded but not created in the database ({}): run CREATE EXTENSION "
                         "pg_stat_statements there (a superuser, once)",
                         where)
                   : fmt::format(
                         "pg_stat_statements is not installed ({}): add pg_stat_statements to "
                         "shared_preload_libraries in postgresql.conf, restart the server, then run CREATE EXTENSION "
                         "pg_stat_statements in the database",
                         where);
    return false;
  }
  int version = conn->server_version();
  std::string schema = catalog::quote_ident(ext->rows[0].at(0));
  // total_exec_time from PostgreSQL 13 (total_time before).
  std::string t = version >= 130000 ? "exec_time" : "time";
  auto rows =
      conn->query(fmt::format("SELECT s.queryid::text, s.query, s.calls, s.total_{0}, s.min_{0}, s.max_{0}, s.rows, "
                              "s.shared_blks_hit, s.shared_blks_read FROM {1}.pg_stat_statements s "
                              "WHERE s.dbid = (SELECT d.oid FROM pg_catalog.pg_database d "
                              "WHERE d.datname = pg_catalog.current_database()) "
                              "ORDER BY s.total_{0} DESC LIMIT $1",
                              t, schema),
                  {std::to_string(options.limit)}, error);
  if (!rows) return false;
  // The span the counters cover: since pg_stat_statements_info.stats_reset (PostgreSQL 14).
  std::string ignored;
  int64_t since = INT64_MAX;
  if (version >= 140000) {
    auto reset = conn->query(fmt::format("SELECT pg_catalog.date_part('epoch', i.stats_reset)::text, "
                                         "pg_catalog.date_part('epoch', pg_catalog.now())::text "
                                         "FROM {}.pg_stat_statements_info i",
                                         schema),
                             {}, ignored);
    if (reset && !reset->rows.empty() && !reset->rows[0].is_null(0)) {
      since = epoch_us(reset->rows[0].at(0));
      summary.db_until_us = std::max(summary.db_until_us, epoch_us(reset->rows[0].at(1)));
    }
  }
  summary.db_since_us = std::min(summary.db_since_us, since);
  summary.db_servers.push_back(where);

  Fingerprints fingerprints;
  for (const auto& r : rows->rows) {
    const std::string& text = r.at(1);
    // Another role's statements without pg_read_all_stats.
    if (text.empty() || text == "<insufficient privilege>") continue;
    Normalized n = normalize(text);
    const std::string& fp = fingerprints.of(n.key, text);
    auto [it, inserted] = summary.db_statements.try_emplace(fp);
    DbStatement& d = it->second;
    double total = to_double(r.at(3));
    if (inserted) {
      d.fingerprint = fp;
      d.query = text;
      d.queryid = r.at(0);
      d.utility = is_utility_word(n.first_word);
      d.select = n.first_word == "select" || n.first_word == "with" || n.first_word == "table";
    }
    d.calls += to_count(r.at(2));
    d.total_ms += total;
    double min = to_double(r.at(4));
    d.min_ms = d.min_ms < 0 ? min : std::min(d.min_ms, min);
    d.max_ms = std::max(d.max_ms, to_double(r.at(5)));
    d.rows += to_count(r.at(6));
    d.shared_blks_hit += to_count(r.at(7));
    d.shared_blks_read += to_count(r.at(8));
  }

  // The result types of what ships many rows, so its aggregate rewrite sums the numeric
  // columns only. The statement is prepared and run under LIMIT 0 (PostgreSQL plans it away:
  // nothing is read), its parameters NULL, each output column's pg_typeof() read through a
  // LEFT JOIN that keeps one row; PostgreSQL before 16 has no
  // pg_prepared_statements.result_types. The session stays read-only.
  auto type_columns = [&](const std::string& sql, std::vector<std::string>& numeric) {
    if (!numeric.empty()) return;
    auto names = output_columns(sql);
    if (names.empty()) return;
    int parameters = 0;
    for (const auto& c : normalize(sql).constants) parameters = std::max(parameters, c.param);
    std::string aliases, types, nulls;
    for (size_t i = 0; i < names.size(); ++i) {
      aliases += fmt::format("{}c{}", i ? ", " : "", i + 1);
      types += fmt::format("{}pg_catalog.pg_typeof(c.c{})::oid", i ? ", " : "", i + 1);
    }
    for (int i = 0; i < parameters; ++i) nulls += i ? ", NULL" : "(NULL";
    if (parameters) nulls += ")";
    std::string body = sql;
    while (!body.empty() && (body.back() == ';' || std::isspace(static_cast<unsigned char>(body.back()))))
      body.pop_back();
    std::string e;
    // The application's tables resolve as its sessions resolve them (a prepared statement is
    // planned again under another search_path, so EXECUTE runs under it too); pglens's own
    // queries (schema-qualified) go back to the empty search_path right after.
    if (!conn->execute("SET search_path = \"$user\", public", e)) return;
    bool prepared = conn->execute(
        fmt::format("PREPARE pglens_log_rows AS SELECT pg_catalog.format_type(r.oid, NULL), t.typcategory = 'N' "
                    "FROM (SELECT) AS one LEFT JOIN LATERAL (SELECT * FROM ({}\n) AS q LIMIT 0) AS c({}) ON true "
                    "CROSS JOIN LATERAL pg_catalog.unnest(ARRAY[{}]) WITH ORDINALITY AS r(oid, i) "
                    "JOIN pg_catalog.pg_type t ON t.oid = r.oid ORDER BY r.i",
                    body, aliases, types),
        e);
    std::optional<db::QueryResult> result;
    if (prepared) result = conn->query("EXECUTE pglens_log_rows" + nulls, {}, e);
    conn->execute("SET search_path = ''", e);
    if (prepared) conn->execute("DEALLOCATE pglens_log_rows", e);
    if (!result || result->rows.size() != names.size()) return;
    for (size_t i = 0; i < names.size(); ++i)
      if (result->rows[i].at(1) == "t" && names[i] != "id" && !names[i].ends_with("_id")) numeric.push_back(names[i]);
  };
  for (auto& [fp, d] : summary.db_statements)
    if (d.select && d.calls && d.rows / d.calls >= options.many_rows && !aggregates(d.query))
      type_columns(d.query, d.numeric_columns);
  for (auto& [fp, g] : summary.groups)
    if (g.select && g.rows_calls && g.rows / g.rows_calls >= options.many_rows && !aggregates(g.query))
      type_columns(g.query, g.numeric_columns);
  return true;
}

}  // namespace pglens::log
