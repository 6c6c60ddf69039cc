#include <fmt/format.h>

#include "registry.hpp"

namespace pglens::rules {
namespace {

// A wrong row estimate is harmless on its own; it costs where the planner picked a join
// method or join order from it. The finding goes on the node where the error starts.
class RowMisestimate final : public detail::PlanRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "row-misestimate",
        .category = RuleCategory::performance,
        .targets = {.sql = false, .plan = true},
        .default_severity = Severity::warning,
        .options =
            {
                {"min-factor", 10.0, "How far actual and planned rows (x loops) must differ, either way"},
                {"min-rows", int64_t{100}, "The larger of actual and planned rows (x loops) must reach this"},
            },
        .docs =
            {
                .what_it_does =
                    "Reports a node whose actual rows differ from the planned rows (both times loops) by at "
                    "least `min-factor` either way, where it matters: under a join, or as the outer side of "
                    "a Nested Loop. It reports where the error starts (not each node above that inherits it) "
                    "and suggests `ANALYZE` of the table; when the node's conditions read several columns of "
                    "one table, extended statistics on them.",
                .why_is_this_bad =
                    "The planner picks join methods and join order from row estimates. Expecting 10 rows "
                    "where 100,000 come makes it choose a Nested Loop that runs its inner side 100,000 "
                    "times; the reverse wastes a hash table. Stale statistics are fixed by ANALYZE; "
                    "correlated columns (city and zip code) are estimated as independent unless extended "
                    "statistics tell the planner otherwise.",
                .example = "Nested Loop  (rows=1) (actual rows=9500 loops=1)\n"
                           "  ->  Seq Scan on addresses a  (rows=1) (actual rows=10000 loops=1)\n"
                           "        Filter: ((city = 'Paris'::text) AND (zip = '75001'::text))",
                .use_instead =
                    "CREATE STATISTICS IF NOT EXISTS addresses_city_zip_stats (dependencies, ndistinct, mcv)\n"
                    "  ON city, zip FROM addresses;\n"
                    "ANALYZE addresses;\n"
                    "-- it changes plans: measure the query (and the other frequent ones) before and after",
                .references = "https://www.postgresql.org/docs/current/planner-stats.html#PLANNER-STATS-EXTENDED\n"
                              "https://www.postgresql.org/docs/current/sql-createstatistics.html",
            },
        .summary = "actual rows far from the estimate under a join: ANALYZE, or extended statistics",
    };
    return info;
  }

  void check(const plan::Plan& plan, detail::PlanRuleContext& ctx) const override {
    const double min_factor = ctx.number_option("min-factor");
    const double min_rows = static_cast<double>(ctx.int_option("min-rows"));
    auto off = [&](const plan::Node& n) {
      if (!detail::executed(n) || !n.metrics.misestimate) return false;
      return *n.metrics.misestimate >= min_factor &&
          std::max(n.metrics.total_rows, n.metrics.planned_total_rows) >= min_rows;
    };
    for (size_t i = 0; i < plan.nodes.size(); ++i) {
      const plan::Node& n = plan.nodes[i];
      if (!off(n)) continue;
      int node = static_cast<int>(i);
      // BitmapAnd / BitmapOr always print rows=0: they return a bitmap, not rows.
      if (n.node_type == "BitmapAnd" || n.node_type == "BitmapOr") continue;
      // "1 row expected, 0 found" per loop is no estimate error, however many loops multiply it.
      double loops = std::max(1.0, n.actual_loops.value_or(1));
      if (n.actual_rows.value_or(0) <= 1 && n.plan_rows.value_or(0) <= 1 && loops > 1) continue;
      // Fewer rows than planned under a parent that stops reading early (a Limit, the inner
      // side of a semi or anti join, an EXISTS) is the early stop, not the statistics.
      bool fewer = n.metrics.total_rows < n.metrics.planned_total_rows;
      if (fewer && stopped_early(plan, node)) continue;
      int join = detail::join_above(plan, node);
      if (join < 0) continue;
      // Where the error starts: no input of the node is off in the same direction.
      bool under = n.metrics.total_rows > n.metrics.planned_total_rows;
      bool inherited = false;
      for (int c : n.children) {
        const plan::Node& child = plan.nodes[c];
        if (off(child) && (child.metrics.total_rows > child.metrics.planned_total_rows) == under) inherited = true;
      }
      if (inherited) continue;

      std::string direction = under ? "under" : "over";
      std::string msg = fmt::format("{} estimated {} rows, got {} ({}-estimated {:.0f}x)", n.label(),
                                    detail::count_text(n.metrics.planned_total_rows),
                                    detail::count_text(n.metrics.total_rows), direction, *n.metrics.misestimate);
      const plan::Node& j = plan.nodes[join];
      std::string consequence = fmt::format("the {} above it was chosen for {} rows", j.name(),
                                            detail::count_text(n.metrics.planned_total_rows));
      // Tables whose statistics feed the estimate: the node's own, or every scan below a join.
      std::vector<const plan::Node*> scans;
      if (detail::is_relation_scan(n)) {
        scans.push_back(&n);
      } else {
        for (size_t k = i + 1; k < plan.nodes.size() && plan.nodes[k].depth > n.depth; ++k)
          if (detail::is_relation_scan(plan.nodes[k])) scans.push_back(&plan.nodes[k]);
      }
      std::string ddl, why;
      std::vector<std::string> analyzed;
      for (const plan::Node* s : scans) {
        std::string table = detail::relation_ref(*s);
        if (std::find(analyzed.begin(), analyzed.end(), table) != analyzed.end()) continue;
        // Columns of this table the node's conditions compare with constants or params.
        std::vector<std::string> columns;
        for (const std::string* text : {&s->filter, &s->index_cond, &s->recheck_cond}) {
          if (text->empty()) continue;
          for (const auto& c : ctx.parse(*text).conjuncts) {
            if (c.op == detail::CompareOp::other || !c.other_column.column.empty() || c.column.column.empty()) continue;
            if (!detail::refers_to(c.column, s->relation, s->alias)) continue;
            if (std::find(columns.begin(), columns.end(), c.column.column) == columns.end())
              columns.push_back(c.column.column);
          }
        }
        if (s == &n && columns.size() >= 2) {
          std::string name = fmt::format("{}_{}_stats", s->relation, fmt::join(columns, "_"));
          ddl += fmt::format(
              "-- changes plans: time this query and the other frequent ones before and after\n"
              "CREATE STATISTICS IF NOT EXISTS {} (dependencies, ndistinct, mcv)\n  ON {} FROM {};\n",
              name, fmt::join(columns, ", "), table);
          why = fmt::format(
              "the conditions on {} of {} are estimated as if independent; when they are correlated "
              "the estimate multiplies their selectivities and misses. Extended statistics teach the "
              "planner how they go together. They change the plans of every query on these columns, "
              "not always for the better: measure this query and the other frequent ones before and "
              "after (DROP STATISTICS undoes it)",
              fmt::join(columns, ", "), table);
        }
        ddl += fmt::format("ANALYZE {};\n", table);
        analyzed.push_back(table);
      }
      if (!ddl.empty()) ddl.pop_back();
      if (why.empty())
        why = scans.empty()
            ? std::string("the estimate comes from statistics the planner does not have")
            : fmt::format("the statistics of {} may be stale; ANALYZE refreshes them", fmt::join(analyzed, ", "));
      ctx.report(node, std::move(msg)).why(fmt::format("{}: {}", consequence, why)).ddl(std::move(ddl));
    }
  }

 private:
  // Whether a node above stops pulling rows from this one before it is exhausted. Rows are
  // pulled on demand up to the first node above it that reads its input whole (a Sort, a
  // hashed or plain Aggregate, the Hash of a Hash Join).
  static bool stopped_early(const plan::Plan& plan, int node) {
    for (int cur = node, p = plan.nodes[node].parent, depth = 0; p >= 0 && depth < 64;
         cur = p, p = plan.nodes[p].parent, ++depth) {
      const plan::Node& here = plan.nodes[cur];
      const plan::Node& parent = plan.nodes[p];
      if (here.parent_relationship == "SubPlan" || here.parent_relationship == "InitPlan")
        return true;  // EXISTS, ANY and scalar subqueries stop at the row they need
      // Above the node itself: a top-N Sort under a Limit returns few of the rows it was
      // estimated to return, yet it read its input whole.
      if (cur != node &&
          (here.node_type == "Hash" || here.node_type == "Sort" ||
           (here.node_type == "Aggregate" && here.strategy != "Sorted")))
        return false;
      if (parent.node_type == "Limit") return true;
      // A rescanned inner side of a semi or anti join stops at the first match.
      bool semi_or_anti =
          parent.join_type.find("Semi") != std::string::npos || parent.join_type.find("Anti") != std::string::npos;
      if (semi_or_anti && parent.node_type == "Nested Loop" && parent.children.size() > 1 && parent.children[1] == cur)
        return true;
      // A Merge Join stops reading one side when the other ends.
      if (parent.node_type == "Merge Join") return true;
    }
    return false;
  }
};

}  // namespace

const detail::PlanRule& row_misestimate() {
  static const RowMisestimate rule;
  return rule;
}

}  // namespace pglens::rules
