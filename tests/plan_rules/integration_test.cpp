// End to end on a real server: a query the plan rules flag, the DDL they suggest created on
// the throwaway cluster, the same query re-run. What is asserted does not depend on the
// machine's load: the plan uses the index, reads at least 10x fewer buffers and costs the
// planner at least 10x less. Wall-clock times are printed beside them, never asserted.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "pglens/plan.hpp"
#include "pglens/plan_rules.hpp"
#include "support/pg_cluster.hpp"

namespace pglens {
namespace {

constexpr const char* kQuery = "SELECT id, amount, created_at FROM orders WHERE customer_id = 4242";

std::string explain(test::PgCluster& pg, const std::string& query) {
  std::string text;
  for (const auto& line : pg.column("EXPLAIN (ANALYZE, BUFFERS) " + query)) text += line + "\n";
  return text;
}

plan::Plan read_one(const std::string& text) {
  auto read = plan::read_plans(text);
  EXPECT_EQ(read.plans.size(), 1u) << text;
  return read.plans.empty() ? plan::Plan{} : read.plans.front();
}

// Median wall-clock time of the query itself over `runs` runs, in milliseconds.
double median_ms(test::PgCluster& pg, const std::string& query, int runs) {
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    (void)pg.query(query);
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

TEST(PlanRulesLive, SuggestedIndexIsUsedAndReadsTenTimesFewerBuffers) {
  PGLENS_REQUIRE_CLUSTER(pg);
  // A few hundred thousand rows: enough for the scan to hurt, quick to load on 2 cores.
  pg->exec(
      "DROP SCHEMA IF EXISTS planrules_live CASCADE; CREATE SCHEMA planrules_live; SET search_path = planrules_live;"
      "CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, amount numeric(10,2) NOT NULL,"
      "                     created_at timestamptz NOT NULL, note text);"
      "INSERT INTO orders SELECT g, 1 + (g::bigint * 7919) % 20000, (g % 1000) + 0.5,"
      "       timestamptz '2024-01-01 00:00:00+00' + make_interval(mins => g), md5(g::text)"
      "  FROM generate_series(1, 300000) g;");
  pg->exec("VACUUM ANALYZE planrules_live.orders");
  pg->exec("SET search_path = planrules_live; SET max_parallel_workers_per_gather = 0");

  plan::Plan before = read_one(explain(*pg, kQuery));
  plan::Diagnosis diagnosis = plan::diagnose(before, Config{}, Catalog::none());
  auto finding = std::find_if(diagnosis.findings.begin(), diagnosis.findings.end(),
                              [](const plan::Finding& f) { return f.rule == "seq-scan-large"; });
  ASSERT_NE(finding, diagnosis.findings.end()) << "seq-scan-large did not flag the scan";
  ASSERT_EQ(diagnosis.indexes.size(), 1u);
  const std::string ddl = diagnosis.indexes.front().ddl;
  EXPECT_EQ(finding->ddl, ddl) << "the finding carries the table's merged suggestion";
  EXPECT_NE(ddl.find("(customer_id)"), std::string::npos) << ddl;
  double before_ms = median_ms(*pg, kQuery, 5);

  pg->exec(ddl);  // CREATE INDEX CONCURRENTLY: a statement of its own, outside a transaction
  pg->exec("ANALYZE planrules_live.orders");

  std::string after_text = explain(*pg, kQuery);
  plan::Plan after = read_one(after_text);
  plan::Diagnosis after_diagnosis = plan::diagnose(after, Config{}, Catalog::none());
  for (const auto& f : after_diagnosis.findings) EXPECT_NE(f.rule, "seq-scan-large") << f.message;
  EXPECT_NE(after_text.find("Index"), std::string::npos) << after_text;
  double after_ms = median_ms(*pg, kQuery, 5);

  auto buffers = [](const plan::Plan& p) { return p.root().buffers.total_hit() + p.root().buffers.blocks_read(); };
  std::printf(
      "[ measured ] %s\n             before: %lld buffers, cost %.0f, %.3f ms (plan: %.3f ms)\n"
      "             after %s: %lld buffers, cost %.0f, %.3f ms (plan: %.3f ms)\n",
      kQuery, static_cast<long long>(buffers(before)), before.root().total_cost.value_or(0), before_ms,
      before.execution_time_ms.value_or(0), ddl.c_str(), static_cast<long long>(buffers(after)),
      after.root().total_cost.value_or(0), after_ms, after.execution_time_ms.value_or(0));
  ASSERT_TRUE(before.root().buffers.present && after.root().buffers.present);
  EXPECT_GE(buffers(before), 10 * buffers(after)) << after_text;
  ASSERT_TRUE(before.root().total_cost && after.root().total_cost);
  EXPECT_GE(*before.root().total_cost, 10 * *after.root().total_cost) << after_text;
  EXPECT_EQ(after_text.find("Seq Scan"), std::string::npos) << after_text;
  pg->exec("RESET ALL; DROP SCHEMA planrules_live CASCADE;");
}

}  // namespace
}  // namespace pglens
