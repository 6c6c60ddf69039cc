// Rule metadata and documentation: one source for `pglens rules`, `pglens rule ID`,
// LSP hover, SARIF rule descriptors and docs/rules/*.md.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "pglens/diagnostic.hpp"

namespace pglens {

enum class RuleCategory { performance, correctness, safety, syntax };
enum class RuleTarget { sql, plan };

std::string_view to_string(RuleCategory c);
std::string_view to_string(RuleTarget t);

// What a rule checks: SQL text, EXPLAIN plans, or both. One concept keeps one id and one doc
// even when it shows in both (large-offset reads `OFFSET 10000` in SQL and a Limit in a plan).
struct RuleTargets {
  bool sql = true;
  bool plan = false;
  bool covers(RuleTarget t) const { return t == RuleTarget::sql ? sql : plan; }
};
// "sql", "plan" or "sql+plan".
std::string_view to_string(RuleTargets t);

using OptionValue = std::variant<bool, int64_t, double, std::string>;
std::string format_option_value(const OptionValue& v);

struct RuleOption {
  std::string_view name;  // kebab-case; addressed in config as [rules.<id>] <name> = ...
  OptionValue default_value;
  std::string_view description;
};

// The fixed headings of every rule's documentation (ruff-style).
struct RuleDocs {
  std::string_view what_it_does;
  std::string_view why_is_this_bad;
  std::string_view example;  // SQL or a plan excerpt
  std::string_view use_instead;
  std::string_view references;  // one link or citation per line
};

struct RuleInfo {
  std::string_view id;  // kebab-case, stable
  RuleCategory category = RuleCategory::performance;
  RuleTargets targets;
  Severity default_severity = Severity::warning;
  bool has_fix = false;
  std::vector<RuleOption> options;
  RuleDocs docs;
  std::string_view summary;  // one line, for listings

  const RuleOption* option(std::string_view name) const;
};

// Every rule pglens has, SQL and plan rules, in registry order.
std::span<const RuleInfo* const> all_rules();
const RuleInfo* find_rule(std::string_view id);

// The documentation as Markdown with the fixed headings (What it does, Why is this bad?,
// Known problems, Example, Use instead, Fix safety, Options, References).
std::string render_rule_docs(const RuleInfo& rule);

// Where a rule's docs live online, for SARIF helpUri and LSP codeDescription.
std::string rule_docs_url(std::string_view id);

}  // namespace pglens
