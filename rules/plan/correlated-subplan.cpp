#include <fmt/format.h>

#include "registry.hpp"

namespace pglens::rules {
namespace {

// A correlated subquery in the select list or WHERE runs once per outer row, as a SubPlan.
// Each run is cheap; thousands of them are the query.
class CorrelatedSubplan final : public detail::PlanRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "correlated-subplan",
        .category = RuleCategory::performance,
        .targets = {.sql = false, .plan = true},
        .default_severity = Severity::warning,
        .options =
            {
                {"min-loops", int64_t{100}, "Times the SubPlan runs from which it is reported"},
                {"min-share", 0.2, "Share of execution time the SubPlan (with everything under it) must take"},
            },
        .docs =
            {
                .what_it_does =
                    "Reports a SubPlan (a correlated subquery) run at least `min-loops` times that takes at "
                    "least `min-share` of the execution time. When the scan inside reads rows its Filter "
                    "then throws away, it suggests the composite index that finds only the rows kept, from "
                    "the correlated column and the subquery's other conditions; otherwise it suggests "
                    "rewriting the subquery as a join.",
                .why_is_this_bad =
                    "PostgreSQL runs a correlated subquery once per outer row: 2,000 outer rows are "
                    "2,000 index lookups, each fetching and testing its rows. An index on the correlated "
                    "column followed by the subquery's other filtered columns makes each run read only "
                    "the rows it keeps; a join (or LATERAL) with GROUP BY lets the planner do the work "
                    "in one pass.",
                .example =
                    "Index Scan using customers_pkey on customers c  (actual rows=2001 loops=1)\n"
                    "  SubPlan 1\n"
                    "    ->  Aggregate  (actual rows=1 loops=2001)\n"
                    "          ->  Bitmap Heap Scan on orders o  (actual rows=2 loops=2001)\n"
                    "                Recheck Cond: (customer_id = c.id)\n"
                    "                Filter: (created_at >= '2024-07-01 00:00:00+00'::timestamp with time zone)\n"
                    "                Rows Removed by Filter: 13",
                .use_instead = "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_created_at_idx\n"
                               "  ON orders (customer_id, created_at);",
                .references = "https://www.postgresql.org/docs/current/using-explain.html\n"
                              "https://www.postgresql.org/docs/current/indexes-multicolumn.html",
            },
        .summary = "a correlated subquery runs once per outer row and takes much of the time",
    };
    return info;
  }

  void check(const plan::Plan& plan, detail::PlanRuleContext& ctx) const override {
    const double min_loops = static_cast<double>(ctx.int_option("min-loops"));
    const double min_share = ctx.number_option("min-share");
    for (size_t i = 0; i < plan.nodes.size(); ++i) {
      const plan::Node& sub = plan.nodes[i];
      if (sub.parent_relationship != "SubPlan" || !detail::executed(sub)) continue;
      double loops = sub.actual_loops.value_or(1);
      double share = detail::subtree_share(plan, static_cast<int>(i));
      if (loops < min_loops || share < min_share) continue;
      std::string name = sub.subplan_name.empty() ? std::string("SubPlan") : sub.subplan_name;
      int scan = detail::scan_below(plan, static_cast<int>(i));
      const plan::Node* s = scan >= 0 ? &plan.nodes[scan] : nullptr;
      double read = s ? detail::rows_returned(*s) + detail::rows_removed(*s) : 0;
      double removed = s ? detail::rows_removed(*s) : 0;
      std::string what = s ? fmt::format(", each a {} reading {} rows", s->label(),
                                         detail::count_text(read / std::max(1.0, s->actual_loops.value_or(1))))
                           : std::string();
      auto& finding = ctx.report(
          static_cast<int>(i),
          fmt::format("{} runs {} times (once per outer row){}{} and takes {} of the "
                      "execution time",
                      name, detail::count_text(loops), what, what.empty() ? "" : ",", detail::percent_text(share)),
          share);
      // An index pays when each run reads rows only to throw them away (or reads the table).
      bool wasteful = s && (s->node_type == "Seq Scan" || (read > 0 && removed / read >= 0.5));
      if (!wasteful) {
        finding.why(
            "a correlated subquery runs once per outer row; rewrite it as a join (or LATERAL) with GROUP "
            "BY so the planner can read the inner table once, by hash or merge");
        continue;
      }
      std::vector<std::string> conditions;
      for (const std::string* c : {&s->index_cond, &s->recheck_cond, &s->filter})
        if (!c->empty()) conditions.push_back(*c);
      finding
          .why(fmt::format("each run finds rows of {} and then throws {} of them away (`{}`); an index on the "
                           "correlated column followed by the filtered columns makes each run read only the rows "
                           "it keeps. Rewriting the subquery as a join with GROUP BY is the other way out",
                           detail::relation_ref(*s), detail::percent_text(read > 0 ? removed / read : 1),
                           s->filter.empty() ? s->recheck_cond : s->filter))
          .want_index({.relation = s->relation,
                       .schema = s->schema,
                       .alias = s->alias,
                       .conditions = conditions,
                       .output = s->output});
    }
  }
};

}  // namespace

const detail::PlanRule& correlated_subplan() {
  static const CorrelatedSubplan rule;
  return rule;
}

}  // namespace pglens::rules
