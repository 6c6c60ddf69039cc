// The plan rules' findings as `pglens explain` shows them, after the tree and the bottleneck
// line: ordered by impact, each with its node, message, why and DDL; one line when healthy.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pglens/plan.hpp"
#include "pglens/plan_rules.hpp"

namespace pglens::cli {

using plan::format_ms;

std::string render_findings_text(const plan::Diagnosis& diagnosis, bool color);

// Time the plan spends outside its tree, in the execution time but in no node: triggers
// (foreign key checks among them) and PostgreSQL 17's serialization of the result.
struct OutsideTime {
  std::string label;  // "Trigger for constraint sessions_account_id_fkey", "Serialization"
  double ms = 0;
  double share = 0;   // of the execution time
  std::string detail; // "300 calls", "output 12 MB"
};
std::vector<OutsideTime> outside_tree(const plan::Plan& plan);
// The largest of them when it took more than the bottleneck node: the plan's real bottleneck.
std::optional<OutsideTime> outside_bottleneck(const plan::Plan& plan);
// One line each, after the tree ("outside the tree: ..."); empty when there is none.
std::string render_outside_tree_text(const plan::Plan& plan, bool color);
// {"healthy": bool, "findings": [...], "indexes": [...]}
nlohmann::ordered_json findings_json(const plan::Diagnosis& diagnosis);

}  // namespace pglens::cli
