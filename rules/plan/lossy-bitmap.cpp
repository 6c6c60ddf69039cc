#include <fmt/format.h>

#include "registry.hpp"

namespace pglens::rules {
namespace {

// A bitmap larger than work_mem degrades to one bit per page ("lossy"): every row of those
// pages is rechecked.
class LossyBitmap final : public detail::PlanRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "lossy-bitmap",
        .category = RuleCategory::performance,
        .targets = {.sql = false, .plan = true},
        .default_severity = Severity::warning,
        .options =
            {
                {"min-lossy-blocks", int64_t{100}, "Lossy heap blocks from which a Bitmap Heap Scan is reported"},
            },
        .docs =
            {
                .what_it_does = "Reports a Bitmap Heap Scan with `Heap Blocks: lossy=N` of at least `min-lossy-blocks` "
                                "and computes the work_mem that keeps the bitmap exact (about 64 bytes per heap page "
                                "of the bitmap).",
                .why_is_this_bad = "When the bitmap of matching rows outgrows work_mem, PostgreSQL keeps only which "
                                   "pages hold matches and rechecks every row of those pages against the condition "
                                   "(`Rows Removed by Index Recheck`): CPU spent on rows the index already excluded.",
                .example = "Bitmap Heap Scan on events  (actual time=20.1..380.4 rows=250000 loops=1)\n"
                           "  Recheck Cond: (kind = 3)\n"
                           "  Rows Removed by Index Recheck: 1750000\n"
                           "  Heap Blocks: exact=1204 lossy=20412",
                .use_instead = "SET work_mem = '4MB';  -- enough for an exact bitmap of 21616 pages",
                .references = "https://www.postgresql.org/docs/current/runtime-config-resource.html#GUC-WORK-MEM\n"
                              "https://www.postgresql.org/docs/current/using-explain.html#USING-EXPLAIN-ANALYZE",
            },
        .summary = "a bitmap went lossy: the work_mem that keeps it exact",
    };
    return info;
  }

  void check(const plan::Plan& plan, detail::PlanRuleContext& ctx) const override {
    const int64_t min_lossy = ctx.int_option("min-lossy-blocks");
    for (size_t i = 0; i < plan.nodes.size(); ++i) {
      const plan::Node& n = plan.nodes[i];
      int64_t lossy = n.lossy_heap_blocks.value_or(0);
      if (n.node_type != "Bitmap Heap Scan" || lossy < min_lossy) continue;
      int64_t pages = lossy + n.exact_heap_blocks.value_or(0);
      // tidbitmap.c budgets one PagetableEntry plus two pointers per page: about 64 bytes.
      double needed_kb = static_cast<double>(pages) * 64.0 / 1024.0;
      std::string setting = detail::work_mem_for(needed_kb);
      double rechecked = n.rows_removed_by_index_recheck.value_or(0) * n.actual_loops.value_or(1);
      ctx.report(
             static_cast<int>(i),
             fmt::format("Bitmap Heap Scan on {} went lossy on {} of {} heap pages{}", detail::relation_ref(n),
                         detail::count_text(static_cast<double>(lossy)), detail::count_text(static_cast<double>(pages)),
                         rechecked > 0 ? fmt::format(" and rechecked {} rows in vain", detail::count_text(rechecked))
                                       : std::string()))
          .why(fmt::format("the bitmap outgrew work_mem, so it keeps only which pages match and every row of "
                           "those pages is tested again; an exact bitmap of {} pages needs about {}",
                           detail::count_text(static_cast<double>(pages)), detail::size_text(needed_kb)))
          .ddl(fmt::format("SET work_mem = {};  -- this session; SET LOCAL inside a transaction", setting));
    }
  }
};

}  // namespace

const detail::PlanRule& lossy_bitmap() {
  static const LossyBitmap rule;
  return rule;
}

}  // namespace pglens::rules
