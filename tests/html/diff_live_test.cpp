// `pglens diff` on plans captured from the throwaway server before and after CREATE INDEX:
// two queries EXPLAINed into one file each (so plan i is compared with plan i), the index
// created, the same two queries EXPLAINed again. The diff must name the nodes that changed
// (the Seq Scan that became an index scan, the Sort the index made unnecessary), report a
// speed-up that is the ratio of the two plans' own execution times, and show the buffers
// falling. Nothing depends on the machine's speed: shapes, pairs and buffer counts only.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/fixtures.hpp"
#include "support/pg_cluster.hpp"

namespace pglens {
namespace {

class DiffLive : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    bool skip = false;
    pg_ = test::PgCluster::shared(why, skip);
    if (!pg_) {
      if (skip) GTEST_SKIP() << why;
      FAIL() << why;
    }
    pg_->exec("DROP SCHEMA IF EXISTS diff_live CASCADE; CREATE SCHEMA diff_live;");
    pg_->exec("SET search_path = diff_live; SET max_parallel_workers_per_gather = 0; SET jit = off;");
    pg_->exec(
        "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);"
        "INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 5000) g;"
        "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL REFERENCES customers,"
        "  created_at timestamptz NOT NULL, amount numeric(10,2) NOT NULL);"
        "INSERT INTO orders SELECT g, 1 + g % 5000, timestamptz '2026-01-01' + g * interval '1 minute',"
        "  (g % 997) / 10.0 FROM generate_series(1, 200000) g;"
        "ANALYZE customers; ANALYZE orders;");
  }
  void TearDown() override {
    if (pg_) pg_->exec("RESET ALL; DROP SCHEMA IF EXISTS diff_live CASCADE;");
  }

  // The TEXT plans of `queries`, one after another, as psql would print them.
  std::string explain_all(const std::vector<std::string>& queries) {
    std::string text;
    for (const auto& q : queries) {
      for (const auto& line : pg_->column("EXPLAIN (ANALYZE, BUFFERS) " + q)) text += line + "\n";
      text += "\n";
    }
    return text;
  }

  test::PgCluster* pg_ = nullptr;
};

// Shared blocks (hit + read) of a node's figures in the diff's JSON.
int64_t blocks(const nlohmann::json& figures) {
  return figures["buffers"]["hit"].get<int64_t>() + figures["buffers"]["read"].get<int64_t>();
}

