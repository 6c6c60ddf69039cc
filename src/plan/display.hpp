// A plan's figures as pglens shows them (durations, counts, the one detail of a node, time
// outside the tree): shared by the terminal explain, the HTML page and the plan diff.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pglens/plan.hpp"

namespace pglens::plan {

// format_ms and node_time_text are in pglens/plan.hpp.
// A count: 12, 12.50, 12k, 1.2M, 1.2G.
std::string format_count(double v);
// A share 0..1 as a bar of block eighths, ten cells wide (terminal).
std::string bar(double share);
// `s` cut to `max` bytes with "..." when longer.
std::string shorten(std::string_view s, size_t max);
// The one detail that matters most on this node ("sort spilled to disk: ...", "Index Cond: ...").
std::string key_detail(const Node& n);

// Time the plan spends outside its tree, in the execution time but in no node: triggers
// (foreign key checks among them) and PostgreSQL 17's serialization of the result.
struct OutsideTime {
  std::string label;  // "Trigger for constraint sessions_account_id_fkey", "Serialization"
  double ms = 0;
  double share = 0;    // of the execution time
  std::string detail;  // "300 calls", "output 12 MB"
};
std::vector<OutsideTime> outside_tree(const Plan& plan);
// The largest of them when it took more than the bottleneck node: the plan's real bottleneck.
std::optional<OutsideTime> outside_bottleneck(const Plan& plan);

}  // namespace pglens::plan
