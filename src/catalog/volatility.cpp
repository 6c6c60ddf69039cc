#include "catalog/volatility.hpp"

#include <algorithm>
#include <iterator>
#include <string>

#include <fmt/format.h>

#include "catalog/names.hpp"
#include "catalog/query_facts.hpp"
#include "sql/parser.hpp"
#include "sql/pg_names.hpp"

#include <pg_query.h>

namespace pg = pglens::sql::pg;

namespace pglens::catalog {
namespace {

// Functions IMMUTABLE whatever their arguments' types (pg_proc.provolatile = 'i' for every
// overload index expressions meet).
constexpr std::string_view kImmutable[] = {"lower",
                                           "upper",
                                           "initcap",
                                           "btrim",
                                           "ltrim",
                                           "rtrim",
                                           "length",
                                           "char_length",
                                           "character_length",
                                           "octet_length",
                                           "bit_length",
                                           "substr",
                                           "substring",
                                           "left",
                                           "right",
                                           "replace",
                                           "reverse",
                                           "md5",
                                           "abs",
                                           "round",
                                           "floor",
                                           "ceil",
                                           "ceiling",
                                           "trunc",
                                           "sign",
                                           "mod",
                                           "split_part",
                                           "strpos",
                                           "lpad",
                                           "rpad",
                                           "regexp_replace",
                                           "translate",
                                           "coalesce",
                                           "jsonb_extract_path",
                                           "jsonb_extract_path_text",
                                           "json_extract_path",
                                           "json_extract_path_text",
                                           "jsonb_array_length",
                                           "array_length",
                                           "cardinality",
                                           "timezone",
                                           "sha256",
                                           "sha512",
                                           "starts_with"};

enum class Family { text, integer, numeric, datetime_tz, datetime, date, interval, other, unknown };

Family family_of_type(std::string_view type) {
  if (auto paren = type.find('('); paren != std::string_view::npos) {
    // "timestamp(3) with time zone": the precision sits inside the name.
    std::string without(type.substr(0, paren));
    auto close = type.find(')', paren);
    if (close != std::string_view::npos) without += type.substr(close + 1);
    return family_of_type(without);
  }
  if (type == "timestamp with time zone" || type == "timestamptz" || type == "time with time zone" || type == "timetz")
    return Family::datetime_tz;
  if (type == "timestamp without time zone" || type == "timestamp" || type == "time without time zone" ||
      type == "time")
    return Family::datetime;
  if (type == "date") return Family::date;
  if (type == "interval") return Family::interval;
  for (std::string_view t : {"text", "character varying", "varchar", "character", "char", "bpchar", "name", "citext"})
    if (type == t) return Family::text;
  for (std::string_view t : {"smallint", "integer", "bigint", "int2", "int4", "int8", "int"})
    if (type == t) return Family::integer;
  for (std::string_view t : {"numeric", "decimal", "real", "double precision", "float4", "float8"})
    if (type == t) return Family::numeric;
  return Family::other;
}

class Judge {
 public:
  Judge(const Table& table, const Catalog* catalog) : table_(table), catalog_(catalog) {}

  // Why the expression is not IMMUTABLE, when pg_proc said so of a function.
  const std::string& why() const { return why_; }

