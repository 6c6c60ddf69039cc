#include <gtest/gtest.h>

#include "pglens/diagnostic.hpp"

namespace pglens {
namespace {

Diagnostic with_fix(Span at, std::string replacement, bool safe = true) {
  Diagnostic d("r", at, "m");
  d.fix(Fix{"f", {{at, std::move(replacement)}}, safe});
  return d;
}

TEST(ApplyFixes, AppliesInPositionOrderAndSkipsOverlapsAndUnsafe) {
  std::string text = "abcdef";
  std::vector<Diagnostic> ds = {with_fix({4, 5}, "E"), with_fix({0, 1}, "A"), with_fix({0, 2}, "xx"),
                                with_fix({2, 3}, "C", false)};
  auto r = apply_fixes(text, ds, false);
  EXPECT_EQ(r.text, "AbcdEf");
  EXPECT_EQ(r.applied, 2u);
  EXPECT_EQ(r.skipped, 2u);
  r = apply_fixes(text, ds, true);
  EXPECT_EQ(r.text, "AbCdEf");
}

TEST(ApplyFixes, IgnoresEditsOutsideTheText) {
  auto r = apply_fixes("abc", {with_fix({2, 10}, "x")}, true);
  EXPECT_EQ(r.text, "abc");
  EXPECT_EQ(r.applied, 0u);
}

}  // namespace
}  // namespace pglens
