#include <fmt/format.h>

#include <cmath>

#include "registry.hpp"

namespace pglens::rules {
namespace {

// The plan side of large-offset (its RuleInfo, shared with the SQL side, is in
// rules/sql/large-offset.cpp): a Limit whose input produced far more rows than it returned
// threw the difference away — the rows OFFSET skipped.
class LargeOffsetPlan final : public detail::PlanRule {
 public:
  const RuleInfo& info() const override { return large_offset_info(); }

  void check(const plan::Plan& plan, detail::PlanRuleContext& ctx) const override {
    const double min_skipped = static_cast<double>(ctx.int_option("min-skipped-rows"));
    for (size_t i = 0; i < plan.nodes.size(); ++i) {
      const plan::Node& limit = plan.nodes[i];
      if (limit.node_type != "Limit") continue;
      int input = first_input(plan, limit);
      if (input < 0) continue;
      const plan::Node& child = plan.nodes[input];
      bool measured = detail::executed(limit) && detail::executed(child);
      double skipped =
          measured ? detail::rows_returned(child) - detail::rows_returned(limit) : estimated_offset(limit, child);
      if (!(skipped >= min_skipped)) continue;
      double read = measured ? detail::rows_returned(child) : skipped + limit.plan_rows.value_or(0);
      double fraction = read > 0 ? skipped / read : 1.0;
      Order order = order_of(plan, input, ctx.catalog());
      std::string message = measured
          ? fmt::format(
                "Limit returned {} rows after its input produced {}: OFFSET skipped {} rows ({} of "
                "what was read)",
                detail::count_text(detail::rows_returned(limit)), detail::count_text(read), detail::count_text(skipped),
                detail::percent_text(fraction))
          : fmt::format("Limit skips about {} rows (OFFSET, from its startup cost) before returning {}",
                        detail::count_text(skipped), detail::count_text(limit.plan_rows.value_or(0)));
      // The time (or, without ANALYZE, the cost) spent producing the skipped rows.
      double impact = measured ? detail::subtree_share(plan, static_cast<int>(i)) * fraction
                               : skipped_cost_share(plan, limit, child);
      auto& finding = ctx.report(static_cast<int>(i), std::move(message), impact);
      finding.why(why_text(order));
      if (order.sort >= 0 && order.scan >= 0) {
        // The order comes from a Sort: the keyset query needs an index in that order to read only its page.
        const plan::Node& scan = plan.nodes[order.scan];
        finding.want_index({.relation = scan.relation,
                            .schema = scan.schema,
                            .alias = scan.alias,
                            .conditions = {},
                            .sort_keys = plan.nodes[order.sort].sort_key,
                            .output = scan.output});
      }
    }
  }

 private:
  // Where the page's order comes from: a Sort's keys, or an index scan's index.
  struct Order {
    std::vector<std::string> keys;  // "created_at", "id DESC"
    std::string index;              // the index that delivers the order, when no Sort does
    int sort = -1, scan = -1;       // the Sort node and the scan under it
  };

  static int first_input(const plan::Plan& plan, const plan::Node& node) {
    for (int c : node.children) {
      const auto& rel = plan.nodes[c].parent_relationship;
      if (rel != "InitPlan" && rel != "SubPlan") return c;
    }
    return -1;
  }

  // PostgreSQL charges a Limit's startup with the share of its input's run cost that the
  // skipped rows take (adjust_limit_rows_costs): the OFFSET read back from the costs.
  static double estimated_offset(const plan::Node& limit, const plan::Node& child) {
    if (!limit.startup_cost || !child.startup_cost || !child.total_cost || !child.plan_rows) return 0;
    double run = *child.total_cost - *child.startup_cost;
    if (run <= 0) return 0;
    double offset = (*limit.startup_cost - *child.startup_cost) / run * *child.plan_rows;
    return std::isfinite(offset) ? std::round(offset) : 0;
  }

