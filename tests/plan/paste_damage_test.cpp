// Paste damage the reader undoes (issue 14): every line in single quotes, a JSON plan
// exported as one CSV field, indentation mixing tabs and spaces, a server log entry after a
// tab-indented auto_explain plan; a node line cut after "(actual", which is a warning; psql's
// border and wrap styles, other indentation steps and PostgreSQL <= 9.3's "Total runtime".
#include <gtest/gtest.h>

#include "plan/plan_test_util.hpp"

namespace pglens::test {
namespace {

// Each line of `text` through `f`.
template <class F>
std::string each_line(const std::string& text, F f) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    out += f(text.substr(pos, eol - pos)) + "\n";
    pos = eol + 1;
  }
  return out;
}

std::string doubled(const std::string& s, char quote) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == quote) out += quote;
  }
  return out;
}

TEST(PlanPasteDamage, EveryLineInSingleQuotes) {
  std::string original = read_file(testdata("plan/figures/hash_join_temp.txt"));
  // As a SQL client copies each cell: a literal, quotes inside doubled ('fee' -> ''fee'').
  std::string pasted = each_line(original, [](const std::string& l) { return "'" + doubled(l, '\'') + "'"; });
  ASSERT_NE(pasted.find("''90''::numeric"), std::string::npos);
  auto expected = read_one(original);
  auto got = read_one(pasted);
  EXPECT_EQ(plan::describe(got), plan::describe(expected));
  EXPECT_EQ(got.nodes[2].filter, "(amount < '90'::numeric)");
}

TEST(PlanPasteDamage, JsonPlanExportedAsOneCsvField) {
  std::string json = read_file(testdata("plan/captured/join_hash.json"));
  auto expected = read_one(json);
  for (std::string header : {"", "QUERY PLAN\n", "\"QUERY PLAN\"\n"}) {
    SCOPED_TRACE(header);
    std::string csv = header + "\"" + doubled(json.substr(0, json.find_last_not_of('\n') + 1), '"') + "\"\n";
    auto got = read_one(csv);
    EXPECT_EQ(plan::describe(got), plan::describe(expected));
    // Node lines are the export's lines: one more with a header.
    EXPECT_EQ(got.nodes[1].lines.first, expected.nodes[1].lines.first + (header.empty() ? 0 : 1));
  }
}

TEST(PlanPasteDamage, IndentationMixingTabsAndSpaces) {
  // An editor with tabs of 4 turned each run of four leading spaces into a tab.
  std::string original = read_file(testdata("plan/figures/cte_sort_spill_in_cte.txt"));
  std::string pasted = each_line(original, [](const std::string& l) {
    size_t lead = l.find_first_not_of(' ');
    if (lead == std::string::npos) return l;
    return std::string(lead / 4, '\t') + std::string(lead % 4, ' ') + l.substr(lead);
  });
  ASSERT_NE(pasted.find("\t\t  ->  Sort"), std::string::npos);
  auto got = read_one(pasted);
  auto expected = read_one(original);
  EXPECT_EQ(plan::describe(got), plan::describe(expected));
  ASSERT_EQ(got.nodes.size(), 7u);
  EXPECT_EQ(got.nodes[2].node_type, "Sort");
  EXPECT_EQ(got.nodes[2].parent, 1);
}

TEST(PlanPasteDamage, LogEntryAfterATabIndentedPlanIsNotGluedToItsLastLine) {
  const char* log =
      "2026-12-01 10:00:01.123 UTC [4242] LOG:  duration: 12.345 ms  plan:\n"
      "\tQuery Text: SELECT * FROM orders WHERE status = $1\n"
      "\tSeq Scan on orders  (cost=0.00..4334.00 rows=666 width=33) (actual time=0.015..12.001 rows=650 loops=1)\n"
      "\t  Filter: (status = 'refunded'::text)\n"
      "\t  Rows Removed by Filter: 199350\n"
      "2026-12-01 10:00:02.001 UTC [4243] LOG:  checkpoint starting: time\n";
  auto p = read_one(log);
  ASSERT_EQ(p.nodes.size(), 1u);
  EXPECT_DOUBLE_EQ(p.nodes[0].rows_removed_by_filter.value_or(-1), 199350);
  EXPECT_DOUBLE_EQ(p.log_duration_ms.value_or(-1), 12.345);
}

TEST(PlanPasteDamage, LineCutAfterActualIsAWarning) {
  auto r = plan::read_plans(
      "Sort  (cost=714.23..714.73 rows=200 width=14) (actual time=20.905..20.909 rows=50 loops=1)\n"
      "  Sort Key: id\n"
      "  ->  Seq Scan on ledger  (cost=0.00..707.59 rows=200 width=14) (actual\n");
  ASSERT_EQ(r.plans.size(), 1u);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 3u);
  EXPECT_NE(r.errors[0].message.find("ends inside '(actual"), std::string::npos) << r.errors[0].message;
}

