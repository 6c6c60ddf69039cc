#include <fmt/format.h>

#include "registry.hpp"

namespace pglens::rules {
namespace {

// A Seq Scan reads every row of its table. That is the right plan when the query wants most
// of them; it is the bottleneck when a Filter keeps a few, or when the scan is most of the
// query's time.
class SeqScanLarge final : public detail::PlanRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "seq-scan-large",
        .category = RuleCategory::performance,
        .targets = {.sql = false, .plan = true},
        .default_severity = Severity::warning,
        .options = {
            {"min-rows", int64_t{100000}, "Rows read (returned plus removed by the Filter, over all loops) from which a Seq Scan with a Filter is reported"},
            {"max-kept-ratio", 0.1, "A Filter keeping at most this share of the rows read is one an index serves"},
            {"min-share", 0.5, "Share of execution time from which a Seq Scan reading `min-rows` is reported anyway"},
        },
        .docs = {
            .what_it_does = "Reports a Seq Scan (parallel or not) that reads many rows (rows returned plus rows "
                            "removed by its Filter, over all loops, at or above `min-rows`) when its Filter keeps at "
                            "most `max-kept-ratio` of them, or when it takes at least `min-share` of the execution "
                            "time. A Seq Scan run again and again as a "
                            "Nested Loop's inner side is left to `nested-loop-inner-scan`. The Filter is read with "
                            "libpg_query to name its columns and suggest the index that serves it.",
            .why_is_this_bad = "A sequential scan reads every page of the table, whatever the query keeps. When a "
                               "Filter throws most rows away, an index on the filtered columns reads only the rows "
                               "that match: the time goes from proportional to the table to proportional to the "
                               "result. As the table grows, the scan gets slower while the answer stays the same size.",
            .example = "Seq Scan on orders  (cost=0.00..18334.00 rows=5 width=97) (actual time=0.02..61.3 rows=4 loops=1)\n"
                       "  Filter: (customer_id = 4242)\n"
                       "  Rows Removed by Filter: 999996",
            .use_instead = "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);\n"
                           "-- then:\n"
                           "Index Scan using orders_customer_id_idx on orders  (actual time=0.03..0.05 rows=4 loops=1)\n"
                           "  Index Cond: (customer_id = 4242)",
            .references = "https://www.postgresql.org/docs/current/indexes-intro.html\n"
                          "https://www.postgresql.org/docs/current/using-explain.html",
        },
        .summary = "a Seq Scan reads many rows (with a Filter: the index that serves it)",
    };
    return info;
  }

  void check(const plan::Plan& plan, detail::PlanRuleContext& ctx) const override {
    const double min_rows = static_cast<double>(ctx.int_option("min-rows"));
    const double min_share = ctx.number_option("min-share");
    const double max_kept = ctx.number_option("max-kept-ratio");
    for (size_t i = 0; i < plan.nodes.size(); ++i) {
      const plan::Node& n = plan.nodes[i];
      if (n.node_type != "Seq Scan" || !detail::executed(n)) continue;
      // Rescanned as a Nested Loop's inner side: nested-loop-inner-scan names the join column.
      if (n.actual_loops.value_or(1) > 1 && inner_of_nested_loop(plan, static_cast<int>(i))) continue;
      double kept = detail::rows_returned(n);
      double removed = n.rows_removed_by_filter.value_or(0) * n.actual_loops.value_or(1);
      double read = kept + removed;
      std::string table = detail::relation_ref(n);
      int node = static_cast<int>(i);
      if (read < min_rows) continue;
      if (!n.filter.empty() && kept <= max_kept * read) {
        auto cond = ctx.parse(n.filter);
        std::vector<std::string> columns;
        for (const auto& c : cond.columns)
          if (detail::refers_to(c, n.relation, n.alias)) columns.push_back(c.column);
        std::string on = columns.empty() ? std::string()
                                         : fmt::format(" on {}", fmt::join(columns, ", "));
        double loops = n.actual_loops.value_or(1);
        std::string loops_text = loops > 1 ? fmt::format(" over {} loops", detail::count_text(loops)) : "";
        ctx.report(node, fmt::format("{} on {} reads {} rows{} and its Filter{} keeps {} ({})", n.name(), table,
                                     detail::count_text(read), loops_text, on, detail::count_text(kept),
                                     detail::percent_text(read > 0 ? kept / read : 0)))
            .why(columns.empty()
                     ? fmt::format("every row of {} is read to find the few the Filter keeps; the Filter `{}` "
                                   "could not be read as column conditions, so no index is suggested",
                                   table, n.filter)
                     : fmt::format("every row of {} is read to find the few the Filter keeps; an index on {} reads "
                                   "only the matching rows",
                                   table, fmt::join(columns, ", ")))
            .want_index({.relation = n.relation, .schema = n.schema, .alias = n.alias, .conditions = {n.filter},
                         .output = n.output});
      } else if (n.metrics.share >= min_share) {
        ctx.report(node, fmt::format("{} on {} reads {} rows{} and takes {} of the execution time", n.name(), table,
                                     detail::count_text(read),
                                     n.filter.empty() ? std::string()
                                                      : fmt::format(", keeping {}", detail::percent_text(kept / read)),
                                     detail::percent_text(n.metrics.share)))
            .why(n.filter.empty()
                     ? std::string("no condition narrows the scan: the query reads the whole table. Aggregate in "
                                   "the database, add a WHERE or LIMIT, or keep a summary table if it is read often")
                     : std::string("the Filter keeps too many rows for an index to be cheaper than reading the whole "
                                   "table; narrow the condition, or keep a summary table if it is read often"));
      }
    }
  }

 private:
  static bool inner_of_nested_loop(const plan::Plan& plan, int node) {
    for (int cur = node, p = plan.nodes[node].parent; p >= 0; cur = p, p = plan.nodes[p].parent) {
      const plan::Node& parent = plan.nodes[p];
      if (parent.node_type == "Nested Loop" && parent.children.size() > 1 && parent.children[1] == cur) return true;
    }
    return false;
  }
};

}  // namespace

const detail::PlanRule& seq_scan_large() {
  static const SeqScanLarge rule;
  return rule;
}

}  // namespace pglens::rules
