#include <fmt/format.h>

#include "registry.hpp"

namespace pglens::rules {
namespace {

// Reading rows only to throw them away: the scan's access path does not match the query.
// Plain Seq Scans are seq-scan-large's; this rule covers index and bitmap scans, joins and
// everything else that filters.
class FilterRemovesMostRows final : public detail::PlanRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "filter-removes-most-rows",
        .category = RuleCategory::performance,
        .targets = {.sql = false, .plan = true},
        .default_severity = Severity::warning,
        .options =
            {
                {"min-ratio", 0.9, "Share of the rows read that the Filter, Join Filter or recheck removes"},
                {"min-removed", int64_t{1000}, "Rows removed (over all loops) from which the node is reported"},
            },
        .docs =
            {
                .what_it_does =
                    "Reports a scan or join whose Filter, Join Filter or index recheck removes most of what "
                    "it reads: at least `min-ratio` of the rows and at least `min-removed` rows over all "
                    "loops. A plain Seq Scan is left to `seq-scan-large`. For an Index Scan it suggests the "
                    "composite index that moves the Filter into the Index Cond.",
                .why_is_this_bad =
                    "Every removed row was fetched from the heap (or built by the join) for nothing. An "
                    "Index Scan whose index covers only part of the WHERE visits every row matching that "
                    "part and checks the rest one row at a time; a Join Filter tests every pair the join "
                    "produced. Putting the filtered columns into the index (or the join key) makes the "
                    "access path return only the rows the query keeps.",
                .example = "Index Scan using orders_customer_id_idx on orders  (actual time=0.04..9.1 rows=3 loops=1)\n"
                           "  Index Cond: (customer_id = 42)\n"
                           "  Filter: (status = 'pending'::text)\n"
                           "  Rows Removed by Filter: 8113",
                .use_instead = "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_status_idx\n"
                               "  ON orders (customer_id, status);",
                .references = "https://www.postgresql.org/docs/current/indexes-multicolumn.html\n"
                              "https://www.postgresql.org/docs/current/using-explain.html#USING-EXPLAIN-ANALYZE",
            },
        .summary = "a Filter, Join Filter or recheck throws away most of the rows read",
    };
    return info;
  }

  void check(const plan::Plan& plan, detail::PlanRuleContext& ctx) const override {
    const double min_ratio = ctx.number_option("min-ratio");
    const double min_removed = static_cast<double>(ctx.int_option("min-removed"));
    for (size_t i = 0; i < plan.nodes.size(); ++i) {
      const plan::Node& n = plan.nodes[i];
      if (n.node_type == "Seq Scan" || !detail::executed(n)) continue;
      if (report_bitmap_and(plan, static_cast<int>(i), min_ratio, min_removed, ctx)) continue;
      double removed = detail::rows_removed(n);
      double kept = detail::rows_returned(n);
      if (removed < min_removed || removed / (removed + kept) < min_ratio) continue;
      std::string what = !n.join_filter.empty() && n.rows_removed_by_join_filter ? "Join Filter"
          : n.rows_removed_by_index_recheck && !n.rows_removed_by_filter         ? "index recheck"
                                                                                 : "Filter";
      // A Nested Loop testing every pair of two scanned tables is nested-loop-inner-scan's: it
      // knows which side the index goes on.
      if (what == "Join Filter" && n.node_type == "Nested Loop" && n.children.size() > 1 &&
          detail::scan_below(plan, n.children[1]) >= 0)
        continue;
      // Rechecks on a lossy bitmap are lossy-bitmap's: the fix is memory, not an index.
      if (what == "index recheck" && n.lossy_heap_blocks.value_or(0) > 0) continue;
      std::string condition = what == "Join Filter" ? n.join_filter : what == "Filter" ? n.filter : n.recheck_cond;
      auto& finding = ctx.report(
          static_cast<int>(i),
          fmt::format("{} removes {} of {} rows read ({}) in {}", what, detail::count_text(removed),
                      detail::count_text(removed + kept), detail::percent_text(removed / (removed + kept)), n.label()));
      if (n.node_type == "Index Scan" || n.node_type == "Index Only Scan") {
        finding
            .why(fmt::format("the index {} finds rows by `{}` only; each is then fetched and tested against "
                             "`{}`. An index with the filtered columns after the Index Cond's returns only "
                             "the rows kept",
                             n.index_name, n.index_cond, condition))
            // The Filter's columns first: when both are ranges, the index's own range column is
            // already served, and the planner takes the new index only if it leads with the other.
            .want_index({.relation = n.relation,
                         .schema = n.schema,
                         .alias = n.alias,
                         .conditions = {n.filter, n.index_cond},
                         .output = n.output});
      } else if (n.node_type == "Bitmap Heap Scan") {
        finding
            .why(what == "index recheck"
                     ? std::string("the bitmap could not tell which rows of a page match (a lossy bitmap or an "
                                   "inexact operator class), so every row of those pages is rechecked")
                     : fmt::format("the bitmap finds rows by `{}`; the Filter `{}` then throws most away. {}",
                                   n.recheck_cond, n.filter,
                                   seekable(ctx, n.filter)
                                       ? "An index with both conditions' columns returns only the rows kept"
                                       : "No btree key serves that Filter (a LIKE with a leading wildcard, a "
                                         "function, an OR): a pg_trgm GIN index serves LIKE '%...%'"))
            .want_index({.relation = n.relation,
                         .schema = n.schema,
                         .alias = n.alias,
                         .conditions = {n.recheck_cond, n.filter},
                         .output = n.output});
      } else if (what == "Join Filter") {
        finding.why(
            fmt::format("the join builds every pair its join condition allows and then tests `{}` on each; "
                        "make that condition part of the join key, or index the inner side so it becomes "
                        "the inner scan's Index Cond",
                        n.join_filter));
      } else if (detail::is_relation_scan(n)) {
        finding
            .why(fmt::format("the scan reads rows and then tests `{}` on each; an index on its columns "
                             "returns only the rows kept",
                             condition))
            .want_index({.relation = n.relation,
                         .schema = n.schema,
                         .alias = n.alias,
                         .conditions = {n.filter},
                         .output = n.output});
      } else {
        finding.why(
            fmt::format("the node produces rows only to test `{}` on each; push the condition down into "
                        "the scans or the join key",
                        condition));
      }
    }
  }

 private:
  // Whether some conjunct of the condition compares a column by equality or range: what an
  // index key can seek.
  static bool seekable(const detail::PlanRuleContext& ctx, const std::string& condition) {
    for (const auto& c : ctx.parse(condition).conjuncts)
      if (!c.has_or && c.op != detail::CompareOp::other) return true;
    return false;
  }

  // A Bitmap Heap Scan over a BitmapAnd: each single-column index returns its matches and the
  // intersection keeps few of them. One composite index finds the kept rows directly.
  static bool report_bitmap_and(const plan::Plan& plan, int node, double min_ratio, double min_read,
                                detail::PlanRuleContext& ctx) {
    const plan::Node& n = plan.nodes[node];
    if (n.node_type != "Bitmap Heap Scan" || n.children.size() != 1) return false;
    const plan::Node& and_node = plan.nodes[n.children.front()];
    if (and_node.node_type != "BitmapAnd") return false;
    double entries = 0;
    std::vector<std::string> indexes;
    for (int c : and_node.children) {
      const plan::Node& scan = plan.nodes[c];
      if (scan.node_type != "Bitmap Index Scan" || !detail::executed(scan)) return false;
      entries += detail::rows_returned(scan);
      indexes.push_back(scan.index_name);
    }
    double kept = detail::rows_returned(n);
    if (entries < min_read || kept > (1 - min_ratio) * entries) return false;
    ctx.report(node,
               fmt::format("BitmapAnd of {} reads {} index entries to keep {} rows ({})", fmt::join(indexes, ", "),
                           detail::count_text(entries), detail::count_text(kept),
                           detail::percent_text(entries > 0 ? kept / entries : 0)),
               detail::subtree_share(plan, node))
        .why(fmt::format("each index returns every row matching its own column, and the bitmaps are intersected "
                         "afterwards; one index on the equality columns followed by the range column finds the rows "
                         "of `{}` directly",
                         n.recheck_cond))
        .want_index({.relation = n.relation,
                     .schema = n.schema,
                     .alias = n.alias,
                     .conditions = {n.recheck_cond},
                     .output = n.output});
    return true;
  }
};

}  // namespace

const detail::PlanRule& filter_removes_most_rows() {
  static const FilterRemovesMostRows rule;
  return rule;
}

}  // namespace pglens::rules
