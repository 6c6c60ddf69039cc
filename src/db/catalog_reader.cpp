// The catalog from a live database: pg_catalog read in one read-only, repeatable-read
// transaction, every function qualified (and the connection's search_path empty) so no
// function planted in another schema runs as the user. Index definitions, partition keys and bounds are taken as
// PostgreSQL prints them and read by the DDL reader, so a live catalog equals the one its DDL gives.
#include <charconv>
#include <unordered_map>

#include <fmt/format.h>

#include "catalog/ddl.hpp"
#include "db/connection.hpp"
#include "pglens/catalog.hpp"

namespace pglens {
namespace {

constexpr const char* kSchemaFilter =
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' "
    "AND n.nspname NOT LIKE 'pg\\_temp%'";

std::vector<std::string> split_names(const std::string& s) {
  // The queries below join names with a unit separator, which no identifier contains.
  std::vector<std::string> out;
  if (s.empty()) return out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '\x1f') {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::optional<double> number(const db::Row& row, size_t i) {
  if (row.is_null(i)) return std::nullopt;
  double v = 0;
  const std::string& s = row.at(i);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc()) return std::nullopt;
  return v;
}

// The elements of a one-dimensional array literal as PostgreSQL prints it
// ('{a,"b c",NULL}'); nullopt for anything else (a nested array, a broken literal).
std::optional<std::vector<std::optional<std::string>>> array_elements(std::string_view s) {
  std::vector<std::optional<std::string>> out;
  if (s.size() < 2 || s.front() != '{' || s.back() != '}') return std::nullopt;
  size_t i = 1, end = s.size() - 1;
  if (i == end) return out;
  while (i <= end) {
    std::string item;
    bool quoted = false;
    if (i < end && s[i] == '{') return std::nullopt;
    if (i < end && s[i] == '"') {
      quoted = true;
      for (++i; i < end && s[i] != '"'; ++i) {
        if (s[i] == '\\' && i + 1 < end) ++i;
        item += s[i];
      }
      if (i >= end) return std::nullopt;
      ++i;
    } else {
      while (i < end && s[i] != ',') item += s[i++];
    }
    if (i < end && s[i] != ',') return std::nullopt;
    if (!quoted && item == "NULL") out.emplace_back(std::nullopt);
    else out.emplace_back(std::move(item));
    if (i == end) break;
    ++i;  // the comma
  }
  return out;
}

// pg_stats of the catalog's tables (the rows of a partitioned table's whole tree for it, of
// the table alone otherwise): null_frac, n_distinct and the most common values that keep at
// least ColumnStats::kKeptFrequency of the rows. A failure (a type whose values will not
// print, a timeout) leaves the statistics out, not the catalog: the read continues after a
// savepoint.
void read_column_stats(db::Connection& conn, std::unordered_map<std::string, size_t>& by_oid, std::vector<Table>& read,
                       const std::string& source) {
  std::string error;
  if (!conn.execute("SAVEPOINT pglens_stats", error)) return;
  auto stats =
      conn.query(fmt::format("SELECT c.oid, s.attname, s.null_frac, s.n_distinct, "
                             "  CASE WHEN s.most_common_freqs[1] >= {} THEN s.most_common_vals::pg_catalog.text END, "
                             "  s.most_common_freqs::pg_catalog.text "
                             "FROM pg_catalog.pg_stats s JOIN pg_catalog.pg_namespace n ON n.nspname = s.schemaname "
                             "JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename "
                             "WHERE c.relkind IN ('r', 'p', 'm') AND s.inherited = (c.relkind = 'p') AND {} "
                             "ORDER BY c.oid, s.attname",
                             ColumnStats::kKeptFrequency, kSchemaFilter),
                 {}, error);
  if (!stats) {
    conn.execute("ROLLBACK TO SAVEPOINT pglens_stats", error);
    return;
  }
  constexpr size_t kLongestValue = 256;  // longer ones are no constant a query compares with
  for (const auto& r : stats->rows) {
    auto it = by_oid.find(r.at(0));
    if (it == by_oid.end()) continue;
    ColumnStats cs;
    cs.column = r.at(1);
    cs.null_frac = number(r, 2).value_or(0);
    cs.n_distinct = number(r, 3).value_or(0);
    auto freqs = array_elements(r.at(5));
    auto values = r.is_null(4) ? std::nullopt : array_elements(r.at(4));
    if (freqs) {
      cs.common_count = static_cast<uint32_t>(freqs->size());
      for (size_t i = 0; i < freqs->size(); ++i) {
        double f = 0;
        const std::string& text = (*freqs)[i].value_or("");
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), f);
        if (ec != std::errc() || f < 0 || f > 1) break;
        cs.common_total += f;
        if (values && values->size() == freqs->size() && f >= ColumnStats::kKeptFrequency && (*values)[i] &&
            (*values)[i]->size() <= kLongestValue) {
          cs.common_values.push_back(*(*values)[i]);
          cs.common_freqs.push_back(f);
        }
      }
    }
    Table& t = read[it->second];
    t.stats.source = source;
    t.stats.columns.push_back(std::move(cs));
  }
  conn.execute("RELEASE SAVEPOINT pglens_stats", error);
}

