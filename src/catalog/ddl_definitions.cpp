// Parse nodes as catalog values: index keys, partition keys and bounds (ddl_definitions.hpp),
// and the definitions PostgreSQL prints back read the same way (ddl.hpp).
#include "catalog/ddl_definitions.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "catalog/ddl.hpp"
#include "catalog/names.hpp"
#include "sql/parser.hpp"
#include "sql/pg_names.hpp"

namespace pg = pglens::sql::pg;

namespace pglens {
namespace ddl {

using catalog::deparse;

IndexKey key_of(const sql::Node& elem) {
  IndexKey k;
  if (elem.has(pg::name)) k.column = std::string(elem.str(pg::name));
  else k.expression = deparse(elem.field(pg::expr));
  k.descending = elem.str(pg::ordering) == pg::SORTBY_DESC;
  std::string_view nulls = elem.str(pg::nulls_ordering);
  k.nulls_first = nulls == pg::SORTBY_NULLS_FIRST || (nulls != pg::SORTBY_NULLS_LAST && k.descending);
  return k;
}

namespace {
std::string datum_list(const sql::List& datums) {
  std::vector<std::string> parts;
  for (sql::Node d : datums) {
    std::string t = deparse(d);
    if (t == "minvalue" || t == "maxvalue") std::transform(t.begin(), t.end(), t.begin(), ::toupper);
    parts.push_back(std::move(t));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace

std::string bound_text(const sql::Node& b) {
  if (!b) return {};
  if (b.boolean(pg::is_default)) return "DEFAULT";
  std::string_view s = b.str(pg::strategy);
  if (s == "l") return fmt::format("FOR VALUES IN ({})", datum_list(b.list(pg::listdatums)));
  if (s == "h")
    return fmt::format("FOR VALUES WITH (modulus {}, remainder {})", b.integer(pg::modulus), b.integer(pg::remainder));
  return fmt::format("FOR VALUES FROM ({}) TO ({})", datum_list(b.list(pg::lowerdatums)),
                     datum_list(b.list(pg::upperdatums)));
}

Partitioning partitioning_of(const sql::Node& spec) {
  Partitioning p;
  // PARTITION_STRATEGY_RANGE (an enum since PostgreSQL 16; "range" before): "range".
  std::string_view strategy = spec.str(pg::strategy);
  if (strategy.starts_with("PARTITION_STRATEGY_")) strategy.remove_prefix(19);
  p.strategy = std::string(strategy);
  std::transform(p.strategy.begin(), p.strategy.end(), p.strategy.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  for (sql::Node elem : spec.list(pg::partParams))
    p.keys.push_back(elem.has(pg::name) ? std::string(elem.str(pg::name)) : deparse(elem.field(pg::expr)));
  return p;
}

std::vector<std::string> key_name_parts(const Index& idx) {
  std::vector<std::string> parts;
  for (const auto& k : idx.keys) {
    if (!k.is_expression()) {
      parts.push_back(k.column);
      continue;
    }
    auto paren = k.expression.find('(');
    std::string fn = paren == std::string::npos ? "" : k.expression.substr(0, paren);
    bool ident = !fn.empty() && std::all_of(fn.begin(), fn.end(), [](char ch) {
      return ch == '_' || std::islower(static_cast<unsigned char>(ch)) || std::isdigit(static_cast<unsigned char>(ch));
    });
    parts.push_back(ident ? fn : "expr");
  }
  for (const auto& i : idx.include) parts.push_back(i);
  return parts;
}

Index index_of(const sql::Node& stmt) {
  Index idx;
  idx.method = stmt.str(pg::accessMethod).empty() ? "btree" : std::string(stmt.str(pg::accessMethod));
  for (sql::Node e : stmt.list(pg::indexParams)) idx.keys.push_back(key_of(e));
  for (sql::Node e : stmt.list(pg::indexIncludingParams)) idx.include.emplace_back(e.str(pg::name));
  if (stmt.has(pg::whereClause)) idx.predicate = deparse(stmt.field(pg::whereClause));
  idx.unique = stmt.boolean(pg::unique);
  idx.primary = stmt.boolean(pg::primary);
  idx.name = std::string(stmt.str(pg::idxname));
  return idx;
}

}  // namespace ddl

namespace catalog {
namespace {
// One statement parsed on its own; the callback sees its root while the tree lives.
template <class F>
void with_statement(const std::string& sql, F&& f) {
  sql::Parser parser;
  if (auto root = parser.parse_one(sql)) f(*root);
}
}  // namespace

std::optional<Index> index_from_definition(std::string_view create_index) {
  std::optional<Index> out;
  with_statement(std::string(create_index), [&](const sql::Node& root) {
    if (root.is(pg::IndexStmt)) out = ddl::index_of(root);
  });
  return out;
}

std::optional<Partitioning> partitioning_from_definition(std::string_view partkeydef) {
  std::optional<Partitioning> out;
  with_statement(fmt::format("CREATE TABLE t () PARTITION BY {}", partkeydef), [&](const sql::Node& root) {
    if (sql::Node spec = root.field(pg::partspec)) out = ddl::partitioning_of(spec);
  });
  return out;
}

std::string bound_from_definition(std::string_view bound) {
  std::string out;
  with_statement(fmt::format("CREATE TABLE t PARTITION OF p {}", bound),
                 [&](const sql::Node& root) { out = ddl::bound_text(root.field(pg::partbound)); });
  return out;
}

}  // namespace catalog
}  // namespace pglens
