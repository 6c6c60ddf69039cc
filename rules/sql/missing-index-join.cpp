#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "catalog/index_advisor.hpp"
#include "catalog/query_facts.hpp"
#include "catalog/selectivity.hpp"
#include "registry.hpp"
#include "schema_rules.hpp"

namespace pglens::rules {
namespace {

using catalog::PredicateOp;

// A join whose inner side has no index on its key: every row from the outer side costs a
// scan of the inner table (or forces a hash of all of it).
class MissingIndexJoin final : public detail::SqlRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "missing-index-join",
        .category = RuleCategory::performance,
        .default_severity = Severity::warning,
        .has_fix = false,
        .options = schema::size_options(),
        .docs =
            {
                .what_it_does =
                    "Reports an equality join (`JOIN ... ON a.x = b.y`, `JOIN ... USING (x)`, NATURAL JOIN, or the "
                    "same in WHERE) whose inner side is a "
                    "large table with no index serving the join key. The inner side is the one probed for each row "
                    "of the other: the other side is filtered by a constant or parameter, or is small. With the "
                    "table's statistics (pg_stats under `--db`, or a snapshot of them), a key whose one value "
                    "finds more than 5% of the rows is not reported, and the finding says what share a probe finds.",
                .why_is_this_bad =
                    "With an index on the inner join key PostgreSQL runs a nested loop that touches only the matching "
                    "rows. Without one it must read the whole inner table, for a hash join, or once per outer row: "
                    "the cost grows with the table instead of with the result.",
                .example = "-- order_items: 200 M rows, no index on order_id\n"
                           "SELECT oi.product_id FROM orders o JOIN order_items oi ON oi.order_id = o.id\n"
                           "WHERE o.customer_id = $1;",
                .use_instead =
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS order_items_order_id_idx ON order_items (order_id);",
                .references = "https://www.postgresql.org/docs/current/planner-optimizer.html\n"
                              "https://use-the-index-luke.com/sql/join/nested-loops-join-n1-problem",
            },
        .summary = "A join key on a large inner table has no index",
    };
    return info;
  }

  std::vector<std::string_view> node_kinds() const override { return {"SelectStmt", "UpdateStmt", "DeleteStmt"}; }

  void check_node(const sql::Node& node, const detail::Walk& walk, detail::RuleContext& ctx) const override {
    if (!schema::is_query(node) || schema::one_off_change(node, walk, ctx) || ctx.catalog().empty()) return;
    const catalog::QueryFacts& facts = ctx.query_facts(node);
    const schema::LargeTables is_large(ctx);
    std::set<size_t> reported;
    for (const auto& c : facts.conditions) {
      if (!c.other_relation || c.predicate.op != PredicateOp::equality || !c.predicate.is_column()) continue;
      size_t r = c.relation;
      const Table* table = facts.relations[r].table;
      if (reported.count(r) || !table || table->kind == RelationKind::view || !is_large(*table)) continue;
      if (!is_outer(facts, *c.other_relation, is_large)) continue;
      // Another condition on this table served by an index already narrows it.
      if (facts.filter_served(r)) continue;
      catalog::IndexRequest request = facts.request_for(r, true);
      if (catalog::serving_index(ctx.catalog(), *table, c.predicate, request)) continue;
      catalog::IndexRequest join_request;
      for (const auto& p : request.predicates)
        if (p.op == PredicateOp::equality) join_request.predicates.push_back(p);
      auto suggestion = catalog::suggest_index(ctx.catalog(), *table, join_request);
      if (!suggestion) continue;
      // The table's statistics (pg_stats under --db, or a snapshot): the share of its rows
      // one probe finds. A key of few distinct values finds so many that an index would be
      // read for most of the table: the planner hashes it instead, and rightly.
      auto probe = catalog::estimate_lookup(*table, join_keys(facts, r));
      if (probe && probe->fraction > catalog::kSelectiveFraction) continue;
      reported.insert(r);
      const auto& other = facts.relations[*c.other_relation];
      std::string share = probe ? fmt::format(" (each probe finds about {} of its rows by {})",
                                              catalog::percent_text(probe->fraction), probe->source)
                                : std::string();
      schema::rests_on_size(
          ctx.report(catalog::condition_span(ctx.text(), c),
                     fmt::format("join key `{}.{}` has no index{}, and {}: each row from `{}` probes it", table->name,
                                 c.predicate.column, share, schema::size_phrase(*table),
                                 other.table ? other.table->name : other.written)),
          *table, ctx)
          .help(fmt::format("index the inner side of the join so each lookup touches only the matching rows: {}",
                            suggestion->summary))
          .ddl(suggestion->ddl);
    }
  }

 private:
  // The columns relation `r` is joined on by equality: what each probe looks up.
  static std::vector<std::string> join_keys(const catalog::QueryFacts& facts, size_t r) {
    std::vector<std::string> keys;
    for (const auto& c : facts.conditions)
      if (c.relation == r && c.other_relation && c.predicate.op == PredicateOp::equality && c.predicate.is_column() &&
          std::find(keys.begin(), keys.end(), c.predicate.column) == keys.end())
        keys.push_back(c.predicate.column);
    return keys;
  }

  // The side rows come from: filtered by a constant or parameter, or small.
  static bool is_outer(const catalog::QueryFacts& facts, size_t r, const schema::LargeTables& is_large) {
    const Table* t = facts.relations[r].table;
    if (t && !is_large(*t)) return true;
    for (const auto& c : facts.conditions)
      if (c.relation == r && c.is_lookup()) return true;
    return false;
  }
};

}  // namespace

const detail::SqlRule& missing_index_join() {
  static const MissingIndexJoin rule;
  return rule;
}

}  // namespace pglens::rules