TEST_F(DiffLive, CreateIndexTurnsTheScanAndDropsTheSortInEachPlan) {
  const std::vector<std::string> queries = {
      // The latest orders of one customer: a Seq Scan and a top-N Sort before, an index scan
      // in created_at order (no Sort) after.
      "SELECT o.id, o.amount FROM orders o WHERE o.customer_id = 42 ORDER BY o.created_at DESC LIMIT 10",
      // A join reading one customer's orders: the Seq Scan on orders under the join becomes an
      // index scan; the customers side is unchanged.
      "SELECT c.name, sum(o.amount) FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id = 7 "
      "GROUP BY c.name",
  };
  test::TempDir tmp;
  test::write_file(tmp / "before.txt", explain_all(queries));
  test::write_file(tmp / "one.txt", explain_all({queries[0]}));
  pg_->exec("CREATE INDEX orders_customer_created_idx ON orders (customer_id, created_at); ANALYZE orders;");
  test::write_file(tmp / "after.txt", explain_all(queries));

  // Exit 0 or 1 (1: a pair slower by 10 %, which is the machine's, or with a new finding,
  // checked below): both are a comparison made.
  auto r = test::run_pglens("diff --format json before.txt after.txt", {}, tmp.path());
  ASSERT_NE(r.exit_code, 2) << r.err << r.out;
  EXPECT_NE(r.err.find("comparing plan i with plan i (2 pairs)"), std::string::npos) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["plans"].size(), 2u) << r.out;
  EXPECT_TRUE(j["unpaired"].empty());
  EXPECT_EQ(j["speedup"], j["plans"][0]["speedup"]) << "the top level is the first pair";

  for (size_t i = 0; i < 2; ++i) {
    const auto& pair = j["plans"][i];
    SCOPED_TRACE("plan " + std::to_string(i + 1));
    EXPECT_EQ(pair["before"]["plan"], i + 1);
    EXPECT_EQ(pair["after"]["plan"], i + 1);
    // The speed-up is the ratio of the two plans' execution times, whatever they are.
    double before_ms = pair["before"]["total_time_ms"], after_ms = pair["after"]["total_time_ms"];
    ASSERT_GT(after_ms, 0);
    EXPECT_NEAR(pair["speedup"].get<double>(), before_ms / after_ms, 1e-9 * before_ms / after_ms);
    // The scan on orders changed kind and reads far fewer blocks.
    const nlohmann::json* scan = nullptr;
    for (const auto& n : pair["nodes"])
      if (n["change"] == "changed" && n["before"]["label"] == "Seq Scan on orders o") scan = &n;
    ASSERT_NE(scan, nullptr) << pair["nodes"].dump(1);
    EXPECT_EQ((*scan)["matched_by"], "relation");
    std::string after_label = (*scan)["after"]["label"];
    EXPECT_NE(after_label.find("Scan"), std::string::npos) << after_label;
    EXPECT_NE(after_label.find("on orders o"), std::string::npos) << after_label;
    // The new index is read: by the scan itself, or by a Bitmap Index Scan added under it.
    bool index_read = false;
    for (const auto& n : pair["nodes"])
      index_read = index_read ||
          (!n["after"].is_null() &&
           n["after"]["label"].get<std::string>().find("orders_customer_created_idx") != std::string::npos);
    EXPECT_TRUE(index_read) << pair["nodes"].dump(1);
    EXPECT_NE((*scan)["shape"].get<std::string>().find("Seq Scan on orders o → "), std::string::npos);
    int64_t blocks_before = blocks((*scan)["before"]), blocks_after = blocks((*scan)["after"]);
    EXPECT_GT(blocks_before, 1000) << "200,000 orders are more than 1,000 blocks";
    EXPECT_LT(blocks_after * 10, blocks_before) << blocks_after << " vs " << blocks_before;
    // The seq-scan finding on orders is gone, nothing new.
    EXPECT_TRUE(pair["findings"]["new"].empty()) << pair["findings"].dump(1);
    // Every other node of the after plan kept its kind or was added over the index.
    for (const auto& n : pair["nodes"]) {
      if (&n == scan) continue;
      EXPECT_TRUE(n["change"] == "same" || n["change"] == "gone" || n["change"] == "added") << n.dump();
    }
  }
  // The first query's top-N Sort is gone: the index gives created_at order.
  bool sort_gone = false;
  for (const auto& n : j["plans"][0]["nodes"])
    sort_gone = sort_gone || (n["change"] == "gone" && n["shape"] == "Sort gone");
  EXPECT_TRUE(sort_gone) << j["plans"][0]["nodes"].dump(1);

  // Text: both pairs, each naming its changed nodes.
  auto text = test::run_pglens("diff before.txt after.txt", {}, tmp.path());
  ASSERT_NE(text.exit_code, 2) << text.err;
  EXPECT_NE(text.out.find("Before: before.txt plan 1"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Before: before.txt plan 2"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Sort gone"), std::string::npos) << text.out;
  // HTML: one section per pair, the changed scan marked in each after tree.
  auto html = test::run_pglens("diff --format html before.txt after.txt", {}, tmp.path());
  ASSERT_NE(html.exit_code, 2) << html.err;
  EXPECT_NE(html.out.find("id=\"pair1\""), std::string::npos);
  EXPECT_NE(html.out.find("id=\"pair2\""), std::string::npos);
  EXPECT_NE(html.out.find("<section class=\"plan\" id=\"a2\""), std::string::npos);

  // One plan against two: the first pair is compared, the second plan is named as unpaired.
  auto uneven = test::run_pglens("diff --format json one.txt after.txt", {}, tmp.path());
  ASSERT_NE(uneven.exit_code, 2) << uneven.err;
  auto u = nlohmann::json::parse(uneven.out);
  EXPECT_EQ(u["plans"].size(), 1u);
  ASSERT_EQ(u["unpaired"].size(), 1u);
  EXPECT_NE(u["unpaired"][0].get<std::string>().find("after plan 2"), std::string::npos) << u["unpaired"];
  EXPECT_NE(uneven.err.find("warning: after plan 2"), std::string::npos) << uneven.err;
}

}  // namespace
}  // namespace pglens
