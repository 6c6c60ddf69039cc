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
        .options =
            {
                {"min-loops", int64_t{10}, "Times the inner scan runs from which the Nested Loop is reported"},
                {"min-rows-read", int64_t{10000}, "Rows the inner scan reads over all loops (returned plus removed)"},
                {"min-share", 0.2,
                 "Share of execution time from which a Nested Loop that throws away nearly every pair it tests is "
                 "reported, however few its loops"},
            },
        .docs =
            {
                .what_it_does = "Reports a Nested Loop whose inner side is a Seq Scan, or a scan whose Filter throws "
                                "most rows away, run at least `min-loops` times and reading at least `min-rows-read` "
                                "rows in all; and, however few its loops, one that throws away at least 90 % of the "
                                "pairs it tests (inner Filter or Join Filter) while taking at least `min-share` of the "
                                "execution time. It names the join column and suggests the index on it: on the inner "
                                "table, or on the outer one when the inner rows were materialized and the outer side "
                                "is the larger.",
                .why_is_this_bad =
                    "The inner side runs once per outer row: a scan of N rows under M outer rows reads "
                    "N x M rows. With an index on the inner join column the planner runs a parameterized "
                    "Index Scan instead, which reads only the matching rows each time.",
                .example = "Nested Loop  (actual time=0.05..2210.3 rows=500 loops=1)\n"
                           "  ->  Seq Scan on customers c  (actual rows=500 loops=1)\n"
                           "  ->  Seq Scan on orders o  (actual time=0.01..4.4 rows=1 loops=500)\n"
                           "        Filter: (customer_id = c.id)\n"
                           "        Rows Removed by Filter: 99999",
                .use_instead =
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);",
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
    const double min_share = ctx.number_option("min-share");
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
      // Runs of the inner side: the scan's loops, or the loops over its materialized rows.
      // A parallel scan's loops count every process of every run: the runs are the Gather's.
      const plan::Node& inner_node = plan.nodes[inner];
      bool gathered = inner_node.node_type == "Gather" || inner_node.node_type == "Gather Merge";
      double loops = gathered ? inner_node.actual_loops.value_or(1)
                              : std::max(s.actual_loops.value_or(1), inner_node.actual_loops.value_or(1));
      // Pairs tested when the inner rows are replayed from a Materialize.
      double tested = gathered || s.actual_loops.value_or(1) >= loops ? read : detail::rows_returned(inner_node);
      double pairs = std::max(read, tested);
      if (pairs < min_rows) continue;
      // Rows thrown away for each row the join keeps: by the inner scan's Filter (the join
      // condition pushed into it) or by the loop's Join Filter.
      double join_removed = loop.rows_removed_by_join_filter.value_or(0) * loop.actual_loops.value_or(1);
      double kept = detail::rows_returned(loop);
      // A join that keeps most pairs it tests (a cross join, `ON true`) has nothing for an
      // index to skip: an index reads the same rows.
      if (kept * 2 >= pairs) continue;
      bool seq = s.node_type == "Seq Scan";
      bool wasteful = (removed + join_removed) >= 0.9 * pairs;
      double share = detail::subtree_share(plan, static_cast<int>(i));
      // Many runs of a scan make the join slow whatever they keep; a few runs do when they
      // throw nearly everything away and take a real part of the query's time.
      bool many_runs = (seq || (read > 0 && removed / read >= 0.9)) && loops >= min_loops;
      bool few_costly_runs = wasteful && share >= min_share;
      if (!many_runs && !few_costly_runs) continue;

      // The side to index: the rescanned inner one, unless the inner rows were materialized
      // once and the outer side is the larger: then an index on the outer table's join
      // column lets the planner drive the loop from the small side instead.
      const plan::Node* outer_scan = nullptr;
      if (int o = detail::scan_below(plan, loop.children[0]); o >= 0) outer_scan = &plan.nodes[o];
      bool materialized = !gathered && s.actual_loops.value_or(1) < loops;
      bool index_outer = materialized && outer_scan && detail::executed(*outer_scan) &&
          detail::rows_returned(*outer_scan) > detail::rows_returned(s) && !loop.join_filter.empty();
      const plan::Node& target = index_outer ? *outer_scan : s;

      std::vector<std::string> conditions;
      // The target's own Filter: the other side's prints its columns unqualified too.
      std::vector<std::string> join_columns = join_columns_of(ctx, target, target.filter, loop.join_filter, conditions);
      std::string table = detail::relation_ref(target);
      std::string on = join_columns.empty() ? std::string() : fmt::format(" ({})", fmt::join(join_columns, ", "));
      std::string kept_text = fmt::format("{} {} kept", detail::count_text(kept), kept == 1 ? "row" : "rows");
      std::string message = index_outer
          ? fmt::format("Nested Loop tests {} rows of {} against {} materialized rows of {}: {} pairs, {}",
                        detail::count_text(detail::rows_returned(*outer_scan)), table,
                        detail::count_text(detail::rows_returned(s)), detail::relation_ref(s),
                        detail::count_text(pairs), kept_text)
          : fmt::format("Nested Loop runs {} on {} {} {}, reading {} rows in all for {}", s.name(),
                        detail::relation_ref(s), detail::count_text(loops), loops == 1 ? "time" : "times",
                        detail::count_text(pairs), kept_text);
      auto& finding = ctx.report(static_cast<int>(i), std::move(message), share);
      if (join_columns.empty()) {
        finding.why(
            fmt::format("each outer row scans {} again; no join column of {} could be read from the "
                        "conditions, so add an index on the column it is joined by",
                        table, table));
        continue;
      }
      finding
          .why(index_outer
                   ? fmt::format("every row of {} is compared with every materialized row and the Join Filter "
                                 "throws the pairs away; with an index on {}{} the planner runs the loop from the "
                                 "few rows of {} and a parameterized Index Scan on {} reads only the matching rows",
                                 table, table, on, detail::relation_ref(s), table)
                   : fmt::format("each outer row scans {} again{}; with an index on {}{} the planner runs a "
                                 "parameterized Index Scan that reads only the matching rows",
                                 table,
                                 loop.join_filter.empty() ? std::string()
                                                          : fmt::format(" and the Join Filter `{}` throws the "
                                                                        "pairs away",
                                                                        loop.join_filter),
                                 table, on))
          .want_index({.relation = target.relation,
                       .schema = target.schema,
                       .alias = target.alias,
                       .conditions = conditions,
                       .output = target.output});
    }
  }

 private:
  // The columns of `target` the join compares with the other side, from the inner scan's
  // Filter and the loop's Join Filter; `conditions` gets the texts they came from.
  static std::vector<std::string> join_columns_of(const detail::PlanRuleContext& ctx, const plan::Node& target,
                                                  const std::string& inner_filter, const std::string& join_filter,
                                                  std::vector<std::string>& conditions) {
    std::vector<std::string> join_columns;
    for (const std::string* text : {&inner_filter, &join_filter}) {
      if (text->empty()) continue;
      conditions.push_back(*text);
      for (const auto& c : ctx.parse(*text).conjuncts) {
        if (c.other_column.column.empty()) continue;
        const detail::ColumnName* mine = nullptr;
        if (!c.column.qualifier.empty() && detail::refers_to(c.column, target.relation, target.alias)) mine = &c.column;
        else if (!c.other_column.qualifier.empty() && detail::refers_to(c.other_column, target.relation, target.alias))
          mine = &c.other_column;
        else if (c.column.qualifier.empty() && text == &inner_filter)
          mine = &c.column;  // a scan's own columns print unqualified
        if (mine && std::find(join_columns.begin(), join_columns.end(), mine->column) == join_columns.end())
          join_columns.push_back(mine->column);
      }
    }
    return join_columns;
  }
};

}  // namespace

const detail::PlanRule& nested_loop_inner_scan() {
  static const NestedLoopInnerScan rule;
  return rule;
}

}  // namespace pglens::rules
