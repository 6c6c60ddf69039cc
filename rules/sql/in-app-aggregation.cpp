#include <fmt/format.h>

#include "catalog/names.hpp"
#include "catalog/query_facts.hpp"
#include "registry.hpp"
#include "schema_rules.hpp"
#include "sql/pg_names.hpp"

namespace pg = pglens::sql::pg;

namespace pglens::rules {
namespace {

// Many rows of a large table shipped to the client for numbers it can only add up: the
// database should aggregate and send one row (or one per group).
class InAppAggregation final : public detail::SqlRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "in-app-aggregation",
        .category = RuleCategory::performance,
        .default_severity = Severity::warning,
        .has_fix = false,
        .options = schema::size_options(false),
        .docs =
            {
                .what_it_does =
                    "Reports a SELECT whose rows reach the client and that returns, from one large table, only numbers "
                    "an application can do little with but sum, count or average, with no aggregate, GROUP BY, "
                    "DISTINCT "
                    "or LIMIT and no selective WHERE. The heuristic, from the catalog: every output is a plain column "
                    "of a number type (smallint, integer, bigint, numeric, decimal, real, double precision, money); at "
                    "least one is a measure (not a key), since a list of keys alone is usually fetched to act on each "
                    "row. A key is a column of a primary, unique or foreign key, or named `id` or `*_id`. A WHERE is "
                    "selective when it compares by equality with a constant or parameter a key (one customer's "
                    "orders), "
                    "a number, date or time column, or an expression (`created_at::date = $1`), or when it holds a "
                    "condition pglens cannot read (an EXISTS, an OR); equality on a text, boolean or enum column "
                    "(`status = 'paid'`, typically a few distinct values) and ranges (`created_at >= $1`) are not. The "
                    "help shows the aggregate query: "
                    "count(*) and sum() of each measure, grouped by the non-unique keys the query returned.",
                .why_is_this_bad =
                    "Millions of rows are read, serialised, sent and held in the client's memory to produce one number "
                    "per group. The database computes sum() and count() next to the data, in parallel, and sends one "
                    "row: orders of magnitude less I/O, network and memory.",
                .example = "-- orders: 50 M rows; the application adds the amounts up\n"
                           "SELECT total_amount FROM orders WHERE status = 'paid';",
                .use_instead =
                    "SELECT count(*), sum(total_amount) FROM orders WHERE status = 'paid';\n"
                    "-- per customer: SELECT customer_id, sum(total_amount) FROM orders GROUP BY customer_id;",
                .references = "https://www.postgresql.org/docs/current/functions-aggregate.html\n"
                              "https://www.postgresql.org/docs/current/tutorial-agg.html",
            },
        .summary = "Rows of a large table are shipped only to be summed or counted in the application",
    };
    return info;
  }

  std::vector<std::string_view> node_kinds() const override { return {"SelectStmt"}; }

  void check_node(const sql::Node& node, const detail::Walk& walk, detail::RuleContext& ctx) const override {
    if (ctx.catalog().empty() || !schema::is_query(node) || node.has(pg::intoClause)) return;
    schema::ClientPath path = schema::client_path(walk);
    if (!path.reaches_client || path.limited || path.filtered) return;
    std::vector<sql::Node> ctes = schema::visible_ctes(node, walk);
    const catalog::QueryFacts& facts = ctx.query_facts(node, ctes);
    auto shape = schema::aggregation_shape(facts, node);
    if (!shape) return;
    const catalog::RelationRef& rel = facts.relations[shape->relation];
    if (!schema::is_large(*rel.table, ctx)) return;
    sql::List targets = node.list(pg::targetList);
    auto begin = targets[0].location();
    auto last = targets[targets.size() - 1].location();
    if (!begin || !last) return;
    Span span{*begin, sql::token_end(ctx.text(), *last)};
    std::string measures;
    for (const auto& m : shape->measures) measures += fmt::format("{}`{}`", measures.empty() ? "" : ", ", m);
    std::string where = node.has(pg::whereClause) ? " matching a non-selective WHERE" : "";
    auto& d = ctx.report(span,
                         fmt::format("every row of `{}`{} goes to the client for {}: numbers an application "
                                     "can only sum, count or average, and {}",
                                     rel.table->name, where, measures, schema::size_phrase(*rel.table)));
    schema::rests_on_size(d, *rel.table, ctx);
    std::string rewrite = aggregate_query(node, rel, *shape, ctx, walk.statement.span.end);
    d.help(fmt::format("let the database aggregate and send {}: `{}` (an average is sum / count)",
                       shape->groups.empty() ? "one row" : "one row per group", rewrite));
  }

 private:
  // SELECT <groups>, count(*), sum(<measure>)... FROM <relation> [WHERE <as written>] [GROUP BY <groups>];
  static std::string aggregate_query(const sql::Node& select, const catalog::RelationRef& rel,
                                     const schema::AggregationShape& shape, const detail::RuleContext& ctx,
                                     uint32_t end) {
    std::vector<std::string> outputs, groups;
    for (const auto& g : shape.groups) groups.push_back(catalog::quote_ident(g));
    outputs = groups;
    outputs.push_back("count(*)");
    for (const auto& m : shape.measures) outputs.push_back(fmt::format("sum({})", catalog::quote_ident(m)));
    std::string from = rel.written;
    if (rel.alias != rel.table->name) from += " " + catalog::quote_ident(rel.alias);
    std::string out = fmt::format("SELECT {} FROM {}", fmt::join(outputs, ", "), from);
    if (select.has(pg::whereClause)) {
      sql::Node where = select.field(pg::whereClause);
      uint32_t begin = schema::first_location(where).value_or(0);
      Span span = schema::expression_span(ctx.text(), begin, end, true);
      auto text = schema::one_line(ctx.text().substr(span.begin, span.end - span.begin));
      out += fmt::format(" WHERE {}", text ? *text : catalog::deparse(where));
    }
    if (!groups.empty()) out += fmt::format(" GROUP BY {}", fmt::join(groups, ", "));
    return out + ";";
  }
};

}  // namespace

const detail::SqlRule& in_app_aggregation() {
  static const InAppAggregation rule;
  return rule;
}

}  // namespace pglens::rules
