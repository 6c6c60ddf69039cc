#include <cmath>

#include <fmt/format.h>

#include "registry.hpp"

namespace pglens::rules {
namespace {

// JIT compiles expressions when the plan's cost passes jit_above_cost; on a short query the
// compilation can take longer than the query itself.
class JitOverhead final : public detail::PlanRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "jit-overhead",
        .category = RuleCategory::performance,
        .targets = {.sql = false, .plan = true},
        .default_severity = Severity::warning,
        .options =
            {
                {"min-share", 0.2, "JIT time as a share of the execution time from which it is reported"},
                {"min-ms", 10.0, "JIT time (ms) from which it is reported"},
                {"always-ms", 1000.0, "JIT time (ms) reported whatever its share of a long query"},
            },
        .docs =
            {
                .what_it_does =
                    "Reports a plan whose JIT time (generation, inlining, optimization, emission) is at "
                    "least `min-share` of the execution time and at least `min-ms`, or at least `always-ms` "
                    "whatever its share (seconds of compiling inside a long query), and names the setting "
                    "to change.",
                .why_is_this_bad =
                    "JIT pays off on long analytical queries that evaluate expressions over millions of "
                    "rows. It is triggered by the plan's estimated cost (jit_above_cost), so a query the "
                    "planner overestimates, or a short one on a big table, spends most of its time "
                    "compiling code it then runs for a few milliseconds.",
                .example = "JIT:\n"
                           "  Functions: 27\n"
                           "  Timing: Generation 3.1 ms, Inlining 61.2 ms, Optimization 120.4 ms, Emission 70.3 ms, "
                           "Total 255.0 ms\n"
                           "Execution Time: 301.7 ms",
                .use_instead = "SET jit = off;  -- this session\n"
                               "-- or only for cheaper plans: ALTER DATABASE app SET jit_above_cost = 1000000;",
                .references = "https://www.postgresql.org/docs/current/jit-decision.html\n"
                              "https://www.postgresql.org/docs/current/runtime-config-query.html#GUC-JIT-ABOVE-COST",
            },
        .summary = "JIT compilation takes a large share of a short query",
    };
    return info;
  }

  void check(const plan::Plan& plan, detail::PlanRuleContext& ctx) const override {
    const double min_share = ctx.number_option("min-share");
    const double min_ms = ctx.number_option("min-ms");
    if (!plan.jit.present || !plan.jit.total_ms || plan.total_time_ms <= 0) return;
    double jit_ms = *plan.jit.total_ms;
    double share = jit_ms / plan.total_time_ms;
    const double always_ms = ctx.number_option("always-ms");
    if (jit_ms < min_ms || (share < min_share && jit_ms < always_ms)) return;
    double cost = plan.nodes.empty() ? 0 : plan.nodes.front().total_cost.value_or(0);
    std::string raise = cost > 0 ? fmt::format("SET jit_above_cost = {:.0f};  -- above this plan's cost of {:.0f}",
                                               std::pow(10.0, std::ceil(std::log10(cost * 2))), cost)
                                 : std::string();
    ctx.report(-1,
               fmt::format("JIT took {:.1f} ms of the {:.1f} ms execution ({}) compiling {} functions", jit_ms,
                           plan.total_time_ms, detail::percent_text(share), plan.jit.functions.value_or(0)),
               share)
        .why(share >= min_share
                 ? std::string("the plan's estimated cost passed jit_above_cost, so PostgreSQL compiled its "
                               "expressions; on a query this short the compilation costs more than it saves. Turn "
                               "JIT off for it, or raise the cost threshold above this plan's")
                 : std::string("compiling took seconds: inlining and optimization (jit_inline_above_cost, "
                               "jit_optimize_above_cost) of a plan with many expressions cost more than the speed "
                               "they buy. Time the query with JIT off; if it is not slower, keep it off for it or "
                               "raise the thresholds"))
        .ddl(raise.empty() ? std::string("SET jit = off;") : fmt::format("SET jit = off;\n-- or: {}", raise));
  }
};

}  // namespace

const detail::PlanRule& jit_overhead() {
  static const JitOverhead rule;
  return rule;
}

}  // namespace pglens::rules
