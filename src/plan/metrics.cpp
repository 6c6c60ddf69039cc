// Derived figures. The rules are documented in docs/plan-metrics.md; keep the two in step.
#include <algorithm>
#include <map>

#include "plan/internal.hpp"

namespace pglens::plan {
namespace {

bool is_gather(const Node& n) { return n.node_type == "Gather" || n.node_type == "Gather Merge"; }
bool is_cte_section(const Node& n) { return detail::starts_with(n.subplan_name, "CTE "); }

void subtract(Buffers& into, const Buffers& child) {
  auto sub = [](int64_t& a, int64_t b) { a = std::max<int64_t>(0, a - b); };
  sub(into.shared_hit, child.shared_hit);
  sub(into.shared_read, child.shared_read);
  sub(into.shared_dirtied, child.shared_dirtied);
  sub(into.shared_written, child.shared_written);
  sub(into.local_hit, child.local_hit);
  sub(into.local_read, child.local_read);
  sub(into.local_dirtied, child.local_dirtied);
  sub(into.local_written, child.local_written);
  sub(into.temp_read, child.temp_read);
  sub(into.temp_written, child.temp_written);
}

}  // namespace

void compute_metrics(Plan& plan) {
  auto& nodes = plan.nodes;
  plan.bottleneck = -1;
  plan.total_time_ms = 0;
  if (nodes.empty()) return;

  // Parallel divisor: processes sharing a node's loops under a Gather (workers + leader).
  std::vector<double> divisor(nodes.size(), 1.0);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    if (n.parent < 0) continue;
    const Node& p = nodes[static_cast<size_t>(n.parent)];
    if (is_gather(p)) {
      double launched = static_cast<double>(p.workers_launched.value_or(p.workers_planned.value_or(0)));
      divisor[i] = launched + 1.0;
    } else {
      divisor[i] = divisor[static_cast<size_t>(n.parent)];
    }
  }

  for (size_t i = 0; i < nodes.size(); ++i) {
    Node& n = nodes[i];
    NodeMetrics& m = n.metrics;
    m = NodeMetrics{};
    double loops = n.actual_loops.value_or(n.never_executed ? 0 : 1);
    if (n.actual_total_ms && !n.never_executed) {
      // Under a Gather each process runs its own loop; wall-clock is the per-process share.
      double effective_loops = divisor[i] > 1 ? std::max(1.0, loops / divisor[i]) : loops;
      m.total_time_ms = *n.actual_total_ms * effective_loops;
    }
    if (n.actual_rows) m.total_rows = *n.actual_rows * loops;
    if (n.plan_rows) m.planned_total_rows = *n.plan_rows * std::max(1.0, loops);
    if (n.actual_rows && n.plan_rows && !n.never_executed) {
      double a = std::max(1.0, m.total_rows), p = std::max(1.0, m.planned_total_rows);
      m.misestimate = std::max(a / p, p / a);
    }
    double removed = n.rows_removed_by_filter.value_or(0) + n.rows_removed_by_join_filter.value_or(0) +
                     n.rows_removed_by_index_recheck.value_or(0);
    if (n.rows_removed_by_filter || n.rows_removed_by_join_filter || n.rows_removed_by_index_recheck) {
      removed *= loops;
      if (removed + m.total_rows > 0) m.removed_ratio = removed / (removed + m.total_rows);
    }
    m.exclusive_buffers = n.buffers;
  }

  // CTE subtrees: their time is spent inside the CTE Scans that read them, not in the node
  // the "CTE name" section hangs under.
  std::map<std::string, double> cte_time;
  for (const Node& n : nodes)
    if (is_cte_section(n)) cte_time[n.subplan_name.substr(4)] += n.metrics.total_time_ms;

  // A Limit stops its child early: the planner charges only the fraction of the child's cost
  // the Limit will consume. Costs below a Limit are scaled by that fraction, so no node's
  // exclusive cost exceeds the plan's total.
  std::vector<double> cost_scale(nodes.size(), 1.0);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    if (n.parent < 0) continue;
    const Node& p = nodes[static_cast<size_t>(n.parent)];
    double scale = cost_scale[static_cast<size_t>(n.parent)];
    if (p.node_type == "Limit" && p.total_cost && n.total_cost && *n.total_cost > *p.total_cost)
      scale *= std::max(0.0, *p.total_cost) / *n.total_cost;
    cost_scale[i] = scale;
  }
  auto effective_cost = [&](size_t i) { return nodes[i].total_cost.value_or(0) * cost_scale[i]; };

  for (size_t i = 0; i < nodes.size(); ++i) {
    Node& n = nodes[i];
    double children_time = 0, children_cost = 0;
    for (int c : n.children) {
      const Node& child = nodes[static_cast<size_t>(c)];
      if (is_cte_section(child)) continue;
      children_time += child.metrics.total_time_ms;
      children_cost += effective_cost(static_cast<size_t>(c));
      subtract(n.metrics.exclusive_buffers, child.buffers);
    }
    if (n.node_type == "CTE Scan") {
      auto it = cte_time.find(n.cte_name);
      if (it != cte_time.end()) {
        double taken = std::min(it->second, std::max(0.0, n.metrics.total_time_ms - children_time));
        children_time += taken;
        it->second -= taken;
      }
    }
    n.metrics.exclusive_time_ms = std::max(0.0, n.metrics.total_time_ms - children_time);
    n.metrics.exclusive_cost = std::max(0.0, effective_cost(i) - children_cost);
  }

  plan.total_time_ms = plan.execution_time_ms.value_or(nodes.front().metrics.total_time_ms);
  bool timed = std::any_of(nodes.begin(), nodes.end(), [](const Node& n) { return n.metrics.total_time_ms > 0; });
  double best = -1;
  for (size_t i = 0; i < nodes.size(); ++i) {
    NodeMetrics& m = nodes[i].metrics;
    if (plan.total_time_ms > 0) m.share = std::min(1.0, m.exclusive_time_ms / plan.total_time_ms);
    double score = timed ? m.exclusive_time_ms : m.exclusive_cost;
    if (score > best) {
      best = score;
      plan.bottleneck = static_cast<int>(i);
    }
  }
  if (best <= 0) plan.bottleneck = timed || nodes.front().total_cost ? plan.bottleneck : -1;
}

}  // namespace pglens::plan
