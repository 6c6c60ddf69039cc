#include <fmt/format.h>

#include "registry.hpp"

namespace pglens::rules {
namespace {

// A Nested Loop runs its inner side once per outer row. With an index on the inner join
// column each run is a few page reads; without one it is a scan of the inner table.
class NestedLoopInnerScan final : public detail::PlanRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "nested-loop-inner-scan",
        .category = RuleCategory::performance,
        .targets = {.sql = false, .plan = true},
        .default_severity = Severity::warning,
        .options = {
            {"min-loops", int64_t{10}, "Times the inner scan runs from which the Nested Loop is reported"},
            {"min-rows-read", int64_t{10000}, "Rows the inner scan reads over all loops (returned plus removed)"},
        },
        .docs = {
            .what_it_does = "Reports a Nested Loop whose inner side is a Seq Scan, or a scan whose Filter throws "
                            "most rows away, run at least `min-loops` times and reading at least `min-rows-read` "
                            "rows in all. It names the inner join column and suggests the index on it.",
            .why_is_this_bad = "The inner side runs once per outer row: a scan of N rows under M outer rows reads "
                               "N x M rows. With an index on the inner join column the planner runs a parameterized "
                               "Index Scan instead, which reads only the matching rows each time.",
            .example = "Nested Loop  (actual time=0.05..2210.3 rows=500 loops=1)\n"
                       "  ->  Seq Scan on customers c  (actual rows=500 loops=1)\n"
                       "  ->  Seq Scan on orders o  (actual time=0.01..4.4 rows=1 loops=500)\n"
                       "        Filter: (customer_id = c.id)\n"
                       "        Rows Removed by Filter: 99999",
            .use_instead = "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);",
            .references = "https://www.postgresql.org/docs/current/planner-optimizer.html\n"
                          "https://www.postgresql.org/docs/current/indexes-intro.html",
        },
        .summary = "a Nested Loop scans its inner table once per outer row",
    };
    return info;
  }

  void check(const plan::Plan& plan, detail::PlanRuleContext& ctx) const override {
    const double min_loops = static_cast<double>(ctx.int_option("min-loops"));
    const double min_rows = static_cast<double>(ctx.int_option("min-rows-read"));
    for (size_t i = 0; i < plan.nodes.size(); ++i) {
      const plan::Node& loop = plan.nodes[i];
      if (loop.node_type != "Nested Loop" || loop.children.size() < 2 || !detail::executed(loop)) continue;
      int inner = loop.children[1];
      // A Materialize or Memoize keeps the inner rows, but the join still tests each pair.
      int scan = detail::scan_below(plan, inner);
      if (scan < 0) continue;
      const plan::Node& s = plan.nodes[scan];
      if (!detail::executed(s)) continue;
      double removed = detail::rows_removed(s);
      double read = detail::rows_returned(s) + removed;
      bool seq = s.node_type == "Seq Scan";
      bool filter_heavy = read > 0 && removed / read >= 0.9;
      // Runs of the inner side: the scan's loops, or the loops over its materialized rows.
      double loops = std::max(s.actual_loops.value_or(1), plan.nodes[inner].actual_loops.value_or(1));
      if (!(seq || filter_heavy) || loops < min_loops) continue;
      // Pairs tested when the inner rows are replayed from a Materialize.
      double tested = s.actual_loops.value_or(1) >= loops ? read : detail::rows_returned(plan.nodes[inner]);
      if (std::max(read, tested) < min_rows) continue;

      // The join column of the inner relation: from the inner scan's Filter and the loop's Join Filter.
      std::vector<std::string> join_columns;
      std::vector<std::string> conditions;
      for (const std::string* text : {&s.filter, &loop.join_filter}) {
        if (text->empty()) continue;
        conditions.push_back(*text);
        for (const auto& c : ctx.parse(*text).conjuncts) {
          if (c.other_column.column.empty()) continue;
          const detail::ColumnName* mine = nullptr;
          if (!c.column.qualifier.empty() && detail::refers_to(c.column, s.relation, s.alias)) mine = &c.column;
          else if (!c.other_column.qualifier.empty() && detail::refers_to(c.other_column, s.relation, s.alias))
            mine = &c.other_column;
          else if (c.column.qualifier.empty()) mine = &c.column;  // the scan's own columns print unqualified
          if (mine && std::find(join_columns.begin(), join_columns.end(), mine->column) == join_columns.end())
            join_columns.push_back(mine->column);
        }
      }
      std::string table = detail::relation_ref(s);
      std::string on = join_columns.empty() ? std::string() : fmt::format(" ({})", fmt::join(join_columns, ", "));
      auto& finding = ctx.report(static_cast<int>(i),
                                 fmt::format("Nested Loop runs {} on {} {} times, reading {} rows in all", s.name(),
                                             table, detail::count_text(loops),
                                             detail::count_text(std::max(read, tested))),
                                 detail::subtree_share(plan, static_cast<int>(i)));
      if (join_columns.empty()) {
        finding.why(fmt::format("each outer row scans {} again; no join column of {} could be read from the "
                                "conditions, so add an index on the column it is joined by",
                                table, table));
        continue;
      }
      finding.why(fmt::format("each outer row scans {} again; with an index on {}{} the planner runs a "
                              "parameterized Index Scan that reads only the matching rows",
                              table, table, on))
          .want_index({.relation = s.relation, .schema = s.schema, .alias = s.alias, .conditions = conditions,
                       .output = s.output});
    }
  }
};

}  // namespace

const detail::PlanRule& nested_loop_inner_scan() {
  static const NestedLoopInnerScan rule;
  return rule;
}

}  // namespace pglens::rules
