// `pglens diff BEFORE AFTER`: the "did my index help" view. The two plan trees are matched
// node to node (by shape, relation and node type), and each pair shows its change in time,
// rows, loops and buffers; a node with no counterpart is a shape change (a Sort gone, a
// Memoize added), a pair of different nodes another (Seq Scan -> Index Scan, Hash Join ->
// Nested Loop). Findings are compared by rule and table.
#pragma once

#include <string>
#include <vector>

#include "pglens/plan.hpp"
#include "pglens/plan_rules.hpp"

namespace pglens::diff {

struct NodePair {
  int before = -1;         // index into the before plan's nodes; -1 when the node is new
  int after = -1;          // index into the after plan's nodes; -1 when the node is gone
  std::string matched_by;  // "root", "relation", "node type", "only candidate"; empty when unmatched
  // "Seq Scan → Index Scan"; "Sort gone"; "Memoize added"; empty when the node kept its kind.
  std::string shape;
  bool changed_shape() const { return !shape.empty(); }
};

struct FindingChange {
  const plan::Finding* finding = nullptr;  // of the before plan when gone, of the after plan otherwise
  std::string table;                       // the relation it points at, or empty
};

struct PlanDiff {
  std::vector<NodePair> pairs;         // in no particular order: walk a tree through pair_of_*
  std::vector<int> pair_of_before;     // before node index -> index into pairs
  std::vector<int> pair_of_after;      // after node index -> index into pairs
  bool timed = false;                  // both plans have actual times
  double before_ms = 0, after_ms = 0;  // execution times (0 when not timed)
  double speedup = 0;                  // before_ms / after_ms; 0 when unknown
  std::vector<std::string> notes;      // where matching could not be sure
  std::vector<FindingChange> gone, appeared, kept;
};

PlanDiff compare(const plan::Plan& before, const plan::Plan& after, const plan::Diagnosis& before_findings,
                 const plan::Diagnosis& after_findings);

// How a node changed, as one line of figures: "time 863 ms → 0.21 ms, rows 12 → 12, read 2.5k → 3".
std::string pair_figures(const plan::Plan& before, const plan::Plan& after, const NodePair& pair);

// The pairs in the order of the after tree, each gone node after the pair of its parent.
std::vector<int> pairs_in_order(const plan::Plan& before, const plan::Plan& after, const PlanDiff& diff);

// Whether the node's own time changed by enough to mark: 20 % and 1 ms either way.
enum class Trend { same, faster, slower };
Trend trend(const plan::Plan& before, const plan::Plan& after, const NodePair& pair);

}  // namespace pglens::diff
