// The plan rules' findings as `pglens explain` shows them, after the tree and the bottleneck
// line: ordered by impact, each with its node, message, why and DDL; one line when healthy.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "pglens/plan_rules.hpp"

namespace pglens::cli {

std::string render_findings_text(const plan::Diagnosis& diagnosis, bool color);
// {"healthy": bool, "findings": [...], "indexes": [...]}
nlohmann::ordered_json findings_json(const plan::Diagnosis& diagnosis);

}  // namespace pglens::cli
