#include <fmt/format.h>

#include "catalog/index_advisor.hpp"
#include "catalog/query_facts.hpp"
#include "registry.hpp"
#include "schema_rules.hpp"

namespace pglens::rules {
namespace {

using catalog::PredicateOp;

// ORDER BY ... LIMIT on a large table with no index that yields the rows in that order:
// PostgreSQL reads and sorts every matching row to return the first few.
class MissingIndexSort final : public detail::SqlRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "missing-index-sort",
        .category = RuleCategory::performance,
        .default_severity = Severity::warning,
        .has_fix = false,
        .options = schema::size_options(),
        .docs =
            {
                .what_it_does =
                    "Reports ORDER BY with LIMIT on a large table when no index returns the rows in that order (after "
                    "the query's equality conditions), forwards or backwards. Queries whose filter no index serves are "
                    "left to missing-index-filter, whose suggestion includes the ORDER BY columns.",
                .why_is_this_bad =
                    "To return the first N rows in order, PostgreSQL must read every matching row and sort them (a "
                    "top-N heapsort at best) unless an index already holds them in order; then it stops after N.",
                .example = "-- events: 80 M rows\nSELECT id, kind FROM events ORDER BY created_at DESC LIMIT 50;",
                .use_instead =
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS events_created_at_idx ON events (created_at DESC);",
                .references = "https://www.postgresql.org/docs/current/indexes-ordering.html\n"
                              "https://use-the-index-luke.com/sql/sorting-grouping/indexed-order-by",
            },
        .summary = "ORDER BY ... LIMIT on a large table has no index in that order",
    };
    return info;
  }

  std::vector<std::string_view> node_kinds() const override { return {"SelectStmt"}; }

  void check_node(const sql::Node& node, const detail::Walk& walk, detail::RuleContext& ctx) const override {
    if (!schema::is_query(node) || schema::one_off_change(node, walk, ctx) || ctx.catalog().empty()) return;
    const catalog::QueryFacts& facts = ctx.query_facts(node);
    if (facts.order_by.empty() || !facts.has_limit || facts.has_group_by || facts.has_aggregate || facts.distinct)
      return;
    const auto& first = facts.order_by.front();
    if (!first.relation) return;
    size_t r = *first.relation;
    for (const auto& o : facts.order_by)
      if (!o.relation || *o.relation != r) return;
    const Table* table = facts.relations[r].table;
    if (!table || table->kind == RelationKind::view || !schema::is_large(*table, ctx)) return;
    const catalog::IndexRequest& request = facts.filter_request(r);
    if (catalog::ordering_index(ctx.catalog(), *table, request)) return;
    // An unserved filter is missing-index-filter's finding (its index includes the order).
    if (!request.predicates.empty() && !facts.filter_served(r)) return;
    catalog::IndexRequest sort_request;
    for (const auto& p : request.predicates)
      if (p.op == PredicateOp::equality) sort_request.predicates.push_back(p);
    sort_request.order_by = request.order_by;
    sort_request.output_columns = request.output_columns;
    sort_request.output_known = request.output_known;
    auto suggestion = catalog::suggest_index(ctx.catalog(), *table, sort_request);
    if (!suggestion) return;
    std::vector<std::string> keys;
    for (const auto& o : facts.order_by)
      keys.push_back(IndexKey{o.key.column, o.key.expression, o.key.descending, o.key.nulls_first}.text());
    schema::rests_on_size(ctx.report(schema::token_span(ctx, first.location),
                                     fmt::format("`ORDER BY {} LIMIT` sorts every matching row of `{}`: no index has "
                                                 "that order, and {}",
                                                 fmt::join(keys, ", "), table->name, schema::size_phrase(*table))),
                          *table, ctx)
        .help(fmt::format("an index in the ORDER BY order lets PostgreSQL stop after the first rows: {}",
                          suggestion->summary))
        .ddl(suggestion->ddl);
  }
};

}  // namespace

const detail::SqlRule& missing_index_sort() {
  static const MissingIndexSort rule;
  return rule;
}

}  // namespace pglens::rules
