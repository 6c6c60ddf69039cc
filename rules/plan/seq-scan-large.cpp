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
        .options =
            {
                {"min-rows", int64_t{100000},
                 "Rows read (returned plus removed by the Filter, over all loops) from which a Seq Scan with a Filter "
                 "is reported"},
                {"max-kept-ratio", 0.1, "A Filter keeping at most this share of the rows read is one an index serves"},
                {"min-share", 0.5,
                 "Share of execution time from which a Seq Scan reading `min-rows` is reported anyway"},
            },
        .docs =
            {
                .what_it_does =
                    "Reports a Seq Scan (parallel or not) that reads many rows (rows returned plus rows "
                    "removed by its Filter, over all loops, at or above `min-rows`) when its Filter keeps at "
                    "most `max-kept-ratio` of them, or when it takes at least `min-share` of the execution "
                    "time. A Seq Scan run again and again as a "
                    "Nested Loop's inner side is left to `nested-loop-inner-scan`. The Filter is read with "
                    "libpg_query to name its columns and suggest the index that serves it. A scan (or the "
                    "partitions of one table) that a Hash Join probes whole to keep at most 1 row per 1,000 "
                    "read, against a hashed side as small, is a warning when the join takes `min-share` of "
                    "the time: the index on its join column (from the Hash Cond) lets a Nested Loop from the "
                    "few rows read only their matches.",
                .why_is_this_bad =
                    "A sequential scan reads every page of the table, whatever the query keeps. When a "
                    "Filter throws most rows away, an index on the filtered columns reads only the rows "
                    "that match: the time goes from proportional to the table to proportional to the "
                    "result. As the table grows, the scan gets slower while the answer stays the same size.",
                .example = "Seq Scan on orders  (cost=0.00..18334.00 rows=5 width=97) (actual time=0.02..61.3 rows=4 "
                           "loops=1)\n"
                           "  Filter: (customer_id = 4242)\n"
                           "  Rows Removed by Filter: 999996",
                .use_instead =
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);\n"
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
    // Partitions of one table read by one Append: one finding for the table, on the Append.
    std::vector<int> appends_reported;
    for (size_t i = 0; i < plan.nodes.size(); ++i) {
      const plan::Node& n = plan.nodes[i];
      if (n.node_type != "Seq Scan" || !detail::executed(n)) continue;
      // Rescanned as a Nested Loop's inner side: nested-loop-inner-scan names the join column.
      if (n.actual_loops.value_or(1) > 1 && inner_of_nested_loop(plan, static_cast<int>(i))) continue;
      int node = static_cast<int>(i);
      Reading r = reading_of(n);
      int append = partitions_append(plan, node);
      std::vector<const plan::Node*> members{&n};
      if (append >= 0) {
        if (std::find(appends_reported.begin(), appends_reported.end(), append) != appends_reported.end()) continue;
        members = member_scans(plan, append);
        r = {};
        for (const plan::Node* m : members) {
          Reading mr = reading_of(*m);
          r.read += mr.read;
          r.kept += mr.kept;
        }
      }
      if (r.read < min_rows) continue;
      int at = append >= 0 ? append : node;
      if (report_probe_side(plan, ctx, at, n, r, members.size(), append >= 0, min_share)) {
        if (append >= 0) appends_reported.push_back(append);
        continue;
      }
      int sort = top_n_sort(plan, node);
      bool selective = !n.filter.empty() && r.kept <= max_kept * r.read;
      double share = 0;
      for (const plan::Node* m : members) share += m->metrics.share;
      if (!selective && sort < 0 && share < min_share) continue;
      if (append >= 0) appends_reported.push_back(append);

      std::string table = append >= 0 ? fmt::format("{} partitions of {}", members.size(), partitioned_name(n))
                                      : detail::relation_ref(n);
      // The columns an index key can serve: compared by equality or range with a value, or
      // with another table's column (not with a column of the same row, not through OR).
      std::vector<std::string> columns;
      for (const auto& c : ctx.parse(n.filter).conjuncts) {
        if (c.has_or || c.op == detail::CompareOp::other || !detail::refers_to(c.column, n.relation, n.alias)) continue;
        bool same_row = !c.other_column.column.empty() && c.other_column.qualifier == c.column.qualifier;
        if (!same_row && std::find(columns.begin(), columns.end(), c.column.column) == columns.end())
          columns.push_back(c.column.column);
      }
      std::string on = columns.empty() ? std::string() : fmt::format(" on {}", fmt::join(columns, ", "));
      // A cast or function around the column: no plain index serves the Filter as written.
      std::string wrapped;
      for (const auto& c : ctx.parse(n.filter).conjuncts)
        if (!c.wrapper.empty() && wrapped.empty())
          wrapped = fmt::format(
              " once the Filter compares the bare column (it wraps {} in {} now, which a plain "
              "index cannot serve)",
              c.column.column, c.wrapper);
      double loops = n.actual_loops.value_or(1);
      std::string loops_text = loops > 1 && append < 0 ? fmt::format(" over {} loops", detail::count_text(loops)) : "";
      std::string name = append >= 0 ? std::string("Seq Scans") : n.name();
      std::string_view reads = append >= 0 ? "read" : "reads";
      detail::IndexWish wish{
          .relation = n.relation, .schema = n.schema, .alias = n.alias, .conditions = {n.filter}, .output = n.output};
      if (sort >= 0) wish.sort_keys = plan.nodes[sort].sort_key;
      std::string partitions_note = append >= 0
          ? "; on a partitioned table the index is created on the parent (ON ONLY, then each partition "
            "CONCURRENTLY and ATTACH PARTITION) so every partition has it"
          : std::string();
      if (selective) {
        auto& finding =
            ctx.report(at,
                       fmt::format("{} on {} {} {} rows{} and {} Filter{} keeps {} ({})", name, table, reads,
                                   detail::count_text(r.read), loops_text, append >= 0 ? "the" : "its", on,
                                   detail::count_text(r.kept), detail::percent_text(r.read > 0 ? r.kept / r.read : 0)),
                       share)
                .why(columns.empty()
                         ? fmt::format("every row of {} is read to find the few the Filter keeps; the Filter `{}` "
                                       "compares no column with a value an index could seek (columns of the same "
                                       "row, an OR, a function), so no index is suggested: rewrite the condition "
                                       "or keep its result in a column of its own",
                                       table, n.filter)
                         : fmt::format("every row of {} is read to find the few the Filter keeps; an index on {} "
                                       "reads only the matching rows{}{}",
                                       table, fmt::join(columns, ", "), wrapped, partitions_note));
        if (!columns.empty() || sort >= 0) want_index(ctx, finding, wish, append >= 0);
      } else if (sort >= 0) {
        const plan::Node& limit = plan.nodes[detail::limit_above(plan, sort)];
        auto& finding =
            ctx.report(at,
                       fmt::format("{} on {} {} {} rows{} to return the first {} by {}", name, table, reads,
                                   detail::count_text(r.read),
                                   n.filter.empty()
                                       ? std::string()
                                       : fmt::format(" (the Filter keeps {})", detail::percent_text(r.kept / r.read)),
                                   detail::count_text(detail::rows_returned(limit)),
                                   fmt::join(plan.nodes[sort].sort_key, ", ")),
                       share)
                .why(fmt::format("the query wants only the first rows in {} order, yet every row{} is read and "
                                 "sorted; an index on the Filter's equality columns followed by the sort keys "
                                 "returns the rows already in order, and the LIMIT stops the scan after them{}",
                                 fmt::join(plan.nodes[sort].sort_key, ", "),
                                 n.filter.empty() ? std::string() : " that passes the Filter", partitions_note));
        want_index(ctx, finding, wish, append >= 0);
      } else {
        auto& finding =
            ctx.report(
                   at,
                   fmt::format("{} on {} {} {} rows{} and {} {} of the execution time", name, table, reads,
                               detail::count_text(r.read),
                               n.filter.empty() ? std::string()
                                                : fmt::format(", keeping {}", detail::percent_text(r.kept / r.read)),
                               append >= 0 ? "take" : "takes", detail::percent_text(share)),
                   share)
                .why(
                    n.filter.empty()
                        ? std::string("no condition narrows the scan: the query reads the whole table. Aggregate in "
                                      "the database, add a WHERE or LIMIT, or keep a summary table if it is read often")
                        : std::string(
                              "the Filter keeps too many rows for an index to be cheaper than reading the "
                              "whole table; narrow the condition, or keep a summary table if it is read often"));
        // Nothing to fix with an index: a fact about the query, not a warning.
        if (finding.finding.severity > Severity::info) finding.finding.severity = Severity::info;
      }
    }
  }

 private:
  struct Reading {
    double read = 0, kept = 0;
  };

  // "p.customer_id" of a partition scanned as "p_53": PostgreSQL numbers the parent's alias.
  static bool is_member_alias(const detail::ColumnName& col, const plan::Node& scan) {
    const std::string& q = col.qualifier;
    if (q.empty() || scan.alias.size() <= q.size() + 1 || scan.alias.compare(0, q.size(), q) != 0 ||
        scan.alias[q.size()] != '_')
      return false;
    return scan.alias.find_first_not_of("0123456789", q.size() + 1) == std::string::npos;
  }

  // The scan is the side a Hash Join probes, read whole to keep a few rows: the join's other
  // side is small, and the join returns at most 1 row per 1,000 read. An index on the probed
  // table's join column lets the planner run a Nested Loop from the few rows instead, each
  // reading only its matches. Reported when the join takes `min-share` of the time.
  static bool report_probe_side(const plan::Plan& plan, detail::PlanRuleContext& ctx, int at, const plan::Node& scan,
                                const Reading& r, size_t members, bool partitions, double min_share) {
    int parent = plan.nodes[static_cast<size_t>(at)].parent;
    if (parent < 0) return false;
    const plan::Node& join = plan.nodes[static_cast<size_t>(parent)];
    if (join.node_type != "Hash Join" || join.children.size() < 2 || join.children[0] != at || join.hash_cond.empty())
      return false;
    double joined = detail::rows_returned(join);
    double built = detail::rows_returned(plan.nodes[static_cast<size_t>(join.children[1])]);
    if (joined * 1000 > r.read || built * 1000 > r.read) return false;
    double share = detail::subtree_share(plan, parent);
    if (share < min_share) return false;
    std::string table =
        partitions ? fmt::format("{} partitions of {}", members, partitioned_name(scan)) : detail::relation_ref(scan);
    std::vector<std::string> columns;
    for (const auto& c : ctx.parse(join.hash_cond).conjuncts) {
      for (const detail::ColumnName* col : {&c.column, &c.other_column})
        if (!col->column.empty() &&
            (detail::refers_to(*col, scan.relation, scan.alias) || is_member_alias(*col, scan)) &&
            std::find(columns.begin(), columns.end(), col->column) == columns.end())
          columns.push_back(col->column);
    }
    auto& finding =
        ctx.report(at,
                   fmt::format("{} reads all {} rows of {} to keep {} ({} read per row kept), matched "
                               "against {} rows of its other side",
                               plan.nodes[static_cast<size_t>(parent)].name(), detail::count_text(r.read), table,
                               detail::count_text(joined), detail::count_text(r.read / std::max(1.0, joined)),
                               detail::count_text(built)),
                   share)
            .why(columns.empty()
                     ? fmt::format("the join reads every row of {} to match the few rows of its other side; no "
                                   "column of {} could be read from `{}` for an index",
                                   table, table, join.hash_cond)
                     : fmt::format("the join reads every row of {} to match the few rows of its other side; with an "
                                   "index on {} the planner runs a Nested Loop from those few rows and a "
                                   "parameterized Index Scan reads only the matching rows of {}{}",
                                   table, fmt::join(columns, ", "), table,
                                   partitions ? "; on a partitioned table the index is created on the parent (ON "
                                                "ONLY, then each partition CONCURRENTLY and ATTACH PARTITION)"
                                              : ""));
    if (!columns.empty())
      want_index(ctx, finding,
                 {.relation = scan.relation,
                  .schema = scan.schema,
                  .alias = scan.alias,
                  .conditions = {join.hash_cond},
                  .output = scan.output},
                 partitions);
    return true;
  }

  static Reading reading_of(const plan::Node& n) {
    double kept = detail::rows_returned(n);
    return {kept + n.rows_removed_by_filter.value_or(0) * n.actual_loops.value_or(1), kept};
  }

  // Without the catalog an index on a partition would cover only that partition: the wish is
  // made only when the catalog can turn it into the parent's index.
  static void want_index(const detail::PlanRuleContext& ctx, detail::PlanFindingDraft& finding,
                         const detail::IndexWish& wish, bool partition) {
    if (partition) {
      const Table* t = ctx.catalog().find_table(wish.schema, wish.relation);
      if (!t || !t->is_partition()) {
        finding.why(finding.finding.why +
                    ". Run with `--db` (or the schema files) for the statements: pglens needs "
                    "the partitioned parent's name");
        return;
      }
    }
    finding.want_index(wish);
  }

  // The Append (or Merge Append) right above the scan when its members are partitions of
  // one table (the planner numbers one alias: events_1, events_2 ...), else -1.
  static int partitions_append(const plan::Plan& plan, int scan) {
    int p = plan.nodes[scan].parent;
    if (p < 0) return -1;
    const plan::Node& a = plan.nodes[p];
    if (a.node_type != "Append" && a.node_type != "Merge Append") return -1;
    std::string base = detail::numbered_alias_base(plan.nodes[scan].alias);
    if (base.empty()) return -1;
    size_t members = 0;
    for (int c : a.children) {
      const plan::Node& m = plan.nodes[c];
      if (detail::numbered_alias_base(m.alias) != base) return -1;
      ++members;
    }
    return members > 1 ? p : -1;
  }

  static std::vector<const plan::Node*> member_scans(const plan::Plan& plan, int append) {
    std::vector<const plan::Node*> out;
    for (int c : plan.nodes[append].children)
      if (plan.nodes[c].node_type == "Seq Scan" && detail::executed(plan.nodes[c])) out.push_back(&plan.nodes[c]);
    return out;
  }

  static std::string partitioned_name(const plan::Node& n) {
    return fmt::format("`{}`", detail::numbered_alias_base(n.alias));
  }

  // The Sort above the scan that a Limit stops early (top-N), through Gather nodes; -1 when none.
  static int top_n_sort(const plan::Plan& plan, int scan) {
    for (int p = plan.nodes[scan].parent, depth = 0; p >= 0 && depth < 8; p = plan.nodes[p].parent, ++depth) {
      const std::string& t = plan.nodes[p].node_type;
      if (t == "Gather" || t == "Gather Merge" || t == "Result" || t == "Append" || t == "Merge Append") continue;
      if (t != "Sort" && t != "Incremental Sort") return -1;
      int limit = detail::limit_above(plan, p);
      if (limit < 0 || plan.nodes[p].sort_key.empty()) return -1;
      // An OFFSET makes the sort hand over far more rows than the Limit returns: large-offset's.
      double handed = detail::rows_returned(plan.nodes[p]), kept = detail::rows_returned(plan.nodes[limit]);
      return handed > 2 * kept + 100 ? -1 : p;
    }
    return -1;
  }

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
