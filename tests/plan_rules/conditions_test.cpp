// Plan conditions read with libpg_query: columns, operators, constants, wrappers.
#include <gtest/gtest.h>

#include "rules/api/plan_conditions.hpp"

namespace pglens::detail {
namespace {

TEST(PlanConditions, SplitsConjunctsAndDropsTheCastsPostgresAdds) {
  sql::Parser parser;
  auto c = parse_condition("((status)::text = 'pending'::text) AND (amount > '900'::numeric) AND (note IS NOT NULL)",
                           parser);
  ASSERT_TRUE(c.parsed);
  ASSERT_EQ(c.conjuncts.size(), 3u);
  EXPECT_EQ(c.conjuncts[0].column.column, "status");
  EXPECT_EQ(c.conjuncts[0].op, CompareOp::equality);
  EXPECT_EQ(c.conjuncts[0].constant, "'pending'");
  EXPECT_EQ(c.conjuncts[0].text, "status = 'pending'");
  EXPECT_TRUE(c.conjuncts[0].expression.empty());
  EXPECT_EQ(c.conjuncts[1].op, CompareOp::range);
  EXPECT_EQ(c.conjuncts[1].text, "amount > '900'");
  EXPECT_TRUE(c.conjuncts[2].is_null_test);
  EXPECT_EQ(c.conjuncts[2].op, CompareOp::other);
  ASSERT_EQ(c.columns.size(), 3u);
  EXPECT_EQ(c.columns[1].column, "amount");
}

TEST(PlanConditions, ConstantOnTheLeftIsFlipped) {
  sql::Parser parser;
  auto c = parse_condition("(100 < amount)", parser);
  ASSERT_EQ(c.conjuncts.size(), 1u);
  EXPECT_EQ(c.conjuncts[0].column.column, "amount");
  EXPECT_EQ(c.conjuncts[0].text, "amount > 100");
  EXPECT_EQ(c.conjuncts[0].op, CompareOp::range);
}

TEST(PlanConditions, FunctionsAndCastsOnTheColumnAreWrappers) {
  sql::Parser parser;
  auto c = parse_condition(
      "(date_trunc('month'::text, (created)::timestamp with time zone) = '2024-02-01 00:00:00+00'::timestamp with "
      "time zone)",
      parser);
  ASSERT_EQ(c.conjuncts.size(), 1u);
  EXPECT_EQ(c.conjuncts[0].column.column, "created");
  EXPECT_EQ(c.conjuncts[0].wrapper, "date_trunc()");
  EXPECT_EQ(c.conjuncts[0].expression, "date_trunc('month', created::timestamp with time zone)");
  auto cast = parse_condition("((created)::text = '2024-02-10'::text)", parser);
  // A cast to text is one PostgreSQL adds to varchar columns too: transparent.
  EXPECT_TRUE(cast.conjuncts[0].wrapper.empty());
  EXPECT_EQ(cast.conjuncts[0].cast, "::text");  // still recorded: on a date partition key it defeats pruning
  auto to_date = parse_condition("((created_at)::date = '2024-02-10'::date)", parser);
  EXPECT_EQ(to_date.conjuncts[0].wrapper, "::date");
  EXPECT_EQ(to_date.conjuncts[0].expression, "created_at::date");
}

TEST(PlanConditions, JoinConditionsNameBothColumns) {
  sql::Parser parser;
  auto c = parse_condition("(o.id = i.order_id)", parser);
  ASSERT_EQ(c.conjuncts.size(), 1u);
  EXPECT_EQ(c.conjuncts[0].column, (ColumnName{"o", "id"}));
  EXPECT_EQ(c.conjuncts[0].other_column, (ColumnName{"i", "order_id"}));
  EXPECT_TRUE(refers_to(c.conjuncts[0].other_column, "order_items", "i"));
  EXPECT_FALSE(refers_to(c.conjuncts[0].column, "order_items", "i"));
  EXPECT_TRUE(refers_to({"", "x"}, "order_items", "i"));
}

TEST(PlanConditions, ParamsOrAndAnyAreRead) {
  sql::Parser parser;
  auto p = parse_condition("(created = $1)", parser);
  EXPECT_EQ(p.conjuncts[0].param, "$1");
  auto any = parse_condition("(id = ANY ('{1,2,3}'::integer[]))", parser);
  EXPECT_EQ(any.conjuncts[0].op, CompareOp::equality);
  auto o = parse_condition("((a = 1) OR (b = 2))", parser);
  ASSERT_EQ(o.conjuncts.size(), 1u);
  EXPECT_TRUE(o.conjuncts[0].has_or);
  EXPECT_EQ(o.columns.size(), 2u);
}

TEST(PlanConditions, WhatDoesNotParseIsReportedSo) {
  sql::Parser parser;
  EXPECT_FALSE(parse_condition("(hashed SubPlan 1)", parser).parsed);
  EXPECT_FALSE(parse_condition("", parser).parsed);
  EXPECT_FALSE(parse_condition("1); DROP TABLE x; SELECT (1", parser).parsed);
}

TEST(PlanConditions, SortKeys) {
  sql::Parser parser;
  auto k = parse_sort_key("o.created_at DESC", parser);
  EXPECT_EQ(k.column, (ColumnName{"o", "created_at"}));
  EXPECT_TRUE(k.descending);
  EXPECT_TRUE(k.nulls_first);
  auto e = parse_sort_key("(lower(email))", parser);
  EXPECT_TRUE(e.column.column.empty());
  EXPECT_EQ(e.expression, "lower(email)");
}

// Found by fuzz/plan_conditions_fuzz.cpp: conditions nested thousands deep (calls, arithmetic,
// casts) overflowed the stack while rendered; they read as far as is sane, never crash.
TEST(PlanConditions, DeeplyNestedConditionsDoNotOverflowTheStack) {
  sql::Parser parser;
  auto repeat = [](std::string_view s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  for (const std::string& text :
       {repeat("f(", 3000) + "a" + repeat(")", 3000) + " = 1", "a = " + repeat("(1 + ", 3000) + "1" + repeat(")", 3000),
        repeat("(", 3000) + "a::text" + repeat("::text", 3000) + repeat(")", 3000) + " = 'x'"}) {
    auto c = parse_condition(text, parser);
    for (const auto& conjunct : c.conjuncts) EXPECT_LT(conjunct.text.size(), text.size() * 2);
    (void)parse_sort_key(text, parser);
  }
}

// Every conjunct says what it is, so a rule can name the predicate that defeated it.
TEST(PlanConditions, ConjunctsCarryTheirOperatorAndParameters) {
  sql::Parser parser;
  auto c = parse_condition("(($1 IS NULL) OR (created = $1)) AND (kind <> 3) AND (id IN (1, 2)) AND (x IS NOT NULL)",
                           parser);
  ASSERT_EQ(c.conjuncts.size(), 4u);
  EXPECT_EQ(c.conjuncts[0].operator_text, "OR");
  EXPECT_TRUE(c.conjuncts[0].has_param);
  EXPECT_EQ(c.conjuncts[1].operator_text, "<>");
  EXPECT_FALSE(c.conjuncts[1].has_param);
  EXPECT_EQ(c.conjuncts[2].operator_text, "IN");
  EXPECT_EQ(c.conjuncts[3].operator_text, "IS NOT NULL");
}

}  // namespace
}  // namespace pglens::detail
