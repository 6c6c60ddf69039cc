#include <fmt/format.h>

#include "registry.hpp"

namespace pglens::rules {
namespace {

// A hash table that does not fit in work_mem x hash_mem_multiplier is split into batches
// written to temporary files (Hash Join) or spills groups to disk (HashAggregate).
class HashSpill final : public detail::PlanRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "hash-spill",
        .category = RuleCategory::performance,
        .targets = {.sql = false, .plan = true},
        .default_severity = Severity::warning,
        .options = {
            {"min-batches", int64_t{2}, "Batches from which a Hash or HashAggregate is reported"},
        },
        .docs = {
            .what_it_does = "Reports a Hash whose table was split into `Batches` of at least `min-batches` (or more "
                            "batches than planned), and a HashAggregate that spilled (`Disk Usage`, `Batches` of at "
                            "least `min-batches`). It computes the work_mem that would hold the table in one batch.",
            .why_is_this_bad = "Each extra batch writes part of both join inputs to temporary files and reads them "
                               "back; a spilled HashAggregate writes groups to disk and aggregates them again. More "
                               "batches than planned means the planner underestimated the inner side: it chose a "
                               "hash join expecting it to fit.",
            .example = "Hash  (actual time=95.1..95.1 rows=1000000 loops=1)\n"
                       "  Buckets: 262144  Batches: 8  Memory Usage: 6446kB",
            .use_instead = "SET work_mem = '64MB';  -- this session; or raise hash_mem_multiplier",
            .references = "https://www.postgresql.org/docs/current/runtime-config-resource.html#GUC-HASH-MEM-MULTIPLIER\n"
                          "https://www.postgresql.org/docs/current/runtime-config-resource.html#GUC-WORK-MEM",
        },
        .summary = "a Hash or HashAggregate spilled to disk in batches",
    };
    return info;
  }

  void check(const plan::Plan& plan, detail::PlanRuleContext& ctx) const override {
    const int64_t min_batches = ctx.int_option("min-batches");
    for (size_t i = 0; i < plan.nodes.size(); ++i) {
      const plan::Node& n = plan.nodes[i];
      int node = static_cast<int>(i);
      if (n.node_type == "Hash" && n.hash_batches) {
        int64_t batches = *n.hash_batches;
        int64_t planned = n.original_hash_batches.value_or(batches);
        if (batches < min_batches && batches <= planned) continue;
        // The whole table is about the memory of one batch times the batches.
        double needed_kb = static_cast<double>(n.peak_memory_kb.value_or(0)) * static_cast<double>(batches);
        std::string setting = detail::work_mem_for(needed_kb);
        // The cost shows in the join that probes the table, not only in building it.
        double impact = n.metrics.share + (n.parent >= 0 ? plan.nodes[n.parent].metrics.share : 0);
        // A Parallel Hash builds one shared table; any other Hash run in several loops (each
        // worker, or each rescan) builds its own table of one loop's rows.
        double loops = n.actual_loops.value_or(1);
        bool per_loop = !n.parallel_aware && loops > 1;
        double table_rows = per_loop ? n.actual_rows.value_or(0) : detail::rows_returned(n);
        ctx.report(node,
                   fmt::format("Hash split its table into {} batches{} for {} rows ({} per batch){}", batches,
                               batches > planned ? fmt::format(" ({} planned)", planned) : std::string(),
                               detail::count_text(table_rows),
                               detail::size_text(static_cast<double>(n.peak_memory_kb.value_or(0))),
                               per_loop ? fmt::format(", built {} times", detail::count_text(loops)) : std::string()),
                   impact)
            .why(fmt::format("the hash table did not fit in work_mem x hash_mem_multiplier, so both join inputs "
                             "were partly written to temporary files and read back{}; about {} holds it in one batch",
                             batches > planned ? ", and the planner expected fewer rows on this side" : "",
                             detail::size_text(needed_kb)))
            .ddl(fmt::format("SET work_mem = {};  -- this session; or SET hash_mem_multiplier = 4", setting));
      } else if (n.node_type == "Aggregate" && n.strategy == "Hashed") {
        int64_t batches = n.hashagg_batches.value_or(0);
        double disk = static_cast<double>(n.disk_usage_kb.value_or(0));
        if (batches < min_batches && disk <= 0) continue;
        double needed_kb = disk + static_cast<double>(n.peak_memory_kb.value_or(0));
        std::string setting = detail::work_mem_for(needed_kb);
        ctx.report(node, fmt::format("HashAggregate spilled {} to disk in {} batches for {} groups",
                                     detail::size_text(disk), batches, detail::count_text(detail::rows_returned(n))))
            .why(fmt::format("the groups did not fit in work_mem x hash_mem_multiplier, so some were written to "
                             "temporary files and aggregated again; about {} holds them in memory",
                             detail::size_text(needed_kb)))
            .ddl(fmt::format("SET work_mem = {};  -- this session; or SET hash_mem_multiplier = 4", setting));
      }
    }
  }
};

}  // namespace

const detail::PlanRule& hash_spill() {
  static const HashSpill rule;
  return rule;
}

}  // namespace pglens::rules
