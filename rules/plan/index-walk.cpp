#include <algorithm>

#include <fmt/format.h>

#include "registry.hpp"

namespace pglens::rules {
namespace {

// An index scan with an Index Cond that reads far more blocks per run than the rows it
// returns need: an index that leads with the condition reads its depth (3-4 pages) and about
// a page per row at worst. Over 4 x (rows + 5) per run, at least 30 per run and 1,000 in all,
// the index does not lead with the condition's columns. (engine/plan_advice.cpp applies the
// same test before calling such an index one that serves the condition.)
bool walks_index(const plan::Node& node) {
  if ((node.node_type != "Index Scan" && node.node_type != "Index Only Scan") || node.index_cond.empty() ||
      !detail::executed(node))
    return false;
  double total = static_cast<double>(node.buffers.shared_hit + node.buffers.shared_read);
  double per_run = total / std::max(1.0, node.actual_loops.value_or(1));
  double rows = node.actual_rows.value_or(0);  // per run, as PostgreSQL prints it
  return total >= 1000 && per_run >= 30 && per_run > 4 * (rows + 5);
}

// An Index Scan whose Index Cond is on a column that is not the index's first reads the whole
// index to test it (PostgreSQL 15 has no skip scan), and an ORDER BY ... LIMIT (or max())
// served by an index in another order walks it until a row matches. The plan shows it: many
// blocks per run for a few rows, nothing in Rows Removed (the condition is in the index).
class IndexWalk final : public detail::PlanRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "index-walk",
        .category = RuleCategory::performance,
        .targets = {.sql = false, .plan = true},
        .default_severity = Severity::warning,
        .options =
            {
                {"min-share", 0.2, "Share of execution time the walking scan (all its runs) must take"},
            },
        .docs =
            {
                .what_it_does = "Reports an Index Scan or Index Only Scan with an Index Cond and no rows removed by a "
                                "Filter that reads more than 4 x (rows + 5) blocks per run (at least 30 per run and "
                                "1,000 in all), taking at least `min-share` of the execution time: the index does not "
                                "lead with the condition's columns, so each run walks it. It suggests the index that "
                                "leads with them (equality columns first).",
                .why_is_this_bad =
                    "A btree finds rows by its leading columns. A condition on a later column is tested "
                    "entry by entry over the whole index, and an ORDER BY ... LIMIT or max() read through "
                    "an index in another order scans until enough rows match. Once per outer row (a "
                    "correlated subquery, a LATERAL join, a Nested Loop) that is the whole index each time.",
                .example = "Limit  (actual time=53.0..291.0 rows=3 loops=10)\n"
                           "  Buffers: shared hit=40559 read=5700\n"
                           "  ->  Index Only Scan Backward using rental_date_inventory_customer_idx on rental r  "
                           "(actual time=53.0..291.0 rows=3 loops=10)\n"
                           "        Index Cond: (customer_id = customer.customer_id)\n"
                           "        Heap Fetches: 0\n"
                           "        Buffers: shared hit=40559 read=5700",
                .use_instead =
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS rental_customer_id_idx ON rental (customer_id);",
                .references = "https://www.postgresql.org/docs/current/indexes-multicolumn.html\n"
                              "https://www.postgresql.org/docs/current/indexes-ordering.html",
            },
        .summary = "an index scan walks the index: its condition is not on the index's leading column",
    };
    return info;
  }

  void check(const plan::Plan& plan, detail::PlanRuleContext& ctx) const override {
    const double min_share = ctx.number_option("min-share");
    for (size_t i = 0; i < plan.nodes.size(); ++i) {
      const plan::Node& s = plan.nodes[i];
      // Rows read and thrown away by a Filter are filter-removes-most-rows' finding.
      if (!walks_index(s) || s.rows_removed_by_filter.value_or(0) > 0) continue;
      double share = detail::subtree_share(plan, static_cast<int>(i));
      if (share < min_share) continue;
      double loops = std::max(1.0, s.actual_loops.value_or(1));
      double blocks = static_cast<double>(s.buffers.shared_hit + s.buffers.shared_read) / loops;
      double rows = s.actual_rows.value_or(0);
      std::string runs = loops > 1 ? fmt::format(" per run ({} runs)", detail::count_text(loops)) : std::string();
      auto& finding = ctx.report(
          static_cast<int>(i),
          fmt::format("{} reads {} blocks{} for {} {}, {} of the execution time", s.label(), detail::count_text(blocks),
                      runs, detail::count_text(rows), rows == 1 ? "row" : "rows", detail::percent_text(share)),
          share);
      std::vector<std::string> conditions{s.index_cond};
      if (!s.filter.empty()) conditions.push_back(s.filter);
      finding
          .why(fmt::format("{} does not lead with the columns of `{}`, so each run walks the index entry by entry "
                           "(or, read in another order for a LIMIT or max(), until enough rows match); an index "
                           "that leads with them finds the rows directly",
                           s.index_name, s.index_cond))
          .want_index({.relation = s.relation, .schema = s.schema, .alias = s.alias, .conditions = conditions});
    }
  }
};

}  // namespace

const detail::PlanRule& index_walk() {
  static const IndexWalk rule;
  return rule;
}

}  // namespace pglens::rules
