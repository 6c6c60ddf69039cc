#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "registry.hpp"

namespace pglens::rules {
namespace {

// Temporary files written by nodes other than sorts and hashes (which have their own rules):
// Materialize, CTE Scan, WindowAgg, Tuplestore-backed Function Scans, Hash Join batches ...
class TempSpill final : public detail::PlanRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "temp-spill",
        .category = RuleCategory::performance,
        .targets = {.sql = false, .plan = true},
        .default_severity = Severity::warning,
        .options =
            {
                {"min-blocks", int64_t{128},
                 "Temp blocks written by the node itself (8 kB each) from which it is reported"},
            },
        .docs =
            {
                .what_it_does =
                    "Reports a node that itself wrote at least `min-blocks` temporary blocks (`Buffers: temp "
                    "written=N`, or `Storage: Disk` on a WindowAgg, Materialize or CTE Scan), other than a "
                    "Sort, a Hash or a HashAggregate, which `sort-spill` and `hash-spill` cover. Needs "
                    "EXPLAIN (ANALYZE, BUFFERS) for the block counts.",
                .why_is_this_bad = "A tuplestore (Materialize, CTE Scan, WindowAgg, a set-returning function) that "
                                   "outgrows work_mem is written to temporary files and read back: disk I/O inside the "
                                   "query. A larger work_mem keeps it in memory; often the better fix is to need less: "
                                   "filter before the CTE or window, or select fewer columns.",
                .example = "WindowAgg  (actual time=812.4..1490.2 rows=1000000 loops=1)\n"
                           "  Storage: Disk  Maximum Storage: 48152kB\n"
                           "  Buffers: shared hit=8334, temp read=6019 written=6019",
                .use_instead = "SET work_mem = '128MB';  -- this session; SET LOCAL inside a transaction",
                .references =
                    "https://www.postgresql.org/docs/current/runtime-config-resource.html#GUC-WORK-MEM\n"
                    "https://www.postgresql.org/docs/current/runtime-config-resource.html#GUC-TEMP-FILE-LIMIT",
            },
        .summary = "a node other than a sort or hash writes temporary files",
    };
    return info;
  }

  void check(const plan::Plan& plan, detail::PlanRuleContext& ctx) const override {
    const double min_blocks = static_cast<double>(ctx.int_option("min-blocks"));
    for (size_t i = 0; i < plan.nodes.size(); ++i) {
      const plan::Node& n = plan.nodes[i];
      if (n.node_type == "Sort" || n.node_type == "Incremental Sort" || n.node_type == "Hash" ||
          (n.node_type == "Aggregate" && n.strategy == "Hashed"))
        continue;
      // A Hash Join writes the batches its Hash planned: hash-spill reports them on the Hash.
      if (n.node_type == "Hash Join" && std::any_of(n.children.begin(), n.children.end(), [&](int c) {
            return plan.nodes[c].node_type == "Hash" && plan.nodes[c].hash_batches.value_or(1) > 1;
          }))
        continue;
      double written = static_cast<double>(n.metrics.exclusive_buffers.temp_written);
      double storage_kb = 0;
      if (const std::string* storage = n.property("Storage"); storage && *storage == "Disk")
        if (const std::string* max = n.property("Maximum Storage")) storage_kb = std::atof(max->c_str());
      if (written < min_blocks && storage_kb < min_blocks * 8) continue;
      double kb = std::max(written * 8, storage_kb);
      ctx.report(static_cast<int>(i), fmt::format("{} wrote {} to temporary files", n.label(), detail::size_text(kb)))
          .why(
              "the node's working set (a tuplestore of rows kept for rescans, a CTE or window frame) outgrew "
              "work_mem and went to disk; raise work_mem for this query, or keep fewer rows and columns in it")
          .ddl(fmt::format("SET work_mem = {};  -- this session; SET LOCAL inside a transaction",
                           detail::work_mem_for(kb * 2)));
    }
  }
};

}  // namespace

const detail::PlanRule& temp_spill() {
  static const TempSpill rule;
  return rule;
}

}  // namespace pglens::rules
