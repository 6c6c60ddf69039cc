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
        .options =
            {
                {"min-batches", int64_t{2}, "Batches from which a Hash or HashAggregate is reported"},
            },
        .docs =
            {
                .what_it_does =
                    "Reports a Hash whose table was split into `Batches` of at least `min-batches` (or more "
                    "batches than planned), and a HashAggregate that spilled (`Disk Usage`, `Batches` of at "
                    "least `min-batches`). It computes the work_mem that holds the table in one batch, "
                    "divided by hash_mem_multiplier (the plan's SETTINGS, else 2) and up to 1 GB; beyond "
                    "that it says the table will not fit. Batches that grew far past the plan while the "
                    "rows came as estimated are reported as a skewed key, which memory does not fix.",
                .why_is_this_bad =
                    "Each extra batch writes part of both join inputs to temporary files and reads them "
                    "back; a spilled HashAggregate writes groups to disk and aggregates them again. More "
                    "batches than planned means the planner underestimated the inner side: it chose a "
                    "hash join expecting it to fit.",
                .example = "Hash  (actual time=95.1..95.1 rows=1000000 loops=1)\n"
                           "  Buckets: 262144  Batches: 8  Memory Usage: 6446kB",
                .use_instead = "SET work_mem = '32MB';  -- this session; SET LOCAL inside a transaction",
                .references =
                    "https://www.postgresql.org/docs/current/runtime-config-resource.html#GUC-HASH-MEM-MULTIPLIER\n"
                    "https://www.postgresql.org/docs/current/runtime-config-resource.html#GUC-WORK-MEM",
            },
        .summary = "a Hash or HashAggregate spilled to disk in batches",
    };
    return info;
  }

  void check(const plan::Plan& plan, detail::PlanRuleContext& ctx) const override {
    const int64_t min_batches = ctx.int_option("min-batches");
    const double multiplier = detail::hash_mem_multiplier(plan);
    for (size_t i = 0; i < plan.nodes.size(); ++i) {
      const plan::Node& n = plan.nodes[i];
      int node = static_cast<int>(i);
      if (n.node_type == "Hash" && n.hash_batches) {
        int64_t batches = *n.hash_batches;
        int64_t planned = n.original_hash_batches.value_or(batches);
        if (batches < min_batches && batches <= planned) continue;
        // The whole table is about the memory of one batch times the batches.
        double needed_kb = static_cast<double>(n.peak_memory_kb.value_or(0)) * static_cast<double>(batches);
        // The cost shows in the join that probes the table, not only in building it.
        double impact = n.metrics.share + (n.parent >= 0 ? plan.nodes[n.parent].metrics.share : 0);
        // A Parallel Hash builds one shared table; any other Hash run in several loops (each
        // worker, or each rescan) builds its own table of one loop's rows.
        double loops = n.actual_loops.value_or(1);
        bool per_loop = !n.parallel_aware && loops > 1;
        double table_rows = per_loop ? n.actual_rows.value_or(0) : detail::rows_returned(n);
        auto& finding = ctx.report(
            node,
            fmt::format("Hash split its table into {} batches{} for {} rows ({} at its peak){}", batches,
                        batches > planned ? fmt::format(" ({} planned)", planned) : std::string(),
                        detail::count_text(table_rows),
                        detail::size_text(static_cast<double>(n.peak_memory_kb.value_or(0))),
                        per_loop ? fmt::format(", built {} times", detail::count_text(loops)) : std::string()),
            impact);
        // Batches that kept doubling while one batch stayed too big whatever the split: a few key
        // values hold most rows. Memory does not fix that. It shows as rows that came as estimated
        // (the batches grew for no other reason), or as one batch's memory near the whole table's
        // (each entry: the row's width plus about 40 bytes of tuple header and bucket).
        double estimate_ratio =
            n.metrics.planned_total_rows > 0 ? n.metrics.total_rows / n.metrics.planned_total_rows : 1;
        double peak_kb = static_cast<double>(n.peak_memory_kb.value_or(0));
        double table_kb = table_rows * static_cast<double>(n.plan_width.value_or(0) + 40) / 1024;
        bool one_batch_holds_most = n.plan_width && peak_kb >= 0.5 * table_kb;
        if (batches >= 16 * planned && batches >= 64 && (estimate_ratio < 2 || one_batch_holds_most)) {
          std::string evidence = estimate_ratio < 2
              ? std::string(" though the rows came as the planner estimated")
              : fmt::format(" and one batch still took {}, most of the {} the {} rows take", detail::size_text(peak_kb),
                            detail::size_text(table_kb), detail::count_text(table_rows));
          finding.why(fmt::format(
              "the batches grew from {} to {}{}: the join key is "
              "skewed, a few values hold most rows, and splitting again cannot separate rows of one value, so "
              "raising work_mem is no fix. Find the heavy values (`SELECT {}, count(*) ... GROUP BY 1 ORDER BY 2 "
              "DESC LIMIT 10` on the hashed side) and filter or handle them apart, or keep the planner off the hash "
              "join for this query",
              planned, batches, evidence, hash_key_of(plan, n)));
          continue;
        }
        double work_mem_kb = needed_kb / multiplier;
        std::string cause = batches > planned ? ", and the planner expected fewer rows on this side" : "";
        if (work_mem_kb > detail::kMaxWorkMemKb) {
          finding.why(
              fmt::format("the hash table did not fit in work_mem x hash_mem_multiplier, so both join inputs "
                          "were partly written to temporary files and read back{}; it needs about {} in "
                          "memory, more than any session should take: hash fewer rows (filter the inner "
                          "side first) or narrower ones, or let the planner pick another join",
                          cause, detail::size_text(needed_kb)));
          continue;
        }
        std::string setting = detail::work_mem_for(work_mem_kb);
        finding
            .why(fmt::format("the hash table did not fit in work_mem x hash_mem_multiplier, so both join inputs "
                             "were partly written to temporary files and read back{}; it needs about {}, which "
                             "work_mem = {} holds with hash_mem_multiplier = {:g}",
                             cause, detail::size_text(needed_kb), setting, multiplier))
            .ddl(fmt::format("SET work_mem = {};  -- this session; SET LOCAL inside a transaction", setting));
      } else if (n.node_type == "Aggregate" && n.strategy == "Hashed") {
        int64_t batches = n.hashagg_batches.value_or(0);
        double disk = static_cast<double>(n.disk_usage_kb.value_or(0));
        if (batches < min_batches && disk <= 0) continue;
        // Groups take about twice the room in the hash table that they take spilled (measured
        // on PostgreSQL 15: 9 MB in memory + 15 MB on disk needed 46 MB to stay in memory).
        double needed_kb = 2 * (disk + static_cast<double>(n.peak_memory_kb.value_or(0)));
        double work_mem_kb = needed_kb / multiplier;
        auto& finding =
            ctx.report(node,
                       fmt::format("HashAggregate spilled {} to disk in {} batches for {} groups",
                                   detail::size_text(disk), batches, detail::count_text(detail::rows_returned(n))));
        if (work_mem_kb > detail::kMaxWorkMemKb) {
          finding.why(
              fmt::format("the groups did not fit in work_mem x hash_mem_multiplier, so some were written to "
                          "temporary files and aggregated again; they need about {} in memory, more than any "
                          "session should take: group fewer rows, or let the planner sort and group "
                          "(SET enable_hashagg = off for this query)",
                          detail::size_text(needed_kb)));
          continue;
        }
        std::string setting = detail::work_mem_for(work_mem_kb);
        finding
            .why(fmt::format("the groups did not fit in work_mem x hash_mem_multiplier, so some were written to "
                             "temporary files and aggregated again; they need about {}, which work_mem = {} holds "
                             "with hash_mem_multiplier = {:g}",
                             detail::size_text(needed_kb), setting, multiplier))
            .ddl(fmt::format("SET work_mem = {};  -- this session; SET LOCAL inside a transaction", setting));
      }
    }
  }

 private:
  // The hashed side's key as the parent join prints it (the inner side of `Hash Cond`).
  static std::string hash_key_of(const plan::Plan& plan, const plan::Node& hash) {
    if (hash.parent < 0) return "key";
    const std::string& cond = plan.nodes[hash.parent].hash_cond;
    size_t eq = cond.find(" = ");
    if (eq == std::string::npos) return "key";
    std::string right = cond.substr(eq + 3);
    while (!right.empty() && right.back() == ')') right.pop_back();
    return right.empty() ? "key" : right;
  }
};

}  // namespace

const detail::PlanRule& hash_spill() {
  static const HashSpill rule;
  return rule;
}

}  // namespace pglens::rules
