#include <fmt/format.h>

#include "catalog/index_advisor.hpp"
#include "catalog/names.hpp"
#include "catalog/query_facts.hpp"
#include "catalog/volatility.hpp"
#include "registry.hpp"
#include "schema_rules.hpp"
#include "sql/pg_names.hpp"

namespace pg = pglens::sql::pg;

namespace pglens::rules {
namespace {

using catalog::PredicateOp;
using catalog::ValueKind;

// A function, cast or arithmetic on a column in WHERE hides the column from its index.
class NonSargablePredicate final : public detail::SqlRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "non-sargable-predicate",
        .category = RuleCategory::performance,
        .default_severity = Severity::warning,
        .has_fix = true,
        .options = schema::size_options(),
        .docs =
            {
                .what_it_does =
                    "Reports a condition in WHERE that wraps a column of a large table in a function, cast or "
                    "arithmetic (`lower(email) = $1`, `created_at::date = '2026-06-01'`, `date_trunc('day', "
                    "created_at) = ...`, `id + 1 = 10`, `coalesce(n, 0) = 5`) when no expression index matches it, "
                    "and a leading-wildcard `LIKE '%x'` or an ILIKE with no trigram index. It shows the sargable "
                    "rewrite where one exists, otherwise the expression index (or the pg_trgm GIN index) when every "
                    "function and cast in it is IMMUTABLE, as PostgreSQL requires of an index expression: a built-in "
                    "table knows PostgreSQL's own; a user's or an extension's function is judged by `pg_proc."
                    "provolatile` under `--db` (or in a `catalog dump --db` snapshot), and is taken as not "
                    "IMMUTABLE without it.",
                .why_is_this_bad =
                    "An index on `created_at` stores `created_at`, not `created_at::date`: PostgreSQL cannot look the "
                    "wrapped value up and reads every row, computing the expression each time.",
                .example = "SELECT id FROM orders WHERE created_at::date = '2026-06-01';",
                .use_instead = "SELECT id FROM orders WHERE created_at >= '2026-06-01' AND created_at < '2026-06-02';",
                .references = "https://use-the-index-luke.com/sql/where-clause/functions\n"
                              "https://www.postgresql.org/docs/current/indexes-expressional.html\n"
                              "https://www.postgresql.org/docs/current/pgtrgm.html#PGTRGM-INDEX",
            },
        .summary = "A function, cast or arithmetic on a column keeps its index unused",
    };
    return info;
  }

  std::vector<std::string_view> node_kinds() const override { return {"SelectStmt", "UpdateStmt", "DeleteStmt"}; }

  void check_node(const sql::Node& node, const detail::Walk& walk, detail::RuleContext& ctx) const override {
    if (!schema::is_query(node) || schema::one_off_change(node, walk, ctx) || ctx.catalog().empty()) return;
    const catalog::QueryFacts& facts = ctx.query_facts(node);
    const schema::LargeTables is_large(ctx);
    uint32_t limit = node.base() + static_cast<uint32_t>(ctx.text().size() - node.base());
    for (const auto& c : facts.conditions) {
      const Table* table = facts.relations[c.relation].table;
      if (c.from_join || !table || table->kind == RelationKind::view || !is_large(*table)) continue;
      if (c.value != ValueKind::constant && c.value != ValueKind::parameter) continue;
      if (c.predicate.is_column()) check_wildcard(c, *table, ctx);
      else check_wrapped(c, facts, *table, ctx, limit);
    }
  }

 private:
  static void check_wrapped(const catalog::Condition& c, const catalog::QueryFacts& facts, const Table& table,
                            detail::RuleContext& ctx, uint32_t limit) {
    auto column = schema::wrapped_column(c.column_side);
    if (!column || !table.column(column->name)) return;
    catalog::ColumnPredicate as_index = c.predicate;
    if (as_index.op == PredicateOp::other) as_index.op = PredicateOp::range;
    if (catalog::serving_index(ctx.catalog(), table, as_index, facts.filter_request(c.relation)))
      return;  // an expression index matches
    uint32_t begin = schema::first_location(c.column_side).value_or(c.location);
    Span span = schema::expression_span(ctx.text(), begin, limit);
    std::string expr = catalog::deparse(c.column_side, true);
    auto& d = ctx.report(span,
                         fmt::format("`{}` wraps `{}.{}` in an expression: no index on `{}` can serve it, and {}",
                                     catalog::deparse(c.column_side), table.name, column->name, column->name,
                                     schema::size_phrase(table)));
    schema::rests_on_size(d, table, ctx);
    if (auto rewrite = schema::sargable_rewrite(c)) {
      d.help(fmt::format("compare the bare column so its index applies: `{}`", *rewrite));
      // The span runs from the wrapped column to the end of the comparison; the rewrite
      // replaces it only when the compared value lies inside (column written first).
      // Unsafe: it assumes the value means the same day in the session's time zone.
      auto value_at = schema::first_location(c.value_side);
      if (value_at && *value_at > begin && *value_at < span.end)
        d.fix(Fix{
            .description = "compare the bare column with a range", .edits = {TextEdit{span, *rewrite}}, .safe = false});
      Index idx;
      idx.keys.push_back({column->name, {}, false, false});
      idx.name =
          catalog::free_index_name(ctx.catalog(), table, catalog::choose_name(table.name, {column->name}, "idx"));
      if (!has_leading(table, column->name)) d.ddl(catalog::create_index_ddl(ctx.catalog(), table, idx));
      return;
    }
    std::string why;
    if (!catalog::is_immutable(c.column_side, table, &ctx.catalog(), &why)) {
      // PostgreSQL refuses it: "functions in index expression must be marked IMMUTABLE".
      if (!why.empty())
        d.help(
            fmt::format("no sargable rewrite exists for `{}`, and it cannot be indexed: it is not IMMUTABLE ({}); "
                        "compare `{}` itself with a range",
                        expr, why, column->name));
      else
        d.help(
            fmt::format("no sargable rewrite exists for `{}`, and it cannot be indexed: it is not IMMUTABLE (it "
                        "depends on the session's settings, such as TimeZone); compare `{}` itself with a range",
                        expr, column->name));
      return;
    }
    Index idx;
    IndexKey key;
    key.expression = expr;
    idx.keys.push_back(key);
    std::string part;
    for (char ch : expr) {
      if (std::isalnum(static_cast<unsigned char>(ch))) part += ch;
      else if (!part.empty() && part.back() != '_') part += '_';
    }
    while (!part.empty() && part.back() == '_') part.pop_back();
    idx.name = catalog::free_index_name(ctx.catalog(), table, catalog::choose_name(table.name, {part}, "idx"));
    d.help(fmt::format("no sargable rewrite exists for `{}`; index the expression itself", expr))
        .ddl(catalog::create_index_ddl(ctx.catalog(), table, idx));
  }

  static void check_wildcard(const catalog::Condition& c, const Table& table, detail::RuleContext& ctx) {
    if (c.op != "LIKE" && c.op != "ILIKE") return;
    sql::Node v = c.value_side;
    while (v.is(pg::TypeCast)) v = v.field(pg::arg);
    std::string_view pattern = v.is(pg::A_Const) ? v.field(pg::sval).str(pg::sval) : std::string_view();
    bool leading = !pattern.empty() && (pattern[0] == '%' || pattern[0] == '_');
    if (!leading && c.op != "ILIKE") return;
    if (c.op == "ILIKE" && !leading && c.value == ValueKind::parameter) leading = true;
    for (const auto& i : table.indexes)
      if ((i.method == "gin" || i.method == "gist") && !i.keys.empty() && i.keys[0].column == c.predicate.column)
        return;
    Index idx;
    idx.method = "gin";
    idx.keys.push_back({c.predicate.column + " gin_trgm_ops", {}, false, false});
    idx.name = catalog::free_index_name(ctx.catalog(), table,
                                        catalog::choose_name(table.name, {c.predicate.column, "trgm"}, "idx"));
    std::string ddl =
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n" + catalog::create_index_ddl(ctx.catalog(), table, idx);
    // The key text carries the operator class; it is not an identifier to quote.
    std::string quoted = catalog::quote_ident(c.predicate.column + " gin_trgm_ops");
    if (auto pos = ddl.find(quoted); pos != std::string::npos)
      ddl.replace(pos, quoted.size(), c.predicate.column + " gin_trgm_ops");
    auto& d =
        ctx.report(schema::token_span(ctx, c.location),
                   fmt::format("`{} {} '{}'` cannot use a b-tree index on `{}.{}` ({}): only a trigram index serves it",
                               c.predicate.column, c.op, pattern.empty() ? "..." : pattern, table.name,
                               c.predicate.column, schema::size_phrase(table)));
    schema::rests_on_size(d, table, ctx)
        .help(
            "a b-tree index serves only left-anchored LIKE patterns; pg_trgm's GIN index serves any pattern and ILIKE")
        .ddl(ddl);
  }

  static bool has_leading(const Table& table, const std::string& column) {
    for (const auto& i : table.indexes)
      if (i.valid && i.predicate.empty() && !i.keys.empty() && i.keys[0].column == column) return true;
    return false;
  }
};

}  // namespace

const detail::SqlRule& non_sargable_predicate() {
  static const NonSargablePredicate rule;
  return rule;
}

}  // namespace pglens::rules
