// The seam between the plan readers and the plan rules: `pglens explain` and the LSP ask
// this for a plan's findings. The plan rules (issue 5) fill it.
#include "pglens/plan.hpp"

namespace pglens::plan {

std::vector<Diagnostic> plan_findings(const Plan& /*plan*/, const Config& /*config*/) { return {}; }

}  // namespace pglens::plan
