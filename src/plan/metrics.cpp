// Derived figures. The rules are documented in docs/plan-metrics.md; keep the two in step.
#include <algorithm>
#include <cstdint>
#include <map>

#include "plan/internal.hpp"

namespace pglens::plan {
namespace {

bool is_gather(const Node& n) { return n.node_type == "Gather" || n.node_type == "Gather Merge"; }
bool is_cte_section(const Node& n) { return detail::starts_with(n.subplan_name, "CTE "); }

// Applies `op` to every counter of `into` with the same counter of `other`.
template <class Op>
void each_counter(Buffers& into, const Buffers& other, Op op) {
  op(into.shared_hit, other.shared_hit);
  op(into.shared_read, other.shared_read);
  op(into.shared_dirtied, other.shared_dirtied);
  op(into.shared_written, other.shared_written);
  op(into.local_hit, other.local_hit);
  op(into.local_read, other.local_read);
  op(into.local_dirtied, other.local_dirtied);
  op(into.local_written, other.local_written);
  op(into.temp_read, other.temp_read);
  op(into.temp_written, other.temp_written);
}

void add(Buffers& into, const Buffers& more) {
  each_counter(into, more, [](int64_t& a, int64_t b) { a = Buffers::saturating_sum(a, b); });
}

void subtract(Buffers& into, const Buffers& child) {
  each_counter(into, child, [](int64_t& a, int64_t b) {
    int64_t difference = 0;
    a = __builtin_sub_overflow(a, b, &difference) ? (b < 0 ? INT64_MAX : 0) : std::max<int64_t>(0, difference);
  });
}

bool is_initplan(const Node& n) { return detail::starts_with(n.subplan_name, "InitPlan "); }

// How an expression names an InitPlan's result: "$0" for "InitPlan 1 (returns $0,$1)"
// (PostgreSQL 16 and older), "(InitPlan 1)." for PostgreSQL 17's "(InitPlan 1).col1".
std::vector<std::string> initplan_references(const Node& init) {
  std::vector<std::string> refs;
  std::string_view name = init.subplan_name;
  size_t returns = name.find("(returns ");
  if (returns == std::string_view::npos) {
    size_t end = name.find(' ', 9);
    refs.push_back("(" + std::string(name.substr(0, end)) + ").");
    return refs;
  }
  for (size_t at = name.find('$', returns); at != std::string_view::npos; at = name.find('$', at + 1)) {
    size_t end = at + 1;
    while (end < name.size() && name[end] >= '0' && name[end] <= '9') ++end;
    if (end > at + 1) refs.emplace_back(name.substr(at, end - at));
  }
  return refs;
}

// `text` names one of `refs` ("$1" must not match "$10").
bool mentions(std::string_view text, const std::vector<std::string>& refs) {
  for (const std::string& ref : refs) {
    for (size_t at = text.find(ref); at != std::string_view::npos; at = text.find(ref, at + 1)) {
      size_t end = at + ref.size();
      bool digit_follows = ref.front() == '$' && end < text.size() && text[end] >= '0' && text[end] <= '9';
      if (!digit_follows) return true;
    }
  }
  return false;
}

// Expressions a node evaluates before it runs its children: a Gather computes the params it
// hands to its workers, a Result its One-Time Filter.
bool evaluates_before_children(const Node& n, const std::vector<std::string>& refs) {
  if (mentions(n.one_time_filter, refs)) return true;
  const std::string* params = n.property("Params Evaluated");
  return params && mentions(*params, refs);
}

// Expressions a node evaluates while it runs (a Recheck Cond only re-checks rows the index
// scan below already matched with the same value, so it is not the first evaluation).
bool evaluates_while_running(const Node& n, const std::vector<std::string>& refs) {
  for (const std::string* text : {&n.filter, &n.index_cond, &n.hash_cond, &n.merge_cond, &n.join_filter, &n.tid_cond})
    if (mentions(*text, refs)) return true;
  for (const auto* list : {&n.output, &n.sort_key, &n.group_key})
    for (const std::string& item : *list)
      if (mentions(item, refs)) return true;
  for (const Property& p : n.properties)
    if (p.key != "Recheck Cond" && p.key != "Params Evaluated" && mentions(p.value, refs)) return true;
  return false;
}

// The node that first evaluates the InitPlan `init`'s result below `host`, or -1: execution
// order, in which a node's children run before its per-row expressions. Iterative: plans can
// be deeper than the stack. Each node visited costs one of `budget`, shared by all InitPlans
// of the plan: a machine-made plan with thousands of unused InitPlans stays linear (they are
// then charged to the node they hang under).
int first_evaluator(const std::vector<Node>& nodes, int host, int init, const std::vector<std::string>& refs,
                    size_t& budget) {
  struct Frame {
    int node;
    size_t next_child;
  };
  std::vector<Frame> stack{{host, 0}};
  while (!stack.empty()) {
    if (budget == 0) return -1;
    --budget;
    Frame& f = stack.back();
    const Node& n = nodes[static_cast<size_t>(f.node)];
    if (f.next_child == 0 && evaluates_before_children(n, refs)) return f.node;
    if (f.next_child < n.children.size()) {
      int c = n.children[f.next_child++];
      if (c != init && !is_cte_section(nodes[static_cast<size_t>(c)])) stack.push_back({c, 0});
      continue;
    }
    if (evaluates_while_running(n, refs)) return f.node;
    stack.pop_back();
  }
  return -1;
}

// A Gather's own time is the leader waiting for the processes below it: the work is done
// there. The node below that does most of it (by exclusive time), where the members of an
// Append count together (the partitions of one scan, each small) under the largest of them.
// The Gather itself when nothing below took any time. `appended`: that Append's index when
// the pick is its member, else -1.
int worker_of_gather(const std::vector<Node>& nodes, size_t gather, int& appended) {
  std::vector<bool> below(nodes.size(), false);
  below[gather] = true;
  int pick = static_cast<int>(gather);
  appended = -1;
  double most = 0;
  for (size_t j = gather + 1; j < nodes.size(); ++j) {
    const Node& n = nodes[j];
    if (n.parent < 0 || !below[static_cast<size_t>(n.parent)]) continue;
    below[j] = true;
    double work = n.metrics.exclusive_time_ms;
    int named = static_cast<int>(j);
    bool is_append = n.node_type == "Append" || n.node_type == "Merge Append";
    if (is_append) {
      double largest = -1;
      for (int c : n.children) {
        const Node& member = nodes[static_cast<size_t>(c)];
        work += member.metrics.exclusive_time_ms;
        if (member.metrics.exclusive_time_ms > largest) largest = member.metrics.exclusive_time_ms, named = c;
      }
    }
    if (work > most)
      most = work, pick = named, appended = is_append && named != static_cast<int>(j) ? static_cast<int>(j) : -1;
  }
  return pick;
}

}  // namespace

double input_rows(const Plan& plan, const Node& node) {
  for (int c : node.children)
    if (const Node& child = plan.nodes[static_cast<size_t>(c)]; child.subplan_name.empty())
      return child.metrics.total_rows;
  return 0;
}

void compute_metrics(Plan& plan) {
  auto& nodes = plan.nodes;
  plan.bottleneck = -1;
  plan.total_time_ms = 0;
  if (nodes.empty()) return;

  // Parallel divisor: the processes that ran the section below a Gather (workers and, usually,
  // the leader: the loops of the Gather's child). Each reports its own loop; a node's summed
  // time over them, divided by their number, is what the average process spent in it. Below a
  // Parallel Append the processes split the members between them: the same average holds.
  std::vector<double> divisor(nodes.size(), 1.0);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    if (n.parent < 0) continue;
    const auto parent = static_cast<size_t>(n.parent);
    if (!is_gather(nodes[parent])) {
      divisor[i] = divisor[parent];
    } else if (n.subplan_name.empty()) {  // an InitPlan of the Gather runs in the leader alone
      const Node& p = nodes[parent];
      double launched = static_cast<double>(p.workers_launched.value_or(p.workers_planned.value_or(0)));
      divisor[i] = n.actual_loops.value_or(0) >= 1 ? *n.actual_loops : launched + 1.0;
    }
  }

