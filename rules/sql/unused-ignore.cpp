// The check itself lives in the engine, which owns suppressions (engine/linter.cpp).
#include "registry.hpp"

namespace pglens::rules {
namespace {

class UnusedIgnore final : public detail::SqlRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "unused-ignore",
        .category = RuleCategory::correctness,
        .default_severity = Severity::warning,
        .has_fix = true,
        .docs =
            {
                .what_it_does = "Reports a `pglens-ignore` or `pglens-ignore-file` comment that suppresses nothing: "
                                "the rule it names reported nothing there, or no rule has that id.",
                .why_is_this_bad = "A stale suppression hides the next real finding at that place, and a misspelt "
                                   "rule id suppresses nothing while looking like it does.",
                .example = "-- pglens-ignore: select-star\nSELECT id FROM orders;",
                .use_instead = "SELECT id FROM orders;",
                .references = "pglens README, section \"Suppressing findings\"",
            },
        .summary = "a suppression comment that suppresses nothing, or names an unknown rule",
    };
    return info;
  }
};

}  // namespace

const detail::SqlRule& unused_ignore() {
  static const UnusedIgnore rule;
  return rule;
}

}  // namespace pglens::rules
