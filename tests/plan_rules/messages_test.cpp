// What plan rule messages say about figures that depend on how a node ran (loops, workers).
#include <gtest/gtest.h>

#include "pglens/plan.hpp"
#include "pglens/plan_rules.hpp"
#include "support/fixtures.hpp"

namespace pglens {
namespace {

std::vector<std::string> messages_of(const std::string& fixture, const std::string& rule) {
  auto read = plan::read_plans(test::read_file(test::testdata("plan-rules/" + fixture)));
  EXPECT_EQ(read.plans.size(), 1u);
  std::vector<std::string> out;
  if (read.plans.empty()) return out;
  for (const auto& f : plan::diagnose(read.plans.front(), Config{}, Catalog::none()).findings)
    if (f.rule == rule) out.push_back(f.message);
  return out;
}

TEST(PlanRuleMessages, HashSpillCountsTheRowsOfOneTable) {
  auto messages = messages_of("hash-spill/worker-hashes.json", "hash-spill");
  ASSERT_EQ(messages.size(), 2u);
  // Parallel Hash: one table shared by the 3 processes, 472,962 rows in all.
  EXPECT_NE(messages[0].find("for 472,962 rows"), std::string::npos) << messages[0];
  EXPECT_EQ(messages[0].find("built"), std::string::npos) << messages[0];
  // A plain Hash under a parallel join: each process builds its own table of 60,000 rows.
  EXPECT_NE(messages[1].find("for 60,000 rows"), std::string::npos) << messages[1];
  EXPECT_NE(messages[1].find("built 3 times"), std::string::npos) << messages[1];
}

}  // namespace
}  // namespace pglens
