// Two headings of every rule's documentation that are kept in one table (rule_notes.cpp)
// rather than in the rule files: "Known problems" (where the rule is wrong or silent) and
// "Fix safety" (whether its fix keeps the statement's meaning, and why).
#pragma once

#include <span>
#include <string_view>

namespace pglens {

struct RuleNotes {
  std::string_view id;
  std::string_view known_problems;  // empty: none known
  std::string_view fix_safety;      // empty: the rule has no fix (RuleInfo::has_fix is false)
};

// Every entry, in rule id order; a rule without one has no known problem and no fix.
std::span<const RuleNotes> all_rule_notes();
const RuleNotes* find_rule_notes(std::string_view id);

}  // namespace pglens
