// Machine-written chains PostgreSQL runs (a sum of a thousand terms, a UNION ALL of
// thousands of branches) are analysed like any statement: walked on a large stack, never a
// syntax error.
#include <gtest/gtest.h>

#include <string>

#include "pglens/lint.hpp"
#include "sql/lexer.hpp"
#include "sql/parser.hpp"

namespace pglens {
namespace {

std::vector<Diagnostic> lint(std::string text) {
  Config config;
  Linter linter(config);
  return linter.lint(SourceFile{.path = "report.sql", .text = std::move(text)}, Catalog::none());
}

std::vector<std::string> rules_of(const std::vector<Diagnostic>& diags) {
  std::vector<std::string> out;
  for (const auto& d : diags) out.push_back(d.rule);
  return out;
}

TEST(DeepStatements, AUnionAllOfFiveThousandBranchesIsAnalysed) {
  // The first branch is the deepest in PostgreSQL's left-deep tree: its finding shows the
  // whole tree was walked.
  std::string text = "SELECT id FROM orders WHERE customer_id NOT IN (SELECT customer_id FROM blocked)";
  for (int i = 1; i < 5000; ++i) text += "\nUNION ALL SELECT " + std::to_string(i);
  text += ";\n";
  EXPECT_EQ(rules_of(lint(text)), (std::vector<std::string>{"not-in-subquery"}));
}

TEST(DeepStatements, ASumOfAThousandTermsIsAnalysed) {
  std::string text = "SELECT 1";
  for (int i = 0; i < 3000; ++i) text += "+amount";
  text += " FROM payments WHERE id NOT IN (SELECT payment_id FROM refunds);";
  EXPECT_EQ(rules_of(lint(text)), (std::vector<std::string>{"not-in-subquery"}));
}

TEST(DeepStatements, BeyondTwentyThousandLevelsIsInfoNotASyntaxError) {
  std::string text = "SELECT 1";
  for (int i = 0; i < 25000; ++i) text += "+1";
  text += ";\nSELECT * FROM orders;\n";
  auto diags = lint(text);
  ASSERT_EQ(rules_of(diags), (std::vector<std::string>{"too-deep-to-analyze", "select-star"}));
  EXPECT_EQ(diags[0].severity, Severity::info);
}

// The schema loader reads statements later on its own stack: there the 1,000-level limit
// holds, and the statement is refused as too deep, not misread.
TEST(DeepStatements, StatementsReadLaterKeepTheShallowLimit) {
  std::string text = "SELECT 1";
  for (int i = 0; i < 1500; ++i) text += "+1";
  text += "; SELECT 2;";
  sql::ParsedStatements parsed(text, sql::lex(text).statements);
  ASSERT_EQ(parsed.statements().size(), 2u);
  ASSERT_TRUE(parsed.statements()[0].error);
  EXPECT_TRUE(parsed.statements()[0].error->too_deep);
  EXPECT_TRUE(parsed.statements()[1].root);
}

}  // namespace
}  // namespace pglens