  static double skipped_cost_share(const plan::Plan& plan, const plan::Node& limit, const plan::Node& child) {
    double total = plan.root().total_cost.value_or(0);
    if (total <= 0 || !limit.startup_cost || !child.startup_cost) return 0;
    return (*limit.startup_cost - *child.startup_cost) / total;
  }

  static Order order_of(const plan::Plan& plan, int node, const Catalog& catalog) {
    Order out;
    for (int depth = 0; node >= 0 && depth < 64; ++depth) {
      const plan::Node& n = plan.nodes[node];
      if ((n.node_type == "Sort" || n.node_type == "Incremental Sort") && !n.sort_key.empty()) {
        out.keys = n.sort_key;
        out.sort = node;
        out.scan = n.children.empty() ? -1 : detail::scan_below(plan, n.children.front());
        return out;
      }
      if (!n.index_name.empty()) {
        out.index = n.index_name;
        if (const Index* index = find_index(catalog, n.schema, n.index_name))
          for (IndexKey key : index->keys) {
            if (n.scan_direction == "Backward") {  // read backwards: every key in the opposite order
              key.descending = !key.descending;
              key.nulls_first = !key.nulls_first;
            }
            out.keys.push_back(key.text());
          }
        return out;
      }
      if (detail::is_relation_scan(n)) return out;
      node = first_input(plan, n);
    }
    return out;
  }

  static const Index* find_index(const Catalog& catalog, std::string_view schema, std::string_view name) {
    for (const auto& table : catalog.tables()) {
      if (!schema.empty() && table.schema != schema) continue;
      if (const Index* index = table.index(name)) return index;
    }
    return nullptr;
  }

  static std::string why_text(const Order& order) {
    std::string why =
        "PostgreSQL cannot jump to row N: it produces every row before the page and throws them away, so each page is "
        "slower than the last";
    if (order.keys.empty()) {
      if (!order.index.empty())
        return why +
            fmt::format(
                   ". Paginate by the key of {} instead (keyset pagination): `WHERE key > $last ORDER "
                   "BY key LIMIT n` starts at the previous page's last row",
                   order.index);
      return why +
          ". Paginate by a unique sort key instead (keyset pagination): `WHERE key > $last ORDER BY key "
          "LIMIT n` starts at the previous page's last row";
    }
    std::vector<std::string> columns;
    size_t descending = 0;
    for (const auto& key : order.keys) {
      std::string k = key;
      for (std::string_view suffix : {" NULLS FIRST", " NULLS LAST", " DESC", " ASC"})
        if (k.ends_with(suffix)) {
          descending += suffix == " DESC";
          k.erase(k.size() - suffix.size());
        }
      columns.push_back(k);
    }
    if (descending != 0 && descending != columns.size())  // mixed directions: no row comparison matches
      return why +
          fmt::format(
                 ". Paginate by the sort key ({}) instead (keyset pagination): a WHERE clause that "
                 "starts after the previous page's last row, then LIMIT n",
                 fmt::join(order.keys, ", "));
    std::string lhs = columns.size() == 1 ? columns.front() : fmt::format("({})", fmt::join(columns, ", "));
    std::vector<std::string> params;
    for (size_t i = 0; i < columns.size(); ++i) params.push_back(fmt::format("$last_{}", i + 1));
    std::string rhs = params.size() == 1 ? params.front() : fmt::format("({})", fmt::join(params, ", "));
    return why +
        fmt::format(
               ". Paginate by the sort key instead (keyset pagination): `WHERE {} {} {} ORDER BY {} "
               "LIMIT n`, passing the previous page's last row, reads only the page{}",
               lhs, descending ? "<" : ">", rhs, fmt::join(order.keys, ", "),
               order.index.empty() ? " from an index in that order" : " from " + order.index);
  }
};

}  // namespace

const detail::PlanRule& large_offset_plan() {
  static const LargeOffsetPlan rule;
  return rule;
}

}  // namespace pglens::rules
