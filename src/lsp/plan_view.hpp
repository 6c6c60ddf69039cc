// EXPLAIN plans in the editor: findings of a pgexplain document, and what hovering a node
// line shows (its derived figures).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "pglens/catalog.hpp"
#include "pglens/config.hpp"
#include "pglens/diagnostic.hpp"
#include "pglens/plan.hpp"
#include "pglens/plan_rules.hpp"

namespace pglens::lsp {

// The plan rules' findings for every plan in `text` (with the workspace's catalog: partition
// keys, existing indexes), each on its node's line, plus the reader's complaints and, when
// nothing in a non-blank text looks like a plan, one note saying so. `mark`, when given, sees
// each plan's diagnosis before it becomes diagnostics (the planner's proofs of its indexes).
using MarkPlan = std::function<void(const plan::Plan&, plan::Diagnosis&)>;
std::vector<Diagnostic> plan_diagnostics(const plan::ReadResult& plans, std::string_view text, const Config& config,
                                         const Catalog& catalog, const MarkPlan& mark = {});

// The innermost node whose lines hold `offset`, or nullptr.
const plan::Node* node_at(const plan::ReadResult& plans, uint32_t offset, const plan::Plan** owner);

// The plan whose lines hold the 1-based `line`, or nullptr.
const plan::Plan* plan_at(const plan::ReadResult& plans, uint32_t line);
// Markdown: execution and planning time, the bottleneck.
std::string render_plan_hover(const plan::Plan& plan);

// Markdown: the node's label, self time and share, rows against the estimate, loops,
// buffers and rows removed.
std::string render_node_hover(const plan::Plan& plan, const plan::Node& node);

}  // namespace pglens::lsp
