// The "Known problems" and "Fix safety" table (src/config/rule_notes.cpp) against the rules.
#include <gtest/gtest.h>

#include <string>

#include "config/rule_notes.hpp"
#include "pglens/rule.hpp"

namespace pglens {

TEST(RuleNotes, EveryEntryNamesARuleOnceInIdOrder) {
  std::string_view previous;
  for (const RuleNotes& n : all_rule_notes()) {
    EXPECT_NE(find_rule(n.id), nullptr) << n.id << ": no such rule";
    EXPECT_LT(previous, n.id) << "out of order or twice: " << n.id;
    previous = n.id;
  }
}

TEST(RuleNotes, EveryRuleWithAFixSaysWhetherItIsSafe) {
  for (const RuleInfo* r : all_rules()) {
    const RuleNotes* n = find_rule_notes(r->id);
    std::string_view safety = n ? n->fix_safety : std::string_view();
    if (!r->has_fix) {
      EXPECT_TRUE(safety.empty()) << r->id << " has no fix but a fix safety text";
      continue;
    }
    EXPECT_TRUE(safety.starts_with("Safe:") || safety.starts_with("Unsafe (applied only with `--unsafe-fixes`)."))
        << r->id << ": a fix needs its safety, starting with `Safe:` or `Unsafe (...)`";
  }
}

TEST(RuleNotes, EveryRulesDocsHaveBothHeadings) {
  for (const RuleInfo* r : all_rules()) {
    std::string docs = render_rule_docs(*r);
    size_t known = docs.find("\n## Known problems\n\n"), example = docs.find("\n## Example\n");
    size_t safety = docs.find("\n## Fix safety\n\n"), options = docs.find("\n## Options\n");
    ASSERT_NE(known, std::string::npos) << r->id;
    ASSERT_NE(safety, std::string::npos) << r->id;
    EXPECT_LT(known, example) << r->id;
    EXPECT_LT(safety, options) << r->id;
    if (!r->has_fix) { EXPECT_NE(docs.find("This rule has no automatic fix.", safety), std::string::npos) << r->id; }
  }
}

}  // namespace pglens
