#include <fmt/format.h>

#include <optional>

#include "registry.hpp"
#include "sql/pg_names.hpp"

namespace pg = pglens::sql::pg;

namespace pglens::rules {
namespace {

// What a construct is and the PostgreSQL major version that first accepts it.
struct Newer {
  std::string_view what;
  int version;
};

// The major version the SQL runs on: postgres-version in .pglens.toml (the top-level key,
// or this rule's option), else the live database's (--db); with neither, nothing to compare
// against.
struct Target {
  int64_t major;
  std::string_view from;
};
std::optional<Target> target(const detail::RuleContext& ctx) {
  if (int64_t major = ctx.int_option("postgres-version"); major > 0) return Target{major, "postgres-version"};
  int server = ctx.catalog().server_version();  // PG_VERSION_NUM: 150004, 90624
  if (server <= 0) return std::nullopt;
  return Target{server / 10000, "the database at --db"};
}

// Syntax pglens's parser (PostgreSQL 18's grammar) accepts that an older server rejects,
// where the raw parse tree tells it cheaply.
std::optional<Newer> newer_syntax(const sql::Node& node, const detail::Walk& walk) {
  std::string_view kind = node.kind();
  if (kind == pg::RangeSubselect) {
    if (!node.has(pg::alias)) return Newer{"a subquery in FROM without an alias", 16};
  } else if (kind == pg::JsonIsPredicate) {
    return Newer{"IS JSON", 16};
  } else if (kind == pg::JsonObjectConstructor || kind == pg::JsonArrayConstructor ||
             kind == pg::JsonArrayQueryConstructor || kind == pg::JsonObjectAgg || kind == pg::JsonArrayAgg) {
    return Newer{"the SQL/JSON constructors (JSON_OBJECT, JSON_ARRAY, JSON_OBJECTAGG, JSON_ARRAYAGG)", 16};
  } else if (kind == pg::JsonParseExpr || kind == pg::JsonScalarExpr || kind == pg::JsonSerializeExpr) {
    return Newer{"JSON(), JSON_SCALAR() and JSON_SERIALIZE()", 17};
  } else if (kind == pg::JsonFuncExpr) {
    return Newer{"JSON_EXISTS, JSON_QUERY and JSON_VALUE", 17};
  } else if (kind == pg::JsonTable) {
    return Newer{"JSON_TABLE", 17};
  } else if (kind == pg::MergeSupportFunc) {
    return Newer{"merge_action()", 17};
  } else if (kind == pg::MergeStmt) {
    if (node.has(pg::returningClause)) return Newer{"MERGE ... RETURNING", 17};
  } else if (kind == pg::MergeWhenClause) {
    if (node.str(pg::matchKind) == pg::MERGE_WHEN_NOT_MATCHED_BY_SOURCE) return Newer{"WHEN NOT MATCHED BY SOURCE", 17};
  } else if (kind == pg::ReturningClause) {
    if (node.has(pg::options)) return Newer{"RETURNING WITH (OLD AS ..., NEW AS ...)", 18};
  } else if (kind == pg::Constraint) {
    std::string_view type = node.str(pg::contype);
    // A NOT NULL constraint of the table (CREATE TABLE's element, ALTER TABLE ADD
    // CONSTRAINT), not of a column definition.
    if (type == pg::CONSTR_NOTNULL && (walk.field == "tableElts" || walk.field == "def"))
      return Newer{"a table constraint NOT NULL (column)", 18};
    if (type == pg::CONSTR_GENERATED && node.str(pg::generated_kind) == "v")
      return Newer{"a virtual generated column (GENERATED ALWAYS AS (...) without STORED)", 18};
    if (node.boolean(pg::without_overlaps) || node.boolean(pg::fk_with_period))
      return Newer{"WITHOUT OVERLAPS and PERIOD in keys", 18};
  }
  return std::nullopt;
}

class NeedsNewerPostgres final : public detail::SqlRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "needs-newer-postgres",
        .category = RuleCategory::syntax,
        .default_severity = Severity::error,
        .options = {{"postgres-version", int64_t{0},
                     "The PostgreSQL major version the SQL runs on (also the top-level key `postgres-version`); "
                     "0: the version of the database given with --db, if any"}},
        .docs =
            {
                .what_it_does =
                    "Reports syntax that the target PostgreSQL does not accept yet: a subquery in FROM without an "
                    "alias and IS JSON (16), JSON_TABLE and MERGE ... RETURNING (17), NOT NULL as a table "
                    "constraint and virtual generated columns (18), among others. The target is `postgres-version` "
                    "in .pglens.toml, else the version of the database given with --db; with neither, the rule "
                    "is silent.",
                .why_is_this_bad = "pglens parses with PostgreSQL 18's grammar; the statement fails with a syntax "
                                   "error on the older server it is meant for.",
                .example = "-- postgres-version = 15\nSELECT count(*) FROM (SELECT DISTINCT customer_id FROM orders);",
                .use_instead = "SELECT count(*) FROM (SELECT DISTINCT customer_id FROM orders) AS customers;",
                .references = "https://www.postgresql.org/docs/release/",
            },
        .summary = "syntax newer than the target PostgreSQL version",
    };
    return info;
  }

  std::vector<std::string_view> node_kinds() const override {
    return {"RangeSubselect",
            "JsonIsPredicate",
            "JsonObjectConstructor",
            "JsonArrayConstructor",
            "JsonArrayQueryConstructor",
            "JsonObjectAgg",
            "JsonArrayAgg",
            "JsonParseExpr",
            "JsonScalarExpr",
            "JsonSerializeExpr",
            "JsonFuncExpr",
            "JsonTable",
            "MergeSupportFunc",
            "MergeStmt",
            "MergeWhenClause",
            "ReturningClause",
            "Constraint"};
  }

  void check_node(const sql::Node& node, const detail::Walk& walk, detail::RuleContext& ctx) const override {
    auto newer = newer_syntax(node, walk);
    if (!newer) return;
    auto on = target(ctx);
    if (!on || on->major >= newer->version) return;
    // Where its text begins (a RangeSubselect has no location of its own); for MERGE, at
    // what it returns.
    sql::Node where = node.is(pg::MergeStmt) ? node.field(pg::returningClause) : node;
    uint32_t at = sql::first_location(where).value_or(walk.statement.span.begin);
    ctx.report({at, sql::token_end(ctx.text(), at)},
               fmt::format("PostgreSQL {} or later is needed for {}; the target is PostgreSQL {} ({})", newer->version,
                           newer->what, on->major, on->from))
        .help(fmt::format("PostgreSQL {} rejects it with a syntax error: write it the way PostgreSQL {} accepts, "
                          "or raise postgres-version if the database is newer.",
                          on->major, on->major));
  }
};

}  // namespace

const detail::SqlRule& needs_newer_postgres() {
  static const NeedsNewerPostgres rule;
  return rule;
}

}  // namespace pglens::rules