TEST(PlanPasteDamage, SectionsWithoutNumbersFromPostgreSQL8) {
  // psql 8.x, as old blog posts and mailing-list threads show plans: "InitPlan" / "SubPlan"
  // without a number, "Total runtime".
  auto p = read_one(
      "                                   QUERY PLAN\n"
      "---------------------------------------------------------------------------------\n"
      " Seq Scan on orders  (cost=0.01..4334.01 rows=1 width=33) (actual time=0.020..31.001 rows=1 loops=1)\n"
      "   Filter: (id = $0)\n"
      "   InitPlan\n"
      "     ->  Result  (cost=0.00..0.01 rows=1 width=0) (actual time=0.002..0.003 rows=1 loops=1)\n"
      " Total runtime: 31.101 ms\n"
      "(5 rows)\n");
  ASSERT_EQ(p.nodes.size(), 2u);
  EXPECT_EQ(p.nodes[1].subplan_name, "InitPlan");
  EXPECT_EQ(p.nodes[1].parent_relationship, "InitPlan");
  EXPECT_NEAR(p.nodes[0].metrics.exclusive_time_ms, 31.001 - 0.003, 1e-9);
  EXPECT_DOUBLE_EQ(p.execution_time_ms.value_or(-1), 31.101);
}

// The same plan (a SubPlan, an InitPlan, five levels: captured on PostgreSQL 15) as psql
// prints it in each border style, aligned and wrapped at 90-100 columns, in the ascii,
// old-ascii and unicode line styles: one tree with the same rows, loops and buffers.
TEST(PlanPasteDamage, EveryPsqlBorderAndWrapStyleReadsAsOneTree) {
  plan::DescribeOptions shape;
  shape.timings = false;
  shape.summary = false;
  auto expected = read_one(read_file(testdata("plan-paste/subplan_plain.txt")));
  ASSERT_EQ(expected.nodes.size(), 8u);
  for (const char* style : {"b0_aligned", "b0_wrapped", "b1_aligned", "b1_wrapped", "b2_aligned", "b2_wrapped",
                            "u1_wrapped", "u2_wrapped", "old_ascii_wrapped", "old_ascii_b2_wrapped"}) {
    SCOPED_TRACE(style);
    std::string text = read_file(testdata(std::string("plan-paste/subplan_psql_") + style + ".txt"));
    auto got = read_one(text);
    EXPECT_EQ(plan::describe(got, shape), plan::describe(expected, shape));
    EXPECT_EQ(got.nodes[7].index_cond, "((rental_date IS NOT NULL) AND (customer_id = c.customer_id))");
    EXPECT_TRUE(got.execution_time_ms.has_value());
  }
}

// Leading spaces regrouped: every run of six (PostgreSQL's step per level) became `step`
// spaces, as editors and chat tools that re-indent do. The "->" of a child may then sit
// left of its parent's name: the arrows' columns still give the tree.
TEST(PlanPasteDamage, ArrowStepsOfThreeToEightSpacesKeepTheTree) {
  std::string original = read_file(testdata("plan-paste/subplan_plain.txt"));
  auto expected = read_one(original);
  // (Two spaces per six would put an InitPlan's "->" left of its own header: no tree is left.)
  for (size_t step : {3u, 4u, 8u}) {
    SCOPED_TRACE(step);
    std::string pasted = each_line(original, [&](const std::string& l) {
      size_t n = l.find_first_not_of(' ');
      if (n == std::string::npos) return l;
      return std::string(n / 6 * step + n % 6, ' ') + l.substr(n);
    });
    auto got = read_one(pasted);
    EXPECT_EQ(plan::describe(got), plan::describe(expected));
  }
}

// psql up to 9.3: no Planning Time, "Total runtime:" instead of "Execution Time:", and the
// QUERY PLAN header with its rule and the row count.
TEST(PlanPasteDamage, TotalRuntimeOfPostgreSQL93) {
  std::string original = read_file(testdata("plan-paste/subplan_plain.txt"));
  std::string old = original.substr(0, original.find("Planning:"));
  old = "QUERY PLAN\n----------\n" + old + "Total runtime: 1566.787 ms\n(26 rows)\n";
  auto got = read_one(old);
  auto expected = read_one(original);
  plan::DescribeOptions tree;
  tree.summary = false;
  EXPECT_EQ(plan::describe(got, tree), plan::describe(expected, tree));
  EXPECT_DOUBLE_EQ(got.execution_time_ms.value_or(-1), 1566.787);
  EXPECT_FALSE(got.planning_time_ms.has_value());
}

}  // namespace
}  // namespace pglens::test
