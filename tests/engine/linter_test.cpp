#include <gtest/gtest.h>

#include "pglens/lint.hpp"
#include "pglens/rule.hpp"

namespace pglens {
namespace {

std::vector<Diagnostic> lint(std::string text, Config config = {}) {
  SourceFile f;
  DecodeError e;
  EXPECT_TRUE(decode_source("t.sql", std::move(text), f, e));
  return Linter(config).lint(f);
}

TEST(Linter, SpansAreExactBytesEvenAfterMultibyteText) {
  std::string text = "SELECT 'ééé' AS a; SELECT t.* FROM t;";
  auto ds = lint(text);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(text.substr(ds[0].span.begin, ds[0].span.end - ds[0].span.begin), "t.*");
}

TEST(Linter, SyntaxErrorLandsAtTheReportedPositionInItsStatement) {
  std::string text = "SELECT 1;\nSELECT 'ü' frm x;\nSELECT * FROM t;";
  auto ds = lint(text);
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds[0].rule, "syntax-error");
  EXPECT_EQ(text.substr(ds[0].span.begin, ds[0].span.end - ds[0].span.begin), "x");
  EXPECT_NE(ds[0].message.find("syntax error at or near"), std::string::npos);
  EXPECT_EQ(ds[1].rule, "select-star");
}

TEST(Linter, ManyStatementsAcrossChunksKeepTheirOwnPositions) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += (i % 100 == 7) ? "SELECT * FROM t;\n" : "SELECT a, b, c FROM t WHERE x = 1;\n";
  text += "SELECT oops FROM;\n";
  auto ds = lint(text);
  ASSERT_EQ(ds.size(), 21u);
  for (size_t i = 0; i < 20; ++i) {
    EXPECT_EQ(ds[i].rule, "select-star");
    EXPECT_EQ(text.substr(ds[i].span.begin, 1), "*");
  }
  EXPECT_EQ(ds[20].rule, "syntax-error");
}

TEST(Linter, DisabledRulesDoNotReport) {
  Config c;
  c.ignore = {"select-star"};
  EXPECT_TRUE(lint("SELECT * FROM t;", c).empty());
}

TEST(Linter, SeverityComesFromConfig) {
  Config c;
  c.rules["select-star"].severity = Severity::error;
  auto ds = lint("SELECT * FROM t;", c);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].severity, Severity::error);
}

TEST(Linter, FileLevelSuppression) {
  auto ds = lint("-- pglens-ignore-file: select-star\nSELECT * FROM a;\nSELECT * FROM b;\n");
  EXPECT_TRUE(ds.empty());
  ds = lint("-- pglens-ignore-file: select-star\nSELECT 1;\n");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].rule, "unused-ignore");
}

TEST(Linter, OwnLineSuppressionCoversTheWholeNextStatementOnly) {
  auto ds = lint("-- pglens-ignore: select-star\nSELECT a,\n  t.*\nFROM t;\nSELECT * FROM u;\n");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].rule, "select-star");
  EXPECT_EQ(ds[0].span.begin, std::string("-- pglens-ignore: select-star\nSELECT a,\n  t.*\nFROM t;\nSELECT ").size());
}

TEST(Linter, BlockCommentSuppressionAndReason) {
  EXPECT_TRUE(lint("SELECT * FROM t; /* pglens-ignore: select-star because reasons */").empty());
}

TEST(Linter, EmptyAndCommentOnlyFilesAreClean) {
  EXPECT_TRUE(lint("").empty());
  EXPECT_TRUE(lint("-- nothing here\n/* at all */\n").empty());
  EXPECT_TRUE(lint("\n\n;;;\n").empty());
}

std::string nested(int depth) {
  std::string text = "SELECT * FROM t WHERE x = ";
  for (int i = 0; i < depth; ++i) text += "(";
  text += "1";
  for (int i = 0; i < depth; ++i) text += ")";
  return text + ";";
}

TEST(Linter, DeepNestingIsLintedOrReportedNeverACrash) {
  auto ds = lint(nested(2000));
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].rule, "select-star");
  ds = lint(nested(100000));  // past PostgreSQL's own stack limit
  ASSERT_FALSE(ds.empty());
  EXPECT_EQ(ds.back().rule, "syntax-error");
}

// PostgreSQL's grammar accepts these without limit and builds trees as deep as they are long;
// the rules walk trees recursively, so the linter must refuse them rather than overflow.
TEST(Linter, TreesDeeperThanAThousandLevelsAreReportedNotWalked) {
  std::string sum = "SELECT ";
  std::string negations = "SELECT ";
  std::string conjunction = "SELECT * FROM t WHERE ";
  for (int i = 0; i < 100000; ++i) {
    sum += i ? "+1" : "1";
    negations += "- ";  // "--" would start a comment
    conjunction += i ? " AND a = 1" : "a = 1";
  }
  negations += "1";
  // The left-deep sum parses (PostgreSQL builds it without limit) and is refused by depth,
  // as info: it is valid SQL; the right-nested negations overflow the grammar's own stack
  // first ("memory exhausted"), as they do in PostgreSQL.
  for (const auto& [text, rule] : {std::pair{sum, "too-deep-to-analyze"}, std::pair{negations, "syntax-error"}}) {
    auto ds = lint(text + ";\nSELECT * FROM t;");
    ASSERT_EQ(ds.size(), 2u) << text.substr(0, 40);
    EXPECT_EQ(ds[0].rule, rule);
    EXPECT_EQ(ds[1].rule, "select-star");  // the next statement is still linted
  }
  EXPECT_NE(lint(sum + ";")[0].message.find("deeper than 20000 levels"), std::string::npos);
  // A long AND list is one flat BoolExpr: linted as usual.
  auto ds = lint(conjunction + ";");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].rule, "select-star");
  // 900 levels is deep, but within the limit: linted.
  std::string shallow = "SELECT * FROM t WHERE a = 1";
  for (int i = 0; i < 900; ++i) shallow += "+1";
  ds = lint(shallow + ";");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].rule, "select-star");
}

}  // namespace
}  // namespace pglens
