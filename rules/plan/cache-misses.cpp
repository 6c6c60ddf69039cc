#include <fmt/format.h>

#include "registry.hpp"

namespace pglens::rules {
namespace {

// Where the bottleneck's pages come from: shared buffers, or the OS cache and disk.
class CacheMisses final : public detail::PlanRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "cache-misses",
        .category = RuleCategory::performance,
        .targets = {.sql = false, .plan = true},
        .default_severity = Severity::info,
        .options =
            {
                {"min-miss-ratio", 0.5, "Share of the bottleneck's buffers read from outside shared buffers"},
                {"min-blocks", int64_t{1000}, "Blocks read from outside shared buffers from which it is reported"},
            },
        .docs =
            {
                .what_it_does =
                    "Reports the bottleneck node (largest exclusive time) when it read at least "
                    "`min-miss-ratio` of its buffers, and at least `min-blocks` blocks, from outside shared "
                    "buffers (`Buffers: shared read=N`). Needs EXPLAIN (ANALYZE, BUFFERS).",
                .why_is_this_bad =
                    "A block not in shared buffers comes from the operating system's cache or from disk: "
                    "each read is a system call, and on a cold cache a disk wait. The same plan runs much "
                    "faster the second time, which hides the problem in testing. Reading fewer blocks (an "
                    "index, a narrower table) helps more than a bigger cache.",
                .example = "Seq Scan on events  (actual time=0.3..1840.2 rows=4000000 loops=1)\n"
                           "  Buffers: shared hit=1024 read=80211",
                .use_instead = "-- read fewer blocks: an index on the filtered columns, or fewer columns;\n"
                               "-- or warm the cache: CREATE EXTENSION pg_prewarm; SELECT pg_prewarm('events');\n"
                               "-- and check shared_buffers against the working set",
                .references =
                    "https://www.postgresql.org/docs/current/runtime-config-resource.html#GUC-SHARED-BUFFERS\n"
                    "https://www.postgresql.org/docs/current/pgprewarm.html",
            },
        .summary = "the bottleneck reads most of its buffers from outside shared buffers",
    };
    return info;
  }

  void check(const plan::Plan& plan, detail::PlanRuleContext& ctx) const override {
    const double min_ratio = ctx.number_option("min-miss-ratio");
    const double min_blocks = static_cast<double>(ctx.int_option("min-blocks"));
    if (plan.bottleneck < 0) return;
    const plan::Node& n = plan.nodes[plan.bottleneck];
    const plan::Buffers& b = n.metrics.exclusive_buffers;
    if (!n.buffers.present) return;
    double read = static_cast<double>(b.shared_read + b.local_read);
    double hit = static_cast<double>(b.shared_hit + b.local_hit);
    if (read < min_blocks || read / (read + hit) < min_ratio) return;
    double io_ms = n.io.present ? n.io.shared_read_ms + n.io.local_read_ms : 0;
    ctx.report(plan.bottleneck,
               fmt::format("{} (the bottleneck) read {} of {} blocks ({}, {}) from outside shared buffers{}", n.label(),
                           detail::count_text(read), detail::count_text(read + hit),
                           detail::percent_text(read / (read + hit)), detail::size_text(read * 8),
                           io_ms > 0 ? fmt::format(", waiting {:.1f} ms for I/O", io_ms) : std::string()))
        .why(
            "each of those blocks came from the OS cache or disk rather than PostgreSQL's own cache: a cold cache "
            "or a working set larger than shared_buffers. Reading fewer blocks (an index, fewer columns) helps "
            "most; pg_prewarm warms a table after a restart");
  }
};

}  // namespace

const detail::PlanRule& cache_misses() {
  static const CacheMisses rule;
  return rule;
}

}  // namespace pglens::rules
