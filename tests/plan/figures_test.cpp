// The derived figures of real plans, to the digit (testdata/plan/figures, captured from
// PostgreSQL 15), and the invariant every fixture must keep: exclusive times (or, without
// times, exclusive costs) add up to the plan's total.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "plan/plan_test_util.hpp"

namespace pglens::test {
namespace {

namespace fs = std::filesystem;

plan::Plan figures(const std::string& name) { return read_one(read_file(testdata("plan/figures/" + name))); }

// The node of `p` whose label() (or name()) is `label`; fails the test when absent.
const plan::Node& node(const plan::Plan& p, std::string_view label) {
  for (const auto& n : p.nodes)
    if (n.label() == label || n.name() == label) return n;
  ADD_FAILURE() << "no node " << label;
  static const plan::Node none;
  return none;
}

TEST(PlanFigures, InitPlanTimeIsTakenFromTheNodeThatEvaluatesIt) {
  auto p = figures("initplan_index_cond.txt");
  ASSERT_EQ(p.nodes.size(), 8u);
  // InitPlan 1 (5.487 ms) hangs under the InitPlan 2 Limit; the Seq Scan's Filter (balance = $0) runs it.
  EXPECT_NEAR(p.nodes[4].metrics.exclusive_time_ms, 6.379 - 5.487, 1e-9);
  EXPECT_NEAR(p.nodes[1].metrics.exclusive_time_ms, 6.383 - 6.379, 1e-9);
  // InitPlan 2 (6.383 ms) hangs under the top Limit; the Bitmap Index Scan's Index Cond runs it
  // (the Recheck Cond above only re-checks).
  const auto& bitmap_index = node(p, "Bitmap Index Scan on ledger_account_id_idx");
  EXPECT_NEAR(bitmap_index.metrics.exclusive_time_ms, 6.560 - 6.383, 1e-9);
  EXPECT_EQ(bitmap_index.metrics.exclusive_buffers.shared_hit, 0);   // 32 - the InitPlan's 32
  EXPECT_EQ(bitmap_index.metrics.exclusive_buffers.shared_read, 3);  // 35 - 32
  EXPECT_NEAR(node(p, "Bitmap Heap Scan on ledger").metrics.exclusive_time_ms, 20.598 - 6.560, 1e-9);
  EXPECT_NEAR(p.nodes[0].metrics.exclusive_time_ms, 20.919 - 20.909, 1e-9);
  EXPECT_EQ(p.nodes[static_cast<size_t>(p.bottleneck)].label(), "Bitmap Heap Scan on ledger");
}

TEST(PlanFigures, GatherParamsEvaluatedTakesTheInitPlanTime) {
  auto p = figures("initplan_gather_params.txt");
  ASSERT_EQ(p.nodes.size(), 9u);
  ASSERT_EQ(p.nodes[6].node_type, "Gather");
  // 420.916 - Partial Aggregate 278.943 (per process) - InitPlan 1 89.493.
  EXPECT_NEAR(p.nodes[6].metrics.exclusive_time_ms, 420.916 - 278.943 - 89.493, 1e-9);
  EXPECT_NEAR(p.nodes[0].metrics.exclusive_time_ms, 421.203 - 420.916, 1e-9);
  EXPECT_EQ(p.nodes[static_cast<size_t>(p.bottleneck)].label(), "Parallel Seq Scan on ledger");
  EXPECT_NEAR(p.nodes[8].metrics.share, 221.910 / 421.798, 1e-9);
}

// A Gather's own time is the leader waiting for the processes below it: the bottleneck is
// named after the work below (issue 14's DBA trial, q05 and q15 of bench/plan_trial).
TEST(PlanFigures, TheBottleneckUnderAGatherIsTheWorkBelowIt) {
  // 55 partitions scanned in parallel, each a few ms: together (an Append's members count as
  // one) they outweigh the Gather's 105.7 ms of waiting; the largest of them is named.
  auto scans = figures("gather_partition_scans.txt");
  const auto& gather = node(scans, "Gather");
  EXPECT_NEAR(gather.metrics.exclusive_time_ms, 546.886 - 441.191, 1e-9);
  EXPECT_EQ(scans.nodes[static_cast<size_t>(scans.bottleneck)].label(),
            "Parallel Seq Scan on payment_p2025_12 payment_48");
  EXPECT_NEAR(scans.nodes[static_cast<size_t>(scans.bottleneck)].metrics.exclusive_time_ms, 52.526 / 3,
              1e-9);  // 3 processes share the Append
  // Its share alone is one partition's; the 55 scans and their Append together are the work.
  ASSERT_GE(scans.bottleneck_append, 0);
  const auto& append = scans.nodes[static_cast<size_t>(scans.bottleneck_append)];
  EXPECT_EQ(append.children.size(), 55u);
  double together = append.metrics.exclusive_time_ms;
  for (int c : append.children) together += scans.nodes[static_cast<size_t>(c)].metrics.exclusive_time_ms;
  EXPECT_NEAR(scans.bottleneck_append_share, together / scans.total_time_ms, 1e-9);
  EXPECT_GT(scans.bottleneck_append_share, 0.5);
  EXPECT_LT(scans.nodes[static_cast<size_t>(scans.bottleneck)].metrics.share, 0.05);
  // A Gather Merge over a spilling Sort: 1.6 s of merging and waiting, the Sort 1.53 s per
  // process; the Sort is named.
  auto sorted = figures("gather_merge_sort.txt");
  EXPECT_NEAR(sorted.nodes[0].metrics.exclusive_time_ms, 3499.906 - 1892.116, 1e-9);
  EXPECT_EQ(sorted.bottleneck, 1);
  EXPECT_EQ(sorted.bottleneck_append, -1);  // no Append: the Sort's own share stands
  EXPECT_NEAR(sorted.nodes[1].metrics.exclusive_time_ms, 1892.116 - 361.460, 1e-9);
}

// An Append's own time (54.4 ms here, passing 2 M rows of 55 partitions on) is no work of its
// own: the bottleneck is named after its largest member (DBA trial q16, a second capture).
TEST(PlanFigures, TheBottleneckOfAnAppendIsItsLargestMember) {
  auto p = figures("append_partition_scans.txt");
  const auto& append = node(p, "Parallel Append");
  EXPECT_GT(append.metrics.exclusive_time_ms, node(p, "Hash Join").metrics.exclusive_time_ms);
  EXPECT_GT(append.metrics.exclusive_time_ms, node(p, "Gather").metrics.exclusive_time_ms);
  const auto& named = p.nodes[static_cast<size_t>(p.bottleneck)];
  EXPECT_EQ(named.label(), "Parallel Seq Scan on payment_p2026_01 p_49");
  EXPECT_NEAR(named.metrics.exclusive_time_ms, 56.666 / 3, 1e-9);  // 3 processes share the Append
  EXPECT_EQ(p.bottleneck_append, static_cast<int>(&append - p.nodes.data()));
  EXPECT_GT(p.bottleneck_append_share, append.metrics.share);
}

// The same in every format (JSON prints Params Evaluated as an array; times differ per run).
TEST(PlanFigures, InitPlanEvaluatorIsFoundInEveryFormat) {
  for (std::string ext : {"txt", "json", "yaml", "xml"}) {
    SCOPED_TRACE(ext);
    auto index_cond = figures("initplan_index_cond." + ext);
    ASSERT_EQ(index_cond.nodes.size(), 8u);
    const auto& init2 = index_cond.nodes[1];
    const auto& bitmap_index = index_cond.nodes[7];
    ASSERT_EQ(init2.subplan_name, "InitPlan 2 (returns $1)");
    ASSERT_EQ(bitmap_index.node_type, "Bitmap Index Scan");
    EXPECT_NEAR(bitmap_index.metrics.exclusive_time_ms,
                bitmap_index.metrics.total_time_ms - init2.metrics.total_time_ms, 1e-9);
    EXPECT_NEAR(index_cond.nodes[0].metrics.exclusive_time_ms,
                index_cond.nodes[0].metrics.total_time_ms - index_cond.nodes[5].metrics.total_time_ms, 1e-9);

    auto gather = figures("initplan_gather_params." + ext);
    ASSERT_EQ(gather.nodes.size(), 9u);
    const auto& evaluator = gather.nodes[6];
    ASSERT_NE(evaluator.property("Params Evaluated"), nullptr);
    EXPECT_NEAR(
        evaluator.metrics.exclusive_time_ms,
        evaluator.metrics.total_time_ms - gather.nodes[7].metrics.total_time_ms - gather.nodes[1].metrics.total_time_ms,
        1e-9);
  }
}

TEST(PlanFigures, ParallelAppendMembersAreSpreadOverItsProcesses) {
  auto p = figures("parallel_append.txt");
  ASSERT_EQ(p.nodes.size(), 9u);
  // Three processes ran the Append; each partition's summed time is spread over all three.
  EXPECT_NEAR(p.nodes[6].metrics.total_time_ms, 250.877 * 1 / 3, 1e-9);
  EXPECT_NEAR(p.nodes[7].metrics.total_time_ms, 141.839 * 2 / 3, 1e-9);
  EXPECT_NEAR(p.nodes[8].metrics.total_time_ms, 117.051 * 2 / 3, 1e-9);
  EXPECT_NEAR(p.nodes[5].metrics.exclusive_time_ms, 315.774 - (250.877 + 2 * 141.839 + 2 * 117.051) / 3, 1e-9);
  double shares = 0;
  for (const auto& n : p.nodes) shares += n.metrics.share;
  EXPECT_LE(shares, 1.0);
  EXPECT_NEAR(shares, 597.483 / 598.284, 1e-9);
}

TEST(PlanFigures, CteScanDoesNotOwnTheCtesBuffers) {
  auto p = figures("cte_sort_spill_in_cte.txt");
  ASSERT_EQ(p.nodes.size(), 7u);
  const auto& scan = p.nodes[4];
  ASSERT_EQ(scan.label(), "CTE Scan on daily d");
  EXPECT_EQ(scan.metrics.exclusive_buffers, plan::Buffers{.present = true});
  EXPECT_NEAR(scan.metrics.exclusive_time_ms, 4386.179 - 4386.178, 1e-9);
  // The temp files are the CTE's sort's.
  const auto& sort = p.nodes[2];
  EXPECT_EQ(sort.metrics.exclusive_buffers.temp_read, 16645);
  EXPECT_EQ(sort.metrics.exclusive_buffers.temp_written, 17096);
  EXPECT_EQ(p.nodes[0].metrics.exclusive_buffers.temp_written, 0);
  EXPECT_EQ(p.bottleneck, 2);
}

TEST(PlanFigures, EstimatesChargeTheCteToItsSectionOnly) {
  auto p = figures("cte_estimates.txt");
  ASSERT_EQ(p.nodes.size(), 7u);
  EXPECT_NEAR(p.nodes[0].metrics.exclusive_cost, 23429.77 - 23146.97 - 257.57, 1e-6);
  EXPECT_NEAR(p.nodes[1].metrics.exclusive_cost, 23146.97 - 18097.00, 1e-6);
  EXPECT_EQ(p.nodes[static_cast<size_t>(p.bottleneck)].label(), "Seq Scan on ledger");
}

TEST(PlanFigures, TimingOffPlansHaveNoTimesAndNameTheCostliestNode) {
  auto p = figures("timing_off.txt");
  EXPECT_TRUE(p.analyzed());
  EXPECT_FALSE(p.timed());
  for (const auto& n : p.nodes) EXPECT_EQ(n.metrics.share, 0);
  EXPECT_EQ(p.nodes[static_cast<size_t>(p.bottleneck)].label(), "Seq Scan on ledger l");
  EXPECT_DOUBLE_EQ(p.nodes[2].metrics.total_rows, 250000);
}

TEST(PlanFigures, HeapFetchesAreTheTotalOverAllLoops) {
  auto p = figures("heap_fetches_loops.txt");
  const auto& scan = node(p, "Index Only Scan using sessions_account_id_idx on sessions s");
  EXPECT_DOUBLE_EQ(*scan.heap_fetches, 6663);
  EXPECT_DOUBLE_EQ(*scan.actual_loops, 250);
  EXPECT_DOUBLE_EQ(scan.metrics.total_rows, 5000);
}

TEST(PlanFigures, SortInputRowsAreTheRowsItConsumed) {
  auto p = figures("sort_under_limit.txt");
  const auto& sort = node(p, "Sort");
  EXPECT_DOUBLE_EQ(sort.metrics.total_rows, 20000);
  EXPECT_DOUBLE_EQ(plan::input_rows(p, sort), 1000000);
}

TEST(PlanFigures, TempBlocksAreKeptApartFromReads) {
  auto p = figures("hash_join_temp.txt");
  const auto& join = node(p, "Hash Join");
  const auto& own = join.metrics.exclusive_buffers;
  EXPECT_EQ(own.blocks_read(), 0);
  EXPECT_EQ(own.shared_hit, 0);
  EXPECT_EQ(own.temp_read, 7172);
  EXPECT_EQ(own.temp_written, 7172 - 3294);
  EXPECT_EQ(own.temp_blocks(), 7172 + 3878);
}

TEST(PlanFigures, AbsurdCountsDoNotWrapAround) {
  auto p = read_one(
      "Hash Join  (cost=1.00..99999999999999999999.00 rows=99999999999999999999 width=8) "
      "(actual time=0.010..1.000 rows=99999999999999999999 loops=1)\n"
      "  Buffers: shared read=9000000000000000000, local read=9000000000000000000, "
      "temp read=9000000000000000000 written=9000000000000000000\n"
      "  ->  Seq Scan on a  (cost=0.00..1.00 rows=1 width=4) (actual time=0.004..0.500 rows=1 loops=1)\n"
      "  ->  Hash  (cost=1.00..1.00 rows=1 width=4) (actual time=0.003..0.400 rows=1 loops=1)\n"
      "        ->  Seq Scan on b  (cost=0.00..1.00 rows=1 width=4) (actual time=0.003..0.300 rows=1 loops=1)\n");
  const auto& b = p.nodes[0].metrics.exclusive_buffers;
  EXPECT_EQ(b.blocks_read(), INT64_MAX);
  EXPECT_EQ(b.temp_blocks(), INT64_MAX);
  EXPECT_DOUBLE_EQ(p.nodes[0].metrics.total_rows, 1e20);
}

// What `pglens explain` prints from these figures.
test::RunResult explain(const std::string& fixture, const std::string& options = "--color never") {
  return test::run_pglens("explain " + options + " '" + testdata("plan/figures/" + fixture).string() + "'");
}

// The partitions of one scan under a Gather: the bottleneck line names the largest and gives
// the share of them all, in text and JSON; one partition's 3 % would read as no bottleneck.
TEST(PlanFiguresExplain, PartitionScansUnderAGatherGiveTheirShareTogether) {
  auto plan = figures("gather_partition_scans.txt");
  const auto& append = plan.nodes[static_cast<size_t>(plan.bottleneck_append)];
  auto r = explain("gather_partition_scans.txt");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string line = fmt::format(
      "Bottleneck: Parallel Seq Scan on payment_p2025_12 payment_48 (node {}) and the other 54 members of "
      "Parallel Append (node {}) — {:.0f}% of",
      plan.nodes[static_cast<size_t>(plan.bottleneck)].id, append.id, plan.bottleneck_append_share * 100);
  EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
  auto j = explain("gather_partition_scans.txt", "--format json");
  ASSERT_EQ(j.exit_code, 0) << j.err;
  auto bottleneck = nlohmann::json::parse(j.out)["plans"][0]["bottleneck"];
  EXPECT_EQ(bottleneck["append"]["node"], append.id) << bottleneck.dump();
  EXPECT_EQ(bottleneck["append"]["members"], 55) << bottleneck.dump();
  EXPECT_NEAR(bottleneck["append"]["share"].get<double>(), plan.bottleneck_append_share, 1e-9);
}

TEST(PlanFiguresExplain, TimingOffShowsNoTimingAndTheCostliestNode) {
  auto r = explain("timing_off.txt");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("(text, ANALYZE, TIMING OFF, execution 843 ms"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no timing"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("0.000 ms"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Bottleneck:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Costliest node: Seq Scan on ledger l (node 3)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("TIMING OFF: no times, estimates only"), std::string::npos) << r.out;
}

TEST(PlanFiguresExplain, TempFilesAreNotReadsFromDisk) {
  auto r = explain("hash_join_temp.txt");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  size_t join = r.out.find("Hash Join #2");
  ASSERT_NE(join, std::string::npos) << r.out;
  std::string line = r.out.substr(join, r.out.find('\n', join) - join);
  EXPECT_NE(line.find("temp files: read 7172 and wrote 3878 blocks (86 MB)"), std::string::npos) << line;
  EXPECT_EQ(line.find("disk/OS cache"), std::string::npos) << line;
}

TEST(PlanFiguresExplain, FindingsQuoteTheRealFigures) {
  auto heap = explain("heap_fetches_loops.txt");
  EXPECT_NE(heap.out.find("went to the heap 6,663 times for the 5,000 rows it returned"), std::string::npos)
      << heap.out;
  auto sort = explain("sort_under_limit.txt");
  EXPECT_NE(sort.out.find("sorting 1,000,000 rows"), std::string::npos) << sort.out;
  // The CTE's sort spilled, the CTE Scan did not.
  auto cte = explain("cte_sort_spill_in_cte.txt", "--color never --format json");
  auto doc = nlohmann::json::parse(cte.out);
  for (const auto& f : doc["plans"][0]["findings"]) EXPECT_NE(f["rule"], "temp-spill") << f.dump();
}

TEST(PlanFiguresExplain, MisestimateImpactIsTheNodesOwnShare) {
  auto r = test::run_pglens("explain --format json '" +
                            testdata("plan-rules/row-misestimate/correlated-columns.txt").string() + "'");
  auto doc = nlohmann::json::parse(r.out);
  const auto& plan = doc["plans"][0];
  bool found = false;
  for (const auto& f : plan["findings"]) {
    if (f["rule"] != "row-misestimate") continue;
    found = true;
    int node = f["node"];
    EXPECT_DOUBLE_EQ(f["impact"].get<double>(), plan["nodes"][node - 1]["metrics"]["share"].get<double>());
    EXPECT_NEAR(f["impact"].get<double>(), (2.000 - 0) / 171.035, 1e-9);
  }
  EXPECT_TRUE(found) << r.out;
}

// Every plan under testdata/plan: the exclusive times add up to the root's total time (and
// so to the execution time, less what PostgreSQL spends outside the tree: triggers, JIT,
// executor start and end), within the rounding of the printed figures. Without times, the
// exclusive costs add up to the root's cost.
TEST(PlanFigures, ExclusiveFiguresOfEveryFixtureAddUpToTheTotal) {
  // Hand-written to exercise the reader, with figures no server prints.
  const std::set<std::string> invented = {
      "text/name_variants.txt",  // every node name once; a 150-cost member under an 8-cost Append
      "text/sections_pg17.txt",  // PG17 section names; a 4 ms SubPlan inside a 0.9 ms scan
  };
  size_t checked = 0;
  for (const auto& entry : fs::recursive_directory_iterator(testdata("plan"))) {
    if (!entry.is_regular_file()) continue;
    std::string ext = entry.path().extension().string();
    if (ext != ".txt" && ext != ".json" && ext != ".yaml" && ext != ".xml") continue;
    if (invented.contains(entry.path().lexically_relative(testdata("plan")).generic_string())) continue;
    auto result = plan::read_plans(read_file(entry.path()));
    for (size_t k = 0; k < result.plans.size(); ++k) {
      const plan::Plan& p = result.plans[k];
      if (p.nodes.empty()) continue;
      SCOPED_TRACE(entry.path().lexically_relative(testdata("plan")).string() + " plan " + std::to_string(k + 1));
      const plan::Node& root = p.root();
      if (p.timed() && root.actual_total_ms) {
        // Each printed time is rounded to 0.001 ms per loop.
        double sum = 0, rounding = 0.0005;
        for (const auto& n : p.nodes) {
          sum += n.metrics.exclusive_time_ms;
          rounding += 0.0005 * std::max(1.0, n.actual_loops.value_or(1));
        }
        EXPECT_NEAR(sum, root.metrics.total_time_ms, rounding);
        if (p.execution_time_ms) { EXPECT_LE(root.metrics.total_time_ms, *p.execution_time_ms + 0.001); }
        ++checked;
      } else if (!p.analyzed() && root.total_cost) {
        double sum = 0;
        for (const auto& n : p.nodes) sum += n.metrics.exclusive_cost;
        EXPECT_NEAR(sum, *root.total_cost, 0.01 * static_cast<double>(p.nodes.size()));
        ++checked;
      }
    }
  }
  EXPECT_GE(checked, 200u);
}

}  // namespace
}  // namespace pglens::test
