// Golden files of `pglens explain` with the plan rules' findings, text and json, rendered by
// the real binary over captured plans: several findings with their DDL, a healthy plan, and a
// plan read with its query (--sql) and a catalog from DDL (real columns; existing indexes not
// suggested again). Output to a pipe carries no colour; the json parses.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/fixtures.hpp"

namespace pglens {
namespace {

struct Case {
  const char* name;
  const char* args;  // relative to testdata/explain
  size_t findings;   // what the plan rules find on it
};

constexpr Case kCases[] = {
    {"several-findings", "../plan-rules/workers-not-launched/none-launched.txt", 3},
    {"two-indexes", "../plan-rules/nested-loop-inner-scan/seq-inner.txt", 2},
    {"partitions", "../plan-rules/partition-pruning-miss/function-on-key.txt", 1},
    {"healthy", "../plan-rules/seq-scan-large/primary-key-ok.txt", 0},
    {"catalog-and-sql",
     "--config catalog/.pglens.toml --sql catalog/query.sql ../plan-rules/nested-loop-inner-scan/seq-inner.txt", 2},
    // Time outside the tree named as the bottleneck: a foreign key's trigger, PostgreSQL 17's serialization.
    {"trigger", "../plan-rules/trigger-time/fk-delete-unindexed.txt", 1},
    {"serialization", "serialization.txt", 1},
};

class ExplainGolden : public ::testing::TestWithParam<Case> {};

TEST_P(ExplainGolden, TextMatchesTheGoldenFile) {
  const Case& c = GetParam();
  auto dir = test::testdata("explain");
  auto r = test::run_pglens(std::string("explain ") + c.args, {}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << "colour escapes written to a pipe";
  if (c.findings == 0) {
    EXPECT_NE(r.out.find("No problems found"), std::string::npos) << r.out;
  } else {
    EXPECT_NE(r.out.find("Findings (" + std::to_string(c.findings) + ", worst first)"), std::string::npos) << r.out;
  }
  test::expect_golden(dir / (std::string(c.name) + ".text.expected"), r.out);
}

TEST_P(ExplainGolden, JsonParsesAndMatchesTheGoldenFile) {
  const Case& c = GetParam();
  auto dir = test::testdata("explain");
  auto r = test::run_pglens(std::string("explain --format json ") + c.args, {}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json doc;
  ASSERT_NO_THROW(doc = nlohmann::json::parse(r.out)) << r.out;
  ASSERT_EQ(doc["plans"].size(), 1u);
  const auto& plan = doc["plans"][0];
  EXPECT_EQ(plan["healthy"], c.findings == 0);
  ASSERT_EQ(plan["findings"].size(), c.findings);
  double previous = 1.0;
  for (const auto& f : plan["findings"]) {
    EXPECT_FALSE(f["message"].get<std::string>().empty());
    EXPECT_FALSE(f["why"].get<std::string>().empty());
    EXPECT_LE(f["impact"].get<double>(), previous) << "findings ordered by impact";
    previous = f["impact"].get<double>();
  }
  test::expect_golden(dir / (std::string(c.name) + ".json.expected"), r.out);
}

INSTANTIATE_TEST_SUITE_P(Plans, ExplainGolden, ::testing::ValuesIn(kCases), [](const auto& param_info) {
  std::string name = param_info.param.name;
  for (char& ch : name)
    if (ch == '-') ch = '_';
  return name;
});

// With the catalog, the index orders already has (orders_created_at_idx) is not suggested
// again; the one order_items lacks is, on its real column.
TEST(ExplainGolden, CatalogSkipsAnExistingIndexAndKeepsTheMissingOne) {
  auto dir = test::testdata("explain");
  auto without = test::run_pglens("explain --format json ../plan-rules/nested-loop-inner-scan/seq-inner.txt", {}, dir);
  auto with = test::run_pglens(std::string("explain --format json ") + kCases[4].args, {}, dir);
  ASSERT_EQ(without.exit_code, 0) << without.err;
  ASSERT_EQ(with.exit_code, 0) << with.err;
  auto tables = [](const std::string& out) {
    std::vector<std::string> t;
    nlohmann::json doc = nlohmann::json::parse(out);  // named: a loop over a temporary's member dangles
    for (const auto& i : doc["plans"][0]["indexes"]) t.push_back(i["table"]);
    return t;
  };
  EXPECT_EQ(tables(without.out), (std::vector<std::string>{"orders", "order_items"}));
  EXPECT_EQ(tables(with.out), (std::vector<std::string>{"order_items"}));
}

}  // namespace
}  // namespace pglens
