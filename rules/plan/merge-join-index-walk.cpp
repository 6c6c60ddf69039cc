#include <fmt/format.h>

#include "registry.hpp"

namespace pglens::rules {
namespace {

// A Merge Join reads both inputs in join-key order. When one input is a whole index read
// from its start and the other brings few rows, most of the walk only skips entries: a
// Nested Loop probing the same index once per row of the small side reads a few pages.
// The planner makes this choice when it expects many rows from the small side.
class MergeJoinIndexWalk final : public detail::PlanRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "merge-join-index-walk",
        .category = RuleCategory::performance,
        .targets = {.sql = false, .plan = true},
        .default_severity = Severity::warning,
        .options =
            {
                {"min-rows-read", int64_t{10000}, "Index entries the walk reads from which it is reported"},
                {"min-ratio", int64_t{10},
                 "How many times more entries the walk reads than the other input brings rows"},
            },
        .docs =
            {
                .what_it_does =
                    "Reports a Merge Join whose one input is an Index Scan or Index Only Scan with no Index "
                    "Cond (the index read from its start, in join-key order) that reads at least "
                    "`min-rows-read` entries and `min-ratio` times more than the other input's rows. It "
                    "names the estimate of the other input when that is what misled the planner, with "
                    "`ANALYZE` of its table.",
                .why_is_this_bad = "A Merge Join needs both inputs sorted on the join key; an index in that order "
                                   "saves a sort, but read from its start it visits every key below the last one the "
                                   "other input holds. With a few hundred rows on the other side a Nested Loop probing "
                                   "the same index once per row reads a few pages each. The planner picks the walk "
                                   "when it expects many rows from the other side: usually stale statistics.",
                .example =
                    "Merge Join  (cost=58394.50..83314.50 rows=399686 width=27) (actual time=75.2..569.2 rows=300 "
                    "loops=1)\n"
                    "  Merge Cond: (c.id = o.customer_id)\n"
                    "  ->  Index Scan using customers_pkey on customers c  (cost=0.42..16676.42 rows=500000 width=19) "
                    "(actual time=0.006..342.4 rows=498899 loops=1)\n"
                    "  ->  Sort  (cost=58393.87..59393.09 rows=399686 width=12) (actual time=58.3..58.4 rows=300 "
                    "loops=1)\n"
                    "        Sort Key: o.customer_id\n"
                    "        ->  Seq Scan on orders o  (cost=0.00..7542.08 rows=399686 width=12) "
                    "(actual time=0.014..58.2 rows=300 loops=1)\n"
                    "              Filter: (status = 'open'::text)",
                .use_instead = "ANALYZE orders;  -- the estimate that chose the walk; the planner then probes "
                               "customers_pkey per order",
                .references = "https://www.postgresql.org/docs/current/planner-optimizer.html\n"
                              "https://www.postgresql.org/docs/current/using-explain.html",
            },
        .summary = "a Merge Join reads a whole index to join a few rows",
    };
    return info;
  }

  void check(const plan::Plan& plan, detail::PlanRuleContext& ctx) const override {
    const double min_rows = static_cast<double>(ctx.int_option("min-rows-read"));
    const double min_ratio = static_cast<double>(ctx.int_option("min-ratio"));
    for (size_t i = 0; i < plan.nodes.size(); ++i) {
      const plan::Node& join = plan.nodes[i];
      if (join.node_type != "Merge Join" || join.children.size() < 2 || !detail::executed(join)) continue;
      for (size_t side = 0; side < 2; ++side) {
        int walk_at = join.children[side];
        int other_at = join.children[1 - side];
        // The walk may sit under a Materialize (the inner side is re-read for duplicate keys).
        if (plan.nodes[walk_at].node_type == "Materialize" && !plan.nodes[walk_at].children.empty())
          walk_at = plan.nodes[walk_at].children.front();
        const plan::Node& walk = plan.nodes[walk_at];
        if ((walk.node_type != "Index Scan" && walk.node_type != "Index Only Scan") || !walk.index_cond.empty() ||
            !detail::executed(walk))
          continue;
        const plan::Node& other = plan.nodes[other_at];
        if (!detail::executed(other)) continue;
        double read = detail::rows_returned(walk) + detail::rows_removed(walk);
        double brought = detail::rows_returned(other);
        if (read < min_rows || read < min_ratio * std::max(brought, 1.0)) continue;

        int other_scan = detail::scan_below(plan, other_at);
        std::string other_name =
            other_scan >= 0 ? detail::relation_ref(plan.nodes[other_scan]) : std::string("the other input");
        std::string rows_word = brought == 1 ? "row" : "rows";
        auto& finding = ctx.report(static_cast<int>(walk_at),
                                   fmt::format("Merge Join walks {} on {} from its start: {} entries read to join "
                                               "{} {} of {}",
                                               walk.index_name, detail::relation_ref(walk), detail::count_text(read),
                                               detail::count_text(brought), rows_word, other_name),
                                   detail::subtree_share(plan, walk_at));
        std::string probe = fmt::format("a Nested Loop probing {} once per row of {} would read about {} entries",
                                        walk.index_name, other_name, detail::count_text(brought));
        // The planner chose the walk for the rows it expected from the other side.
        double expected = other.metrics.planned_total_rows;
        if (other.plan_rows && expected >= min_ratio * std::max(brought, 1.0) && other_scan >= 0) {
          finding
              .why(fmt::format("the planner expected {} rows from {} and got {}: for that many, reading the whole "
                               "index in order was cheapest; {}. The statistics of {} may be stale; ANALYZE "
                               "refreshes them",
                               detail::count_text(expected), other_name, detail::count_text(brought), probe,
                               other_name))
              .ddl(fmt::format("ANALYZE {};", other_name));
        } else {
          finding.why(
              fmt::format("{}; compare in one session with SET enable_mergejoin = off, and look for what "
                          "makes the planner expect the walk to be cheap (random_page_cost, the "
                          "correlation of {} with its table)",
                          probe, walk.index_name));
        }
      }
    }
  }
};

}  // namespace

const detail::PlanRule& merge_join_index_walk() {
  static const MergeJoinIndexWalk rule;
  return rule;
}

}  // namespace pglens::rules