  // The type family of what `n` yields, as far as it tells: a column's, a cast's target.
  Family family(const sql::Node& n) const {
    if (n.is(pg::ColumnRef)) {
      sql::List f = n.list(pg::fields);
      if (f.empty() || f[f.size() - 1].is(pg::A_Star)) return Family::unknown;
      const Column* c = table_.column(f[f.size() - 1].sval());
      return c ? family_of_type(c->type) : Family::unknown;
    }
    if (n.is(pg::TypeCast)) return family_of_type(type_name(n.field(pg::typeName)));
    if (n.is(pg::A_Const)) return n.has(pg::sval) ? Family::text : n.has(pg::ival) ? Family::integer : Family::unknown;
    if (n.is(pg::FuncCall)) {
      std::string name = function_name(n);
      sql::List args = n.list(pg::args);
      // AT TIME ZONE turns one timestamp type into the other; date_trunc keeps its argument's.
      if (name == "timezone" && args.size() == 2) {
        Family f = family(args[1]);
        return f == Family::datetime_tz ? Family::datetime
            : f == Family::datetime     ? Family::datetime_tz
                                        : Family::unknown;
      }
      if (name == "date_trunc") return args.size() == 2 ? family(args[1]) : Family::datetime_tz;
      if (name == "lower" || name == "upper" || name == "btrim" || name == "md5" || name == "replace" ||
          name == "substr" || name == "left" || name == "right" || name == "jsonb_extract_path_text" ||
          name == "split_part")
        return Family::text;
    }
    return Family::unknown;
  }

  bool immutable(const sql::Node& n, int depth = 0) const {
    if (!n) return true;
    if (depth > 64) return false;
    if (n.is(pg::ColumnRef) || n.is(pg::A_Const) || n.is(pg::String)) return true;
    if (n.is(pg::TypeCast)) return cast_immutable(n, depth);
    if (n.is(pg::FuncCall)) return call_immutable(n, depth);
    if (n.is(pg::A_Expr)) return operator_immutable(n, depth);
    if (n.is(pg::A_Indirection) || n.is(pg::A_Indices) || n.is(pg::BoolExpr) || n.is(pg::NullTest) ||
        n.is(pg::BooleanTest) || n.is(pg::CoalesceExpr) || n.is(pg::MinMaxExpr) || n.is(pg::CaseExpr) ||
        n.is(pg::CaseWhen) || n.is(pg::List) || n.is(pg::A_ArrayExpr) || n.is(pg::CollateClause))
      return sql::for_each_child(n, [&](const sql::Node& child) { return immutable(child, depth + 1); });
    return false;  // now(), CURRENT_DATE, a subquery, a parameter, a node this does not know
  }

 private:
  bool args_immutable(const sql::Node& call, int depth) const {
    for (sql::Node a : call.list(pg::args))
      if (!immutable(a, depth + 1)) return false;
    return true;
  }

  bool call_immutable(const sql::Node& call, int depth) const {
    std::string name = function_name(call);
    sql::List args = call.list(pg::args);
    if (!args_immutable(call, depth)) return false;
    sql::List names = call.list(pg::funcname);
    std::string_view schema = names.size() == 2 ? names[0].sval() : std::string_view();
    // A function of another schema than pg_catalog is the user's (or an extension's): only
    // pg_proc knows it.
    if (!schema.empty() && schema != "pg_catalog") return server_says_immutable(schema, name);
    if (std::find(std::begin(kImmutable), std::end(kImmutable), name) != std::end(kImmutable)) return true;
    // On timestamp with time zone these read the session's TimeZone (STABLE); on timestamp,
    // date or interval they do not. With an explicit zone (date_trunc's third argument) too.
    if (name == "date_trunc" || name == "date_part" || name == "extract") {
      if (args.size() == 3) return true;
      if (args.size() != 2) return false;
      Family f = family(args[1]);
      // A date has no overload but extract's (PostgreSQL 14+): date_trunc and date_part cast it
      // to timestamptz, the preferred type.
      return f == Family::datetime || f == Family::interval || (f == Family::date && name == "extract");
    }
    // The text search functions with a configuration named; without one they read
    // default_text_search_config.
    if (name == "to_tsvector" || name == "to_tsquery" || name == "plainto_tsquery") return args.size() == 2;
    if (schema.empty()) return server_says_immutable(schema, name);
    return false;
  }

