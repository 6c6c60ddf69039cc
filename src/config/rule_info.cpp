// Rule metadata as values: names of categories and targets, options, and the docs rendered
// from a RuleInfo (`pglens rule ID`, LSP hover, SARIF, docs/rules/*.md).
#include <fmt/format.h>

#include "config/rule_notes.hpp"
#include "pglens/rule.hpp"

namespace pglens {

std::string_view to_string(RuleCategory c) {
  switch (c) {
    case RuleCategory::performance: return "performance";
    case RuleCategory::correctness: return "correctness";
    case RuleCategory::safety: return "safety";
    case RuleCategory::syntax: return "syntax";
  }
  return "performance";
}

std::string_view to_string(RuleTarget t) { return t == RuleTarget::sql ? "sql" : "plan"; }

std::string_view to_string(RuleTargets t) {
  if (t.sql && t.plan) return "sql+plan";
  return t.plan ? "plan" : "sql";
}

std::string format_option_value(const OptionValue& v) {
  switch (v.index()) {
    case 0: return std::get<bool>(v) ? "true" : "false";
    case 1: return fmt::format("{}", std::get<int64_t>(v));
    case 2: return fmt::format("{}", std::get<double>(v));
    default: return fmt::format("\"{}\"", std::get<std::string>(v));
  }
}

const RuleOption* RuleInfo::option(std::string_view name) const {
  for (const auto& o : options)
    if (o.name == name) return &o;
  return nullptr;
}

std::string rule_docs_url(std::string_view id) {
  return fmt::format("https://github.com/pglens/pglens/blob/main/docs/rules/{}.md", id);
}

std::string render_rule_docs(const RuleInfo& r) {
  std::string out = fmt::format("# {}\n\n", r.id);
  out += fmt::format("{} · {} rule · default severity: {} · fix: {}\n\n", to_string(r.category), to_string(r.targets),
                     to_string(r.default_severity), r.has_fix ? "yes" : "no");
  out += fmt::format("## What it does\n\n{}\n\n", r.docs.what_it_does);
  out += fmt::format("## Why is this bad?\n\n{}\n\n", r.docs.why_is_this_bad);
  const RuleNotes* notes = find_rule_notes(r.id);
  std::string_view known = notes && !notes->known_problems.empty() ? notes->known_problems : "None known.";
  out += fmt::format("## Known problems\n\n{}\n\n", known);
  std::string_view lang = r.targets.sql ? "sql" : "text";
  out += fmt::format("## Example\n\n```{}\n{}\n```\n\n", lang, r.docs.example);
  out += fmt::format("## Use instead\n\n```{}\n{}\n```\n\n", lang, r.docs.use_instead);
  std::string_view safety = notes && !notes->fix_safety.empty() ? notes->fix_safety : "This rule has no automatic fix.";
  out += fmt::format("## Fix safety\n\n{}\n\n", safety);
  out += "## Options\n\n";
  if (r.options.empty()) out += "None.\n\n";
  for (const auto& o : r.options)
    out += fmt::format("- `{}` (default `{}`): {}\n", o.name, format_option_value(o.default_value), o.description);
  if (!r.options.empty()) out += fmt::format("\nSet them in `.pglens.toml` under `[rules.{}]`.\n\n", r.id);
  out += fmt::format("## References\n\n{}\n", r.docs.references);
  return out;
}

}  // namespace pglens
