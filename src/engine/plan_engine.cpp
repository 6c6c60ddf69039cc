// Runs the plan rules over a plan: dispatch with the config's severities and options,
// index advice merged per table, findings ordered by impact.
#include <algorithm>

#include "engine/plan_advice.hpp"
#include "pglens/plan_rules.hpp"
#include "rules/api/plan_rule.hpp"
#include "rules/registry.hpp"

namespace pglens {
namespace plan {

Diagnosis diagnose(const Plan& plan, const Config& config, const Catalog& catalog) {
  Diagnosis out;
  if (plan.nodes.empty()) return out;
  sql::Parser parser;
  std::vector<detail::PlanFindingDraft> drafts;
  for (const detail::PlanRule* rule : rules::plan_rules()) {
    const RuleInfo& info = rule->info();
    auto severity = config.effective_severity(info);
    if (!severity) continue;
    detail::PlanRuleContext ctx(info, config, plan, catalog, parser, *severity, drafts);
    rule->check(plan, ctx);
  }
  out.indexes = detail::advise_indexes(plan, catalog, parser, drafts);
  for (auto& d : drafts) out.findings.push_back(std::move(d.finding));
  // Worst first; ties keep the tree's order so the output is stable.
  std::stable_sort(out.findings.begin(), out.findings.end(), [](const Finding& a, const Finding& b) {
    if (a.impact != b.impact) return a.impact > b.impact;
    if (a.severity != b.severity) return a.severity > b.severity;
    if (a.node_id != b.node_id) return a.node_id < b.node_id;
    return a.rule < b.rule;
  });
  return out;
}

std::vector<Diagnostic> diagnostics_of(Diagnosis diagnosis) {
  std::vector<Diagnostic> out;
  for (auto& f : diagnosis.findings) {
    Diagnostic d(f.rule, f.span, f.message);
    d.severity = f.severity;
    d.help(f.why).ddl(f.ddl);
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<Diagnostic> plan_findings(const Plan& plan, const Config& config, const Catalog& catalog) {
  return diagnostics_of(diagnose(plan, config, catalog));
}

}  // namespace plan
}  // namespace pglens