  // What pg_proc says of a function the built-in table does not know: IMMUTABLE when every
  // overload is; unknown (no --db, no such function, overloads that differ) is not.
  bool server_says_immutable(std::string_view schema, const std::string& name) const {
    if (!catalog_) return false;
    auto v = catalog_->function_volatility(schema, name);
    if (!v) return false;
    if (*v == 'i') return true;
    if (why_.empty()) {
      std::string_view kind = *v == 's' ? "STABLE" : *v == 'v' ? "VOLATILE" : "not IMMUTABLE in every overload";
      why_ = fmt::format("`{}` is {} ({})", schema.empty() ? name : fmt::format("{}.{}", schema, name), kind,
                         catalog_->functions_source());
    }
    return false;
  }

  bool cast_immutable(const sql::Node& cast, int depth) const {
    sql::Node arg = cast.field(pg::arg);
    if (!immutable(arg, depth + 1)) return false;
    if (arg.is(pg::A_Const)) return true;  // a constant is converted once, when the index is made
    Family to = family_of_type(type_name(cast.field(pg::typeName))), from = family(arg);
    bool to_time = to == Family::datetime_tz || to == Family::datetime || to == Family::date;
    bool from_time = from == Family::datetime_tz || from == Family::datetime || from == Family::date;
    if (from == Family::unknown) return !to_time && to != Family::text;
    // Dates and times print and read by DateStyle and TimeZone; timestamptz to and from the
    // local types reads TimeZone.
    if (from_time && to == Family::text) return false;
    if (from == Family::datetime_tz && to_time && to != Family::datetime_tz) return false;
    if ((from == Family::datetime || from == Family::date) && to == Family::datetime_tz) return false;
    if (from == Family::text && to_time) return false;
    return true;
  }

  bool operator_immutable(const sql::Node& e, int depth) const {
    sql::Node l = e.field(pg::lexpr), r = e.field(pg::rexpr);
    if (!immutable(l, depth + 1) || !immutable(r, depth + 1)) return false;
    sql::List name = e.list(pg::name);
    std::string_view op = name.empty() ? std::string_view() : name[name.size() - 1].sval();
    // timestamptz + interval crosses a daylight-saving change by the session's TimeZone.
    if ((op == "+" || op == "-") && (family(l) == Family::datetime_tz || family(r) == Family::datetime_tz))
      return false;
    // text || anything that is not text converts it by its output function (STABLE for some).
    if (op == "||") return family(l) == Family::text && family(r) == Family::text;
    return true;
  }

  const Table& table_;
  const Catalog* catalog_;
  mutable std::string why_;
};

}  // namespace

bool is_immutable(const sql::Node& expression, const Table& table, const Catalog* catalog, std::string* why) {
  Judge judge(table, catalog);
  bool immutable = judge.immutable(expression);
  if (why) *why = immutable ? std::string() : judge.why();
  return immutable;
}

bool is_immutable_text(std::string_view expression, const Table& table, const Catalog* catalog) {
  thread_local sql::Parser parser;
  auto root = parser.parse_one("SELECT " + std::string(expression));
  if (!root || !root->is(pg::SelectStmt)) return false;
  sql::List targets = root->list(pg::targetList);
  if (targets.size() != 1) return false;
  return is_immutable(targets[0].field(pg::val), table, catalog);
}

std::optional<std::string> postgres_text(std::string_view expression) {
  constexpr std::string_view kSelect = "SELECT ";
  std::string sql = std::string(kSelect) + std::string(expression);
  PgQueryProtobufParseResult parsed = pg_query_parse_protobuf(sql.c_str());
  std::optional<std::string> out;
  if (!parsed.error) {
    PgQueryDeparseResult deparsed = pg_query_deparse_protobuf(parsed.parse_tree);
    if (!deparsed.error && deparsed.query) {
      std::string_view text = deparsed.query;
      if (text.starts_with(kSelect)) out = std::string(text.substr(kSelect.size()));
    }
    pg_query_free_deparse_result(deparsed);
  }
  pg_query_free_protobuf_parse_result(parsed);
  return out;
}

}  // namespace pglens::catalog
