#include <fmt/format.h>

#include "registry.hpp"

namespace pglens::rules {
namespace {

// A sort that does not fit in work_mem writes runs to temporary files and merges them.
class SortSpill final : public detail::PlanRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "sort-spill",
        .category = RuleCategory::performance,
        .targets = {.sql = false, .plan = true},
        .default_severity = Severity::warning,
        .options =
            {
                {"min-disk-kb", int64_t{1024}, "Disk space used by the sort (kB) from which it is reported"},
                {"memory-factor", 3.0,
                 "How much more memory than its on-disk size a sort needs in memory when the plan does not print the "
                 "row width (with it: about (width + 75) / (width + 10))"},
            },
        .docs =
            {
                .what_it_does =
                    "Reports a Sort or Incremental Sort that spilled to disk (`Sort Method: external merge  "
                    "Disk: N kB`, in the node or one of its workers) using at least `min-disk-kb`. It "
                    "computes the work_mem that would keep it in memory from the space used (up to 1 GB; "
                    "beyond that it says the sort will not fit and how to need less), and, when a LIMIT "
                    "stops the sort early and its input is a scan of one table, the index that delivers the "
                    "rows already in order.",
                .why_is_this_bad =
                    "An external sort writes the rows to temporary files and reads them back, often "
                    "several times: disk I/O where a quicksort in memory would do. A sort in memory needs "
                    "more room than its on-disk form (tuples carry headers and pointers), about "
                    "(width + 75) / (width + 10) times: 4x for narrow rows, 1.6x for 100-byte ones. Under a LIMIT, an "
                    "index in the ORDER BY order "
                    "avoids the sort altogether and reads only the first rows; without one, the planner "
                    "rarely prefers reading a whole table in index order to a sort.",
                .example = "Sort  (actual time=310.2..402.7 rows=1000000 loops=1)\n"
                           "  Sort Key: created_at DESC\n"
                           "  Sort Method: external merge  Disk: 35176kB\n"
                           "  ->  Seq Scan on orders  (actual rows=1000000 loops=1)",
                .use_instead =
                    "SET work_mem = '128MB';  -- this session; or SET LOCAL in the transaction\n"
                    "-- or deliver the order from an index:\n"
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_created_at_idx ON orders (created_at DESC);",
                .references = "https://www.postgresql.org/docs/current/runtime-config-resource.html#GUC-WORK-MEM\n"
                              "https://www.postgresql.org/docs/current/indexes-ordering.html",
            },
        .summary = "a sort spilled to disk: the work_mem that fits, or the index that delivers the order",
    };
    return info;
  }

  void check(const plan::Plan& plan, detail::PlanRuleContext& ctx) const override {
    const double min_disk = static_cast<double>(ctx.int_option("min-disk-kb"));
    const double factor = ctx.number_option("memory-factor");
    for (size_t i = 0; i < plan.nodes.size(); ++i) {
      const plan::Node& n = plan.nodes[i];
      if (n.node_type != "Sort" && n.node_type != "Incremental Sort") continue;
      // The largest spill of the node and its workers: each worker sorts in its own work_mem.
      double disk_kb = 0;
      if (n.sort_space_type == "Disk" || n.sort_method.starts_with("external"))
        disk_kb = static_cast<double>(n.sort_space_kb.value_or(0));
      for (const auto& w : n.workers)
        if (w.sort_space_type == "Disk" || w.sort_method.starts_with("external"))
          disk_kb = std::max(disk_kb, static_cast<double>(w.sort_space_kb.value_or(0)));
      if (n.node_type == "Incremental Sort")
        if (const std::string* p = n.property("Full-sort Groups"); p && p->find("Disk") != std::string::npos)
          disk_kb = std::max(disk_kb, min_disk);
      if (disk_kb <= 0 || disk_kb < min_disk) continue;
      // In memory each row carries ~75 bytes of tuple header and sort slot against ~10 on
      // disk: 4.3x for a 10-byte row (measured on PostgreSQL 15), 1.6x for a 100-byte one.
      double width = static_cast<double>(n.plan_width.value_or(0));
      double row_factor = width > 0 ? (width + 75) / (width + 10) : factor;
      double needed_kb = disk_kb * row_factor;
      bool fits = needed_kb <= detail::kMaxWorkMemKb;
      std::string setting = detail::work_mem_for(needed_kb);
      auto& finding =
          ctx.report(static_cast<int>(i),
                     fmt::format("Sort spilled {} to disk ({}) sorting {} rows by {}", detail::size_text(disk_kb),
                                 n.sort_method.empty() ? "external merge" : n.sort_method,
                                 detail::count_text(plan::input_rows(plan, n)), fmt::join(n.sort_key, ", ")));
      if (fits)
        finding.ddl(fmt::format("SET work_mem = {};  -- this session; SET LOCAL inside a transaction", setting));
      // Only a LIMIT above makes reading in index order cheaper than sorting.
      int scan = n.children.empty() || detail::limit_above(plan, static_cast<int>(i)) < 0
          ? -1
          : detail::scan_below(plan, n.children.front());
      bool index_order = false;
      if (scan >= 0 && !n.sort_key.empty()) {
        const plan::Node& s = plan.nodes[scan];
        // Every sort key a column of that relation: an index can hand the rows over in order.
        index_order = true;
        for (const auto& key : n.sort_key) {
          auto k = detail::parse_sort_key(key, ctx.parser());
          if (k.column.column.empty() || !detail::refers_to(k.column, s.relation, s.alias)) index_order = false;
        }
        if (index_order) {
          std::vector<std::string> conditions;
          for (const std::string* c : {&s.index_cond, &s.recheck_cond, &s.filter})
            if (!c->empty()) conditions.push_back(*c);
          finding.want_index({.relation = s.relation,
                              .schema = s.schema,
                              .alias = s.alias,
                              .conditions = conditions,
                              .sort_keys = n.sort_key,
                              .output = s.output});
        }
      }
      std::string memory = fits
          ? fmt::format("in memory it needs about {:.1f}x its {} on disk, so work_mem = {} keeps it there", row_factor,
                        detail::size_text(disk_kb), setting)
          : fmt::format(
                "in memory it would need about {}, more than any session should take: sort fewer rows "
                "(filter first) or narrower ones (fewer columns), or let it spill",
                detail::size_text(needed_kb));
      finding.why(fmt::format(
          "the sort did not fit in work_mem, so it wrote its rows to temporary files and merged them back; {}{}",
          memory,
          index_order ? fmt::format(". Under the LIMIT, an index on {} with the equality columns first and the sort "
                                    "keys next returns the first rows already sorted: no sort at all",
                                    detail::relation_ref(plan.nodes[scan]))
                      : std::string()));
    }
  }
};

}  // namespace

const detail::PlanRule& sort_spill() {
  static const SortSpill rule;
  return rule;
}

}  // namespace pglens::rules