// The volatility of every function outside pg_catalog and information_schema: one row per
// name, its overloads' volatilities joined ('i', 's', 'v', or several when they differ).
void read_functions(db::Connection& conn, Catalog& c, const std::string& source) {
  std::string error;
  if (!conn.execute("SAVEPOINT pglens_functions", error)) return;
  auto rows = conn.query(
      "SELECT n.nspname, p.proname, pg_catalog.string_agg(DISTINCT p.provolatile::pg_catalog.text, '') "
      "FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
      "WHERE p.prokind = 'f' AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
      "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' "
      "GROUP BY n.nspname, p.proname",
      {}, error);
  if (!rows) {
    conn.execute("ROLLBACK TO SAVEPOINT pglens_functions", error);
    return;
  }
  std::vector<FunctionVolatility> functions;
  functions.reserve(rows->rows.size());
  for (const auto& r : rows->rows) {
    const std::string& v = r.at(2);
    functions.push_back({r.at(0), r.at(1), v.size() == 1 ? v[0] : '?'});
  }
  c.set_functions(std::move(functions), source);
  conn.execute("RELEASE SAVEPOINT pglens_functions", error);
}

}  // namespace

std::optional<std::string> load_live(const LiveOptions& options, Catalog& out) {
  std::string error;
  auto conn = db::Connection::open(options.url, options.connect_timeout_seconds, options.statement_timeout_ms, error);
  if (!conn) return error;
  if (conn->server_version() < 110000)
    return fmt::format("PostgreSQL at {} is version {}; pglens reads catalogs of PostgreSQL 11 and later",
                       conn->endpoint().describe(), conn->server_version());
  if (!conn->execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", error)) return error;
  std::string source =
      fmt::format("live {}:{}/{}", conn->endpoint().host, conn->endpoint().port, conn->endpoint().database);

  Catalog c;
  c.set_search_path(out.search_path());
  c.set_server_version(conn->server_version());
  auto schemas = conn->query(
      fmt::format("SELECT n.nspname FROM pg_catalog.pg_namespace n WHERE {} ORDER BY 1", kSchemaFilter), {}, error);
  if (!schemas) return error;
  bool has_public = false;
  for (const auto& r : schemas->rows) {
    c.add_schema(r.at(0));
    has_public = has_public || r.at(0) == "public";
  }
  if (!has_public) c.drop_schema("public");

  auto tables = conn->query(
      fmt::format(
          "SELECT c.oid, n.nspname, c.relname, c.relkind, c.reltuples, c.relpages, "
          "  CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END, "
          "  CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END, pn.nspname, pc.relname "
          "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
          "LEFT JOIN pg_catalog.pg_inherits i ON c.relispartition AND i.inhrelid = c.oid "
          "LEFT JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = "
          "pc.relnamespace "
          "WHERE c.relkind IN ('r', 'p', 'v', 'm') AND {} ORDER BY n.nspname, c.relname",
          kSchemaFilter),
      {}, error);
  if (!tables) return error;
  // Each relation's position in c.tables(), by oid: the rows of columns, constraints and
  // indexes name their table by oid. A search of the tables per row (and per table added) was
  // quadratic: 50,000 tables took 43 s of CPU, past the server's idle-in-transaction timeout.
  std::unordered_map<std::string, size_t> by_oid;
  by_oid.reserve(tables->rows.size());
  for (const auto& r : tables->rows) {
    Table t;
    t.schema = r.at(1);
    t.name = r.at(2);
    char kind = r.at(3).empty() ? 'r' : r.at(3)[0];
    t.kind = kind == 'p' ? RelationKind::partitioned_table
        : kind == 'v'    ? RelationKind::view
        : kind == 'm'    ? RelationKind::materialized_view
                         : RelationKind::table;
    // reltuples is -1 (PostgreSQL 14+) or 0 with relpages 0 before the first ANALYZE: unknown.
    auto rows = number(r, 4);
    auto pages = number(r, 5);
    if (rows && *rows >= 0 && !(*rows == 0 && pages && *pages == 0) && kind != 'v' && kind != 'p') {
      t.size.rows = rows;
      t.size.pages = pages;
      t.size.source = source;
    }
    if (!r.is_null(6)) t.partitioning = catalog::partitioning_from_definition(r.at(6));
    if (!r.is_null(7)) {
      t.bound = catalog::bound_from_definition(r.at(7));
      t.parent_schema = r.at(8);
      t.parent_name = r.at(9);
    }
    t.origin = source;
    by_oid[r.at(0)] = c.tables().size();
    c.add_table(std::move(t), nullptr);  // pg_class holds one relation of a name per schema
  }
  std::vector<Table>& read = c.tables();

  auto columns = conn->query(
      fmt::format("SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull "
                  "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN "
                  "pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                  "WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm') AND {} "
                  "ORDER BY a.attrelid, a.attnum",
                  kSchemaFilter),
      {}, error);
  if (!columns) return error;
  for (const auto& r : columns->rows) {
    auto it = by_oid.find(r.at(0));
    if (it == by_oid.end()) continue;
    Table* t = &read[it->second];
    bool views = t->kind == RelationKind::view || t->kind == RelationKind::materialized_view;
    // Views are known by name and columns, as their DDL gives them.
    t->columns.push_back({r.at(1), views ? std::string() : r.at(2), !views && r.at(3) == "t"});
  }

  // Constraints PostgreSQL copied onto partitions (conparentid <> 0) belong to the parent.
  auto constraints = conn->query(
      fmt::format("SELECT co.conrelid, co.conname, co.contype, "
                  "  pg_catalog.array_to_string(ARRAY(SELECT a.attname FROM pg_catalog.unnest(co.conkey) WITH "
                  "ORDINALITY k(num, ord) "
                  "    JOIN pg_catalog.pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.num ORDER BY "
                  "k.ord), E'\\x1f'), "
                  "  fn.nspname, fc.relname, "
                  "  pg_catalog.array_to_string(ARRAY(SELECT a.attname FROM pg_catalog.unnest(co.confkey) WITH "
                  "ORDINALITY k(num, ord) "
                  "    JOIN pg_catalog.pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.num ORDER BY "
                  "k.ord), E'\\x1f') "
                  "FROM pg_catalog.pg_constraint co JOIN pg_catalog.pg_class c ON c.oid = co.conrelid JOIN "
                  "pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                  "LEFT JOIN pg_catalog.pg_class fc ON fc.oid = co.confrelid LEFT JOIN pg_catalog.pg_namespace fn ON "
                  "fn.oid = fc.relnamespace "
                  "WHERE co.contype IN ('p', 'u', 'f') AND co.conparentid = 0 AND {} ORDER BY co.conrelid, co.conname",
                  kSchemaFilter),
      {}, error);
  if (!constraints) return error;
  for (const auto& r : constraints->rows) {
    auto it = by_oid.find(r.at(0));
    if (it == by_oid.end()) continue;
    Constraint con;
    con.name = r.at(1);
    char type = r.at(2).empty() ? 'p' : r.at(2)[0];
    con.kind = type == 'p' ? ConstraintKind::primary_key
        : type == 'u'      ? ConstraintKind::unique
                           : ConstraintKind::foreign_key;
    con.columns = split_names(r.at(3));
    if (con.kind == ConstraintKind::foreign_key) {
      con.ref_schema = r.at(4);
      con.ref_table = r.at(5);
      con.ref_columns = split_names(r.at(6));
    }
    read[it->second].constraints.push_back(std::move(con));
  }

  auto indexes = conn->query(fmt::format("SELECT i.indrelid, pg_catalog.pg_get_indexdef(i.indexrelid), i.indisvalid, "
                                         "i.indisprimary, pn.nspname, pc.relname "
                                         "FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid "
                                         "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                                         "LEFT JOIN pg_catalog.pg_inherits inh ON inh.inhrelid = i.indexrelid "
                                         "LEFT JOIN pg_catalog.pg_class pc ON pc.oid = inh.inhparent LEFT JOIN "
                                         "pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace "
                                         "WHERE {} ORDER BY i.indrelid, i.indexrelid",
                                         kSchemaFilter),
                             {}, error);
  if (!indexes) return error;
  for (const auto& r : indexes->rows) {
    auto it = by_oid.find(r.at(0));
    if (it == by_oid.end()) continue;
    auto idx = catalog::index_from_definition(r.at(1));
    if (!idx) continue;  // a definition this parser cannot read: leave it out rather than guess
    idx->valid = r.at(2) == "t";
    idx->primary = r.at(3) == "t";
    if (!r.is_null(4)) idx->parent_index = fmt::format("{}.{}", r.at(4), r.at(5));
    idx->origin = source;
    read[it->second].indexes.push_back(std::move(*idx));
  }
  read_column_stats(*conn, by_oid, read, "pg_stats of " + source);
  read_functions(*conn, c, "pg_proc of " + source);
  if (!conn->execute("COMMIT", error)) return error;
  out = std::move(c);
  return std::nullopt;
}

}  // namespace pglens
