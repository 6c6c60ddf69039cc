#include <fmt/format.h>

#include "registry.hpp"

namespace pglens::rules {
namespace {

// An Index Only Scan is index-only for pages the visibility map marks all-visible; every
// other row is fetched from the heap.
class HeapFetches final : public detail::PlanRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "heap-fetches",
        .category = RuleCategory::performance,
        .targets = {.sql = false, .plan = true},
        .default_severity = Severity::warning,
        .options =
            {
                {"min-fetches", int64_t{1000}, "Heap fetches (over all loops) from which the scan is reported"},
                {"min-ratio", 0.1, "Heap fetches as a share of the rows returned from which the scan is reported"},
            },
        .docs =
            {
                .what_it_does =
                    "Reports an Index Only Scan whose `Heap Fetches` reach `min-fetches` over all loops and "
                    "`min-ratio` of the rows it returns, and suggests `VACUUM` of the table.",
                .why_is_this_bad = "An Index Only Scan skips the table only for pages the visibility map marks "
                                   "all-visible. Rows on pages changed since the last VACUUM are fetched from the heap "
                                   "one by one: the scan becomes an Index Scan with extra steps. VACUUM sets the "
                                   "visibility map; a table changed often needs autovacuum to run more often.",
                .example =
                    "Index Only Scan using orders_customer_id_created_at_idx on orders  (actual rows=50000 loops=1)\n"
                    "  Index Cond: (customer_id = 7)\n"
                    "  Heap Fetches: 48211",
                .use_instead =
                    "VACUUM (ANALYZE) orders;\n"
                    "ALTER TABLE orders SET (autovacuum_vacuum_scale_factor = 0.02);  -- if it keeps coming back",
                .references =
                    "https://www.postgresql.org/docs/current/indexes-index-only-scans.html\n"
                    "https://www.postgresql.org/docs/current/routine-vacuuming.html#VACUUM-FOR-VISIBILITY-MAP",
            },
        .summary = "an Index Only Scan fetches many rows from the heap: VACUUM",
    };
    return info;
  }

  void check(const plan::Plan& plan, detail::PlanRuleContext& ctx) const override {
    const double min_fetches = static_cast<double>(ctx.int_option("min-fetches"));
    const double min_ratio = ctx.number_option("min-ratio");
    for (size_t i = 0; i < plan.nodes.size(); ++i) {
      const plan::Node& n = plan.nodes[i];
      if (n.node_type != "Index Only Scan" || !n.heap_fetches || !detail::executed(n)) continue;
      double fetches = *n.heap_fetches;  // PostgreSQL prints the total over all loops
      double rows = detail::rows_returned(n);
      if (fetches < min_fetches || fetches < min_ratio * rows) continue;
      std::string table = detail::relation_ref(n);
      ctx.report(static_cast<int>(i),
                 fmt::format("Index Only Scan on {} went to the heap {} times for the {} rows it returned", table,
                             detail::count_text(fetches), detail::count_text(rows)))
          .why(fmt::format("the visibility map of {} does not mark those pages all-visible (they changed since the "
                           "last VACUUM), so the scan reads the table too; VACUUM sets the map, and a lower "
                           "autovacuum_vacuum_scale_factor keeps it set on a busy table",
                           table))
          .ddl(fmt::format("VACUUM (ANALYZE) {};", table));
    }
  }
};

}  // namespace

const detail::PlanRule& heap_fetches() {
  static const HeapFetches rule;
  return rule;
}

}  // namespace pglens::rules
