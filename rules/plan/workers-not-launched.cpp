#include <fmt/format.h>

#include "registry.hpp"

namespace pglens::rules {
namespace {

// The planner counted on parallel workers the server could not start.
class WorkersNotLaunched final : public detail::PlanRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "workers-not-launched",
        .category = RuleCategory::performance,
        .targets = {.sql = false, .plan = true},
        .default_severity = Severity::warning,
        .docs =
            {
                .what_it_does = "Reports a Gather or Gather Merge that launched fewer workers than planned "
                                "(`Workers Planned: 4`, `Workers Launched: 1`).",
                .why_is_this_bad =
                    "The plan was costed for the planned workers; with fewer, the leader does their share "
                    "and the query runs up to that many times slower. Workers come from a pool shared by "
                    "the whole server (max_parallel_workers, max_worker_processes): under concurrency it "
                    "runs dry.",
                .example = "Gather  (actual time=0.4..2210.3 rows=12 loops=1)\n"
                           "  Workers Planned: 4\n"
                           "  Workers Launched: 0",
                .use_instead = "-- raise the pool (postgresql.conf; max_worker_processes needs a restart):\n"
                               "ALTER SYSTEM SET max_parallel_workers = 16;\n"
                               "ALTER SYSTEM SET max_worker_processes = 16;",
                .references =
                    "https://www.postgresql.org/docs/current/how-parallel-query-works.html\n"
                    "https://www.postgresql.org/docs/current/runtime-config-resource.html#GUC-MAX-PARALLEL-WORKERS",
            },
        .summary = "fewer parallel workers launched than planned",
    };
    return info;
  }

  void check(const plan::Plan& plan, detail::PlanRuleContext& ctx) const override {
    for (size_t i = 0; i < plan.nodes.size(); ++i) {
      const plan::Node& n = plan.nodes[i];
      if (!n.workers_planned || !n.workers_launched || *n.workers_launched >= *n.workers_planned) continue;
      int node = static_cast<int>(i);
      ctx.report(node,
                 fmt::format("{} launched {} of {} planned workers", n.name(), *n.workers_launched, *n.workers_planned),
                 detail::subtree_share(plan, node))
          .why(fmt::format("the plan was costed for {} workers; the missing ones' share ran in {}. The server's "
                           "worker pool (max_parallel_workers, max_worker_processes) was exhausted when the query "
                           "started: raise it, or run fewer parallel queries at once",
                           *n.workers_planned, *n.workers_launched == 0 ? "the leader alone" : "fewer processes"));
    }
  }
};

}  // namespace

const detail::PlanRule& workers_not_launched() {
  static const WorkersNotLaunched rule;
  return rule;
}

}  // namespace pglens::rules