  for (size_t i = 0; i < nodes.size(); ++i) {
    Node& n = nodes[i];
    NodeMetrics& m = n.metrics;
    m = NodeMetrics{};
    double loops = n.actual_loops.value_or(n.never_executed ? 0 : 1);
    if (n.actual_total_ms && !n.never_executed) { m.total_time_ms = *n.actual_total_ms * loops / divisor[i]; }
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

  // CTE subtrees: their time and buffers are spent inside the CTE Scans that read them, not
  // in the node the "CTE name" section hangs under.
  struct Pool {
    double time_ms = 0;
    Buffers buffers;
  };
  std::map<std::string, Pool> cte_pool;
  for (const Node& n : nodes)
    if (is_cte_section(n)) {
      Pool& pool = cte_pool[n.subplan_name.substr(4)];
      pool.time_ms += n.metrics.total_time_ms;
      add(pool.buffers, n.buffers);
    }

  // InitPlans: their time and buffers are inside the node that first evaluates their result
  // (a Gather's Params Evaluated, an Index Cond, a Filter), which may be a descendant of the
  // node they hang under. `evaluated_by[i]` is that node for InitPlan i.
  std::vector<int> evaluated_by(nodes.size(), -1);
  size_t budget = 8 * nodes.size();
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].parent >= 0 && is_initplan(nodes[i]))
      evaluated_by[i] =
          first_evaluator(nodes, nodes[i].parent, static_cast<int>(i), initplan_references(nodes[i]), budget);

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

  // What each node's own figures contain besides its children's: the InitPlans it evaluates.
  std::vector<std::vector<int>> evaluated_here(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!is_initplan(nodes[i]) || nodes[i].parent < 0) continue;
    int at = evaluated_by[i] >= 0 ? evaluated_by[i] : nodes[i].parent;
    evaluated_here[static_cast<size_t>(at)].push_back(static_cast<int>(i));
  }

  for (size_t i = 0; i < nodes.size(); ++i) {
    Node& n = nodes[i];
    double children_time = 0, children_cost = 0;
    for (int c : n.children) {
      const Node& child = nodes[static_cast<size_t>(c)];
      // The planner charges CTEs and InitPlans to the node they hang under (costs only).
      children_cost += effective_cost(static_cast<size_t>(c));
      if (is_cte_section(child) || is_initplan(child)) continue;
      children_time += child.metrics.total_time_ms;
      subtract(n.metrics.exclusive_buffers, child.buffers);
    }
    for (int init : evaluated_here[i]) {
      const Node& child = nodes[static_cast<size_t>(init)];
      children_time += child.metrics.total_time_ms;
      subtract(n.metrics.exclusive_buffers, child.buffers);
    }
    if (n.node_type == "CTE Scan") {
      auto it = cte_pool.find(n.cte_name);
      if (it != cte_pool.end()) {
        Pool& pool = it->second;
        double taken = std::min(pool.time_ms, std::max(0.0, n.metrics.total_time_ms - children_time));
        children_time += taken;
        pool.time_ms -= taken;
        // The first scan that pulled the rows did the CTE's reads; later ones take what is left.
        Buffers before = n.metrics.exclusive_buffers;
        subtract(n.metrics.exclusive_buffers, pool.buffers);
        Buffers taken_buffers = before;
        subtract(taken_buffers, n.metrics.exclusive_buffers);
        subtract(pool.buffers, taken_buffers);
      }
    }
    n.metrics.exclusive_time_ms = std::max(0.0, n.metrics.total_time_ms - children_time);
    n.metrics.exclusive_cost = std::max(0.0, effective_cost(i) - children_cost);
  }

  plan.total_time_ms = plan.execution_time_ms.value_or(nodes.front().metrics.total_time_ms);
  bool timed = plan.timed();
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
  plan.bottleneck_append = -1;
  plan.bottleneck_append_share = 0;
  if (timed && plan.bottleneck >= 0 && is_gather(nodes[static_cast<size_t>(plan.bottleneck)]))
    plan.bottleneck = worker_of_gather(nodes, static_cast<size_t>(plan.bottleneck), plan.bottleneck_append);
  // An Append's own time is passing its members' rows on: the work is in the members (the
  // partitions of one scan), named after the largest.
  if (timed && plan.bottleneck >= 0) {
    const Node& top = nodes[static_cast<size_t>(plan.bottleneck)];
    if (top.node_type == "Append" || top.node_type == "Merge Append") {
      double largest = 0;
      int append = plan.bottleneck;
      for (int c : top.children)
        if (nodes[static_cast<size_t>(c)].metrics.exclusive_time_ms > largest)
          largest = nodes[static_cast<size_t>(c)].metrics.exclusive_time_ms, plan.bottleneck = c;
      if (plan.bottleneck != append) plan.bottleneck_append = append;
    }
  }
  if (plan.bottleneck_append >= 0) {
    const Node& append = nodes[static_cast<size_t>(plan.bottleneck_append)];
    double share = append.metrics.share;
    for (int c : append.children) share += nodes[static_cast<size_t>(c)].metrics.share;
    plan.bottleneck_append_share = std::min(1.0, share);
  }
}

}  // namespace pglens::plan
