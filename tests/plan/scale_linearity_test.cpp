// Issue 19, "Scale without cliffs": reading and showing a plan grows linearly with its nodes,
// on the two shapes that were quadratic (a one-line minified JSON plan: each node's lines
// were searched for to the end of the text; a deep plan: its text output). Counts, not time:
// allocations (number, bytes, peak held) at n, 2n and 4n nodes, and the bytes printed;
// growth() of tests/catalog/alloc_count.hpp is 2 for a linear cost and 4 for a quadratic one.
#include <gtest/gtest.h>

#include <string>

#include "pglens/plan.hpp"
#include "support/fixtures.hpp"
#include "tests/catalog/alloc_count.hpp"

namespace pglens {
namespace {

using test::AllocCount;
using test::count_allocations;
using test::growth;

constexpr double kLinear = 2.2;

// bench/gen_scale_plans.py's shapes: an Append of n - 1 Seq Scans, and a chain of n nodes.
std::string scan(int i) {
  std::string name = "events_p" + std::to_string(i);
  return R"({"Node Type":"Seq Scan","Parent Relationship":"Member","Parallel Aware":false,"Relation Name":")" + name +
      R"(","Alias":")" + name +
      R"(","Startup Cost":0.00,"Total Cost":35.50,"Plan Rows":2550,"Plan Width":4,"Actual Startup Time":0.004,)"
      R"j("Actual Total Time":0.010,"Actual Rows":12,"Actual Loops":1,"Filter":"(kind = 3)","Rows Removed by Filter":40})j";
}

std::string wide_json(int nodes) {
  std::string out =
      R"([{"Plan":{"Node Type":"Append","Parallel Aware":false,"Startup Cost":0.00,"Total Cost":1000.00,)"
      R"("Plan Rows":1000,"Plan Width":4,"Actual Startup Time":0.010,"Actual Total Time":5.000,"Actual Rows":1000,)"
      R"("Actual Loops":1,"Plans":[)";
  for (int i = 1; i < nodes; ++i) out += (i > 1 ? "," : "") + scan(i);
  return out + R"(]},"Planning Time":12.345,"Execution Time":6.000}])" + "\n";
}

std::string deep_json(int nodes) {
  std::string out = R"([{"Plan":)";
  for (int i = 1; i < nodes; ++i)
    out += R"({"Node Type":"Limit","Parent Relationship":"Outer","Startup Cost":0.00,"Total Cost":35.50,)"
           R"("Plan Rows":12,"Plan Width":4,"Actual Startup Time":0.004,"Actual Total Time":0.020,"Actual Rows":12,)"
           R"("Actual Loops":1,"Plans":[)";
  out += scan(nodes);
  for (int i = 1; i < nodes; ++i) out += "]}";
  return out + R"(,"Planning Time":1.0,"Execution Time":1.0}])" + "\n";
}

void expect_linear(const AllocCount (&c)[3], const std::string& what) {
  EXPECT_LE(growth(c[0].allocations, c[1].allocations, c[2].allocations), kLinear)
      << what << ": allocations " << c[0].allocations << ", " << c[1].allocations << ", " << c[2].allocations;
  EXPECT_LE(growth(c[0].bytes, c[1].bytes, c[2].bytes), kLinear)
      << what << ": bytes " << c[0].bytes << ", " << c[1].bytes << ", " << c[2].bytes;
  EXPECT_LE(growth(c[0].peak_live, c[1].peak_live, c[2].peak_live), kLinear)
      << what << ": peak bytes " << c[0].peak_live << ", " << c[1].peak_live << ", " << c[2].peak_live;
}

TEST(PlanScaleLinearity, OneLineJsonPlanReadGrowsLinearly) {
  if (!test::alloc_counting_available()) GTEST_SKIP() << "allocations are counted in the release build only";
  constexpr int kN = 2000;
  AllocCount counts[3];
  for (int k = 0; k < 3; ++k) {
    std::string json = wide_json(kN << k);
    plan::ReadResult r;
    counts[k] = count_allocations([&] { r = plan::read_plans(json); });
    ASSERT_EQ(r.plans.size(), 1u);
    EXPECT_EQ(r.plans[0].nodes.size(), static_cast<size_t>(kN << k));
    EXPECT_TRUE(r.errors.empty());
  }
  expect_linear(counts, "one-line JSON plan");
}

TEST(PlanScaleLinearity, TooDeepJsonPlanIsRefusedAtLinearCost) {
  if (!test::alloc_counting_available()) GTEST_SKIP() << "allocations are counted in the release build only";
  constexpr int kN = 2000;
  AllocCount counts[3];
  for (int k = 0; k < 3; ++k) {
    std::string json = deep_json(kN << k);
    plan::ReadResult r;
    counts[k] = count_allocations([&] { r = plan::read_plans(json); });
    EXPECT_TRUE(r.plans.empty());
    ASSERT_FALSE(r.errors.empty());
    EXPECT_NE(r.errors[0].message.find("levels deep (deeper than 1000)"), std::string::npos) << r.errors[0].message;
  }
  expect_linear(counts, "deep JSON plan");
}

// What `pglens explain` prints grows as its input: bytes out at n, 2n and 4n nodes.
TEST(PlanScaleLinearity, ExplainOutputOfAOneLinePlanGrowsLinearly) {
  test::TempDir dir;
  size_t out[3];
  for (int k = 0; k < 3; ++k) {
    auto file = dir / ("wide" + std::to_string(k) + ".json");
    test::write_file(file, wide_json(500 << k));
    auto r = test::run_pglens("explain --color never '" + file.string() + "'");
    ASSERT_EQ(r.exit_code == 0 || r.exit_code == 1, true) << r.err;
    EXPECT_NE(r.out.find("events_p" + std::to_string((500 << k) - 1)), std::string::npos);
    out[k] = r.out.size();
  }
  EXPECT_LE(growth(out[0], out[1], out[2]), kLinear) << out[0] << ", " << out[1] << ", " << out[2];
}

}  // namespace
}  // namespace pglens
