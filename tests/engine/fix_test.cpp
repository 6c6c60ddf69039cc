#include <gtest/gtest.h>

#include "pglens/diagnostic.hpp"
#include "pglens/lint.hpp"

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

SourceFile source(std::string text) {
  SourceFile file;
  file.path = "q.sql";
  file.text = std::move(text);
  return file;
}

Diagnostic replacing(std::string rule, Span at, std::string replacement) {
  Diagnostic d(std::move(rule), at, "m");
  d.fix(Fix{"f", {{at, std::move(replacement)}}, true});
  return d;
}

// A fix round that leaves a statement that no longer parses is retried fix by fix: the
// breaking fix is left out and named, the others still apply.
TEST(LinterFix, FixThatBreaksTheSqlIsLeftOut) {
  std::vector<Diagnostic> ds{replacing("good-rule", {7, 8}, "10"), replacing("breaking-rule", {10, 16}, "SELEC")};
  Config config;
  config.select = {"select-star"};
  auto result = Linter{config}.fix(source("SELECT 1;\nSELECT 2;\n"), Catalog::none(), ds, false);
  EXPECT_EQ(result.text, "SELECT 10;\nSELECT 2;\n");
  EXPECT_EQ(result.applied, 1u);
  EXPECT_EQ(result.reverted, std::vector<std::string>{"breaking-rule"});
}

TEST(LinterFix, TextThatDidNotParseMayStillBeFixedElsewhere) {
  std::vector<Diagnostic> ds{replacing("good-rule", {16, 17}, "3")};
  auto result = Linter{Config{}}.fix(source("SELEC 1;\nSELECT 2;\n"), Catalog::none(), ds, false);
  EXPECT_EQ(result.text, "SELEC 1;\nSELECT 3;\n");
  EXPECT_TRUE(result.reverted.empty());
}

}  // namespace
}  // namespace pglens
