// The derived figures, one rule each, as docs/plan-metrics.md describes them.
#include <gtest/gtest.h>

#include "plan/plan_test_util.hpp"

namespace pglens::test {
namespace {

TEST(PlanMetrics, ExclusiveTimeSubtractsChildrenAndScalesLoops) {
  auto p = read_one(
      "Nested Loop  (cost=0.29..37.42 rows=20 width=8) (actual time=0.015..10.000 rows=20 loops=1)\n"
      "  ->  Seq Scan on a  (cost=0.00..1.20 rows=20 width=4) (actual time=0.004..1.000 rows=20 loops=1)\n"
      "  ->  Index Scan using b_pkey on b  (cost=0.29..1.81 rows=1 width=4) (actual time=0.003..0.400 rows=1 "
      "loops=20)\n"
      "        Index Cond: (id = a.id)\n"
      "Execution Time: 10.5 ms\n");
  EXPECT_DOUBLE_EQ(p.nodes[2].metrics.total_time_ms, 8.0);      // 0.4 x 20 loops
  EXPECT_DOUBLE_EQ(p.nodes[0].metrics.exclusive_time_ms, 1.0);  // 10 - 1 - 8
  EXPECT_EQ(p.bottleneck, 2);
  EXPECT_NEAR(p.nodes[2].metrics.share, 8.0 / 10.5, 1e-12);
  EXPECT_DOUBLE_EQ(p.total_time_ms, 10.5);
  EXPECT_DOUBLE_EQ(p.nodes[2].metrics.total_rows, 20);
}

TEST(PlanMetrics, ParallelNodesCountWallClockNotCpuTime) {
  auto p = read_one(read_file(testdata("plan/text/base_analyze.txt")));
  // Parallel Seq Scan: 31.583 ms per loop, 2 loops over 2 processes (1 worker + leader).
  EXPECT_DOUBLE_EQ(p.nodes[7].metrics.total_time_ms, 31.583);
  // Gather Merge waits 41.395 ms; its child runs 32.412 ms on each process.
  EXPECT_NEAR(p.nodes[3].metrics.exclusive_time_ms, 41.395 - 32.412, 1e-9);
  EXPECT_EQ(p.bottleneck, 7);
  // Self times add up to the root's total.
  double sum = 0;
  for (const auto& n : p.nodes) sum += n.metrics.exclusive_time_ms;
  EXPECT_NEAR(sum, p.nodes[0].metrics.total_time_ms, 1e-9);
}

TEST(PlanMetrics, CteTimeIsCountedOnceInTheCteNotInItsScans) {
  auto p = read_one(
      "Hash Join  (cost=1.00..10.00 rows=10 width=8) (actual time=1.000..12.000 rows=10 loops=1)\n"
      "  Hash Cond: (a.k = b.k)\n"
      "  CTE big\n"
      "    ->  Seq Scan on t  (cost=0.00..5.00 rows=100 width=8) (actual time=0.010..9.000 rows=100 loops=1)\n"
      "  ->  CTE Scan on big a  (cost=0.00..2.00 rows=100 width=8) (actual time=0.020..10.000 rows=100 loops=1)\n"
      "  ->  Hash  (cost=2.00..2.00 rows=100 width=8) (actual time=0.500..0.500 rows=100 loops=1)\n"
      "        ->  CTE Scan on big b  (cost=0.00..2.00 rows=100 width=8) (actual time=0.001..0.300 rows=100 "
      "loops=1)\n");
  ASSERT_EQ(p.nodes.size(), 5u);
  EXPECT_EQ(p.nodes[1].subplan_name, "CTE big");
  EXPECT_DOUBLE_EQ(p.nodes[1].metrics.exclusive_time_ms, 9.0);                // the CTE's own work
  EXPECT_DOUBLE_EQ(p.nodes[2].metrics.exclusive_time_ms, 1.0);                // 10 - 9 spent in the CTE
  EXPECT_DOUBLE_EQ(p.nodes[4].metrics.exclusive_time_ms, 0.3);                // the CTE is used up
  EXPECT_DOUBLE_EQ(p.nodes[0].metrics.exclusive_time_ms, 12.0 - 10.0 - 0.5);  // CTE not subtracted twice
  EXPECT_EQ(p.bottleneck, 1);
}

TEST(PlanMetrics, InitPlansAndSubPlansAreSubtractedFromTheirNode) {
  auto p = read_one(read_file(testdata("plan/text/sections_pg15.txt")));
  // Result 0.051 ms; InitPlans 0.031 + 0.012.
  EXPECT_NEAR(p.nodes[0].metrics.exclusive_time_ms, 0.051 - 0.031 - 0.012, 1e-12);
}

TEST(PlanMetrics, NeverExecutedNodesCostNothing) {
  auto p = read_one(read_file(testdata("plan/text/sections_pg17.txt")));
  EXPECT_TRUE(p.nodes[2].never_executed);
  EXPECT_EQ(p.nodes[2].metrics.total_time_ms, 0);
  EXPECT_FALSE(p.nodes[2].metrics.misestimate.has_value());
}

TEST(PlanMetrics, MisestimateUsesRowsTimesLoopsFlooredAtOne) {
  auto p = read_one(
      "Nested Loop  (cost=0.29..37.42 rows=1 width=8) (actual time=0.015..1.000 rows=500 loops=1)\n"
      "  ->  Seq Scan on a  (cost=0.00..1.20 rows=20 width=4) (actual time=0.004..0.007 rows=0 loops=1)\n"
      "  ->  Index Scan using b_pkey on b  (cost=0.29..1.81 rows=2 width=4) (actual time=0.003..0.003 rows=0.5 "
      "loops=40)\n"
      "        Index Cond: (id = a.id)\n");
  EXPECT_DOUBLE_EQ(*p.nodes[0].metrics.misestimate, 500.0);  // 500 found, 1 planned
  EXPECT_DOUBLE_EQ(*p.nodes[1].metrics.misestimate, 20.0);   // 0 found (floored to 1), 20 planned
  EXPECT_DOUBLE_EQ(p.nodes[2].metrics.total_rows, 20.0);     // 0.5 x 40
  EXPECT_DOUBLE_EQ(p.nodes[2].metrics.planned_total_rows, 80.0);
  EXPECT_DOUBLE_EQ(*p.nodes[2].metrics.misestimate, 4.0);
}

TEST(PlanMetrics, RemovedRatioCountsEveryRemovalTimesLoops) {
  auto p = read_one(
      "Seq Scan on orders  (cost=0.00..3982.00 rows=100 width=44) (actual time=0.020..25.000 rows=25 loops=4)\n"
      "  Filter: (customer_id = 7)\n"
      "  Rows Removed by Filter: 50000\n");
  EXPECT_DOUBLE_EQ(*p.nodes[0].metrics.removed_ratio, 200000.0 / (200000.0 + 100.0));
  auto none = read_one("Seq Scan on t  (cost=0.00..1.00 rows=1 width=4) (actual time=0.1..0.2 rows=1 loops=1)\n");
  EXPECT_FALSE(none.nodes[0].metrics.removed_ratio.has_value());
}

TEST(PlanMetrics, ExclusiveBuffersSubtractChildren) {
  auto p = read_one(read_file(testdata("plan/text/base_analyze.txt")));
  EXPECT_EQ(p.nodes[6].metrics.exclusive_buffers.shared_hit, 1528 - 1482 - 32);  // Hash Join
  EXPECT_EQ(p.nodes[7].metrics.exclusive_buffers.shared_hit, 1482);              // a leaf keeps all
  EXPECT_EQ(p.nodes[0].metrics.exclusive_buffers.shared_hit, 0);                 // Limit 1539 - Sort 1539
}

TEST(PlanMetrics, WithoutAnalyzeTheCostliestNodeIsNamed) {
  auto p = read_one(read_file(testdata("plan/text/costs_off.txt")));
  EXPECT_EQ(p.bottleneck, -1);  // no costs, no times: nothing to name
  auto q = read_one(
      "Hash Join  (cost=10.00..100.00 rows=10 width=8)\n"
      "  ->  Seq Scan on a  (cost=0.00..80.00 rows=1000 width=4)\n"
      "  ->  Hash  (cost=5.00..5.00 rows=100 width=4)\n"
      "        ->  Seq Scan on b  (cost=0.00..5.00 rows=100 width=4)\n");
  EXPECT_FALSE(q.analyzed());
  EXPECT_EQ(q.bottleneck, 1);
  EXPECT_DOUBLE_EQ(q.nodes[0].metrics.exclusive_cost, 15.0);
}

// A Limit consumes only part of its child: the child's cost counts for that fraction, so
// the costliest node never exceeds the plan's total (it printed "300% of the estimated cost").
TEST(PlanMetrics, CostsUnderALimitCountOnlyWhatTheLimitConsumes) {
  auto q = read_one(
      "Limit  (cost=50.00..55.00 rows=10 width=8)\n"
      "  ->  Sort  (cost=50.00..100.00 rows=1000 width=8)\n"
      "        ->  Seq Scan on a  (cost=0.00..40.00 rows=1000 width=8)\n");
  EXPECT_EQ(q.bottleneck, 1);
  EXPECT_DOUBLE_EQ(q.nodes[0].metrics.exclusive_cost, 0.0);
  EXPECT_DOUBLE_EQ(q.nodes[1].metrics.exclusive_cost, 55.0 - 40.0 * 0.55);
  EXPECT_DOUBLE_EQ(q.nodes[2].metrics.exclusive_cost, 40.0 * 0.55);
  double sum = 0;
  for (const auto& n : q.nodes) sum += n.metrics.exclusive_cost;
  EXPECT_DOUBLE_EQ(sum, 55.0);
}

}  // namespace
}  // namespace pglens::test
