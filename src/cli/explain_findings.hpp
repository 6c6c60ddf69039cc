// The plan rules' findings as `pglens explain` shows them, after the tree and the bottleneck
// line: ordered by impact, each with its node, message, why and DDL; one line when healthy.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pglens/plan.hpp"
#include "pglens/plan_rules.hpp"
#include "plan/display.hpp"

namespace pglens::cli {

std::string render_findings_text(const plan::Diagnosis& diagnosis, bool color);

// Outside-the-tree time and durations live with the plan model (the HTML page and the diff
// show them too).
using plan::format_ms;
using plan::outside_bottleneck;
using plan::outside_tree;
using plan::OutsideTime;

// One line each, after the tree ("outside the tree: ..."); empty when there is none.
std::string render_outside_tree_text(const plan::Plan& plan, bool color);
// {"healthy": bool, "findings": [...], "indexes": [...]}
nlohmann::ordered_json findings_json(const plan::Diagnosis& diagnosis);

}  // namespace pglens::cli
