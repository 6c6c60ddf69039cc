// `pglens explain --format html`: a plan as one self-contained page. The tree and a flame
// graph of exclusive time (both sized and coloured by share), the bottleneck highlighted,
// per node figures and the raw lines of the input, the findings with their DDL, the query
// with the findings' tables marked, and the time outside the tree. Each piece is its own
// function so the diff page (and later reports) reuse them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pglens/plan.hpp"
#include "pglens/plan_rules.hpp"

namespace pglens::html {

// How the diff marks a node of a tree: extra classes on it and HTML after its figures.
struct NodeNote {
  std::string css_class;  // "changed", "added", "removed"
  std::string html;       // already escaped
};

struct TreeOptions {
  std::string id_prefix = "p1";  // element ids: <prefix>-n<node id>, <prefix>-f<finding>
  std::string_view input;        // the original input, for each node's raw lines; empty: none shown
  std::vector<NodeNote> notes;   // by node index; empty or one per node
};

// The plan's facts: execution and planning time, JIT, settings, time outside the tree, and
// the bottleneck (a link to its node).
void append_plan_summary(std::string& out, const plan::Plan& plan, std::string_view id_prefix);
// The tree, one focusable row per node.
void append_plan_tree(std::string& out, const plan::Plan& plan, const TreeOptions& options);
// An icicle graph: each node as wide as the time of its subtree (exclusive times add up to
// the root's), coloured by its own share; a click or Enter selects the node in the tree.
void append_flame_graph(std::string& out, const plan::Plan& plan, std::string_view id_prefix);
// The findings by impact with their DDL (copyable), then the index per table they add up to.
void append_findings(std::string& out, const plan::Plan& plan, const plan::Diagnosis& diagnosis,
                     std::string_view id_prefix);
// The query text with each finding's table marked; nothing when the plan has no query.
void append_query(std::string& out, const plan::Plan& plan, const plan::Diagnosis& diagnosis,
                  std::string_view id_prefix);
// One plan: summary, the tree / flame toggle, findings, query.
void append_plan_section(std::string& out, const plan::Plan& plan, const plan::Diagnosis& diagnosis,
                         const TreeOptions& options, std::string_view heading);

struct PlanPageInput {
  std::string_view source_name;  // "slow.txt", "stdin"
  std::string_view input;        // the bytes the plans were read from
  const std::vector<plan::Plan>& plans;
  const std::vector<plan::Diagnosis>& diagnoses;  // one per plan
  const std::vector<plan::ReadError>& errors;
};
std::string plan_page(const PlanPageInput& page);

}  // namespace pglens::html
