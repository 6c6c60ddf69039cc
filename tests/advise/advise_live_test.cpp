// `pglens advise` against the throwaway server (PostgreSQL 15 with HypoPG): planted slow
// queries get an index the planner uses, healthy ones none; the script runs and the plans
// then read the indexes and far fewer buffers; the budget picks the index serving the most
// calls; unused and duplicate indexes are reported; --analyze-dml changes no row; the
// password never appears. Plans, costs and buffers only: never a wall-clock bound.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <functional>

#include <libpq-fe.h>

#include "advise/advise.hpp"
#include "support/fixtures.hpp"
#include "support/pg_cluster.hpp"

namespace pglens {
namespace {

constexpr const char* kPassword = "s3cret-Pw0rd";

class AdviseLive : public ::testing::Test {
 protected:
  void SetUp() override {
    PGLENS_REQUIRE_CLUSTER(pg);
    pg_ = pg;
    // Its own database, so the shared cluster's other tests see none of this.
    pg_->exec("DROP DATABASE IF EXISTS advise_shop");
    pg_->exec("CREATE DATABASE advise_shop");
    url_ = fmt::format("postgresql://postgres:{}@127.0.0.1:{}/advise_shop", kPassword, pg_->port());
    psql(test::read_file(test::testdata("advise/schema.sql")));
  }
  void TearDown() override {
    if (pg_) pg_->exec("DROP DATABASE IF EXISTS advise_shop WITH (FORCE)");
  }

  // Runs SQL on advise_shop (the shared connection is on `postgres`).
  std::vector<std::string> psql(const std::string& sql) {
    test::TempDir dir;
    test::write_file(dir / "in.sql", sql);
    std::string cmd = fmt::format(
        "'{}/psql' -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p {} -U postgres -d advise_shop -f '{}' "
        ">'{}' 2>&1",
        test::PgCluster::bin_dir(), pg_->port(), (dir / "in.sql").string(), (dir / "out").string());
    int status = std::system(cmd.c_str());
    std::string out = test::read_file(dir / "out");
    EXPECT_EQ(status, 0) << out;
    std::vector<std::string> lines;
    for (size_t start = 0; start < out.size();) {
      size_t end = out.find('\n', start);
      if (end == std::string::npos) end = out.size();
      lines.push_back(out.substr(start, end - start));
      start = end + 1;
    }
    return lines;
  }

  test::RunResult advise(const std::string& args, const std::string& stdin_text = {}) {
    auto r = test::run_pglens("advise --db '" + url_ + "' " + args, stdin_text);
    EXPECT_EQ(r.out.find(kPassword), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(kPassword), std::string::npos) << r.err;
    return r;
  }

  static nlohmann::json json_of(const test::RunResult& r) {
    try {
      return nlohmann::json::parse(r.out);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what() << "\n" << r.out << "\n" << r.err;
      return nlohmann::json::object();
    }
  }

  // EXPLAIN (ANALYZE, BUFFERS) of `query` on advise_shop: the index names and the shared
  // blocks of the whole query.
  std::pair<std::vector<std::string>, int64_t> analyze(const std::string& query) {
    auto lines = psql("SET max_parallel_workers_per_gather = 0; EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query);
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    auto j = nlohmann::json::parse(text);
    std::vector<std::string> indexes;
    std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& n) {
      if (n.contains("Index Name")) indexes.push_back(n["Index Name"]);
      if (n.contains("Plans"))
        for (const auto& c : n["Plans"]) walk(c);
    };
    const auto& plan = j[0]["Plan"];
    walk(plan);
    return {indexes, plan.value("Shared Hit Blocks", int64_t{0}) + plan.value("Shared Read Blocks", int64_t{0})};
  }

  test::PgCluster* pg_ = nullptr;
  std::string url_;
};

// The slow queries of testdata/advise/slow.sql, by line: the key text the index must have.
struct Planted {
  int line;
  const char* keys;
  const char* query;
};
const Planted kPlanted[] = {
    {4, "orders (customer_id", "SELECT id, total FROM orders WHERE customer_id = 4242"},
    {7, "order_lines (order_id",
     "SELECT o.id, l.sku, l.qty FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE o.id BETWEEN 1000 AND "
     "1010"},
    {13, "orders (created_at DESC", "SELECT id, customer_id, total FROM orders ORDER BY created_at DESC LIMIT 20"},
    {16, "WHERE status = 'failed'",
     "SELECT id, customer_id FROM orders WHERE status = 'failed' AND created_at >= '2024-04-01'"},
    {19, "lower(email)", "SELECT id FROM customers WHERE lower(email) = 'user77@example.com'"},
    {22, "events (account_id, created_at DESC",
     "SELECT id, kind FROM events WHERE account_id = 7 ORDER BY created_at DESC LIMIT 10"},
};

TEST_F(AdviseLive, ProvesAnIndexForEachSlowQueryAndNoneForTheHealthyOnes) {
  psql("CREATE EXTENSION hypopg");
  test::TempDir dir;
  auto slow = test::testdata("advise/slow.sql").string();
  auto healthy = test::testdata("advise/healthy.sql").string();
  auto r = advise("--format json -o '" + (dir / "indexes.sql").string() + "' '" + slow + "' '" + healthy + "'");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto j = json_of(r);
  ASSERT_TRUE(j.contains("queries")) << r.out;
  EXPECT_TRUE(j["hypopg"].get<bool>());
  for (const auto& q : j["queries"]) {
    std::string origin = q["origin"];
    EXPECT_FALSE(q.contains("error")) << origin << ": " << q.dump(2);
    bool kept = false;
    for (const auto& c : q["candidates"]) kept = kept || c["kept"].get<bool>();
    if (origin.find("healthy.sql") != std::string::npos) {
      EXPECT_FALSE(kept) << "a healthy query got advice: " << q.dump(2);
      continue;
    }
    int line = std::stoi(origin.substr(origin.rfind(':') + 1));
    const Planted* planted = nullptr;
    for (const auto& p : kPlanted)
      if (p.line == line) planted = &p;
    ASSERT_NE(planted, nullptr) << origin;
    bool matched = false;
    for (const auto& c : q["candidates"]) {
      if (!c["kept"].get<bool>()) continue;
      std::string ddl = c["ddl"];
      matched = matched || ddl.find(planted->keys) != std::string::npos;
      EXPECT_TRUE(c["used"].get<bool>());
      EXPECT_GE(c["cost_reduction"].get<double>(), 0.5) << ddl;
      EXPECT_GT(c["size_bytes"].get<int64_t>(), 0) << ddl;
    }
    EXPECT_TRUE(matched) << origin << " wants " << planted->keys << "\n" << q.dump(2);
  }
  EXPECT_EQ(j["chosen"].size(), std::size(kPlanted)) << j["chosen"].dump(2);

  // The script runs as written, and the plans then read the indexes and far fewer buffers.
  std::vector<std::pair<std::vector<std::string>, int64_t>> before;
  for (const auto& p : kPlanted) before.push_back(analyze(p.query));
  std::string script = test::read_file(dir / "indexes.sql");
  EXPECT_NE(script.find("CREATE INDEX CONCURRENTLY IF NOT EXISTS"), std::string::npos) << script;
  EXPECT_NE(script.find("-- "), std::string::npos);
  auto applied = advise("--apply '" + slow + "'");
  EXPECT_EQ(applied.exit_code, 1) << applied.err;
  psql("ANALYZE");
  for (size_t i = 0; i < std::size(kPlanted); ++i) {
    auto after = analyze(kPlanted[i].query);
    EXPECT_GT(after.first.size(), before[i].first.size()) << kPlanted[i].query;
    EXPECT_LT(after.second * 4, before[i].second)
        << kPlanted[i].query << ": blocks " << before[i].second << " -> " << after.second;
    std::printf("[ measured ] %s: shared blocks %lld -> %lld\n", kPlanted[i].query,
                static_cast<long long>(before[i].second), static_cast<long long>(after.second));
  }
  // Advised again, the applied indexes are existing ones: nothing left to propose.
  auto again = advise("--format json '" + slow + "'");
  EXPECT_EQ(again.exit_code, 0) << again.out;
}

TEST_F(AdviseLive, WithoutHypoPGSaysHowToGetIt) {
  auto r = advise("-", "SELECT id FROM orders WHERE customer_id = 7;");
  EXPECT_NE(r.out.find("HypoPG missing"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CREATE EXTENSION hypopg"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not proven"), std::string::npos) << r.out;
  EXPECT_EQ(r.exit_code, 0);
}

TEST_F(AdviseLive, AnalyzeDmlChangesNoRow) {
  psql("CREATE EXTENSION hypopg");
  const std::string checksum =
      "SELECT md5(string_agg(o::text, ',' ORDER BY id)) FROM orders o;"
      "SELECT count(*) FROM order_lines;";
  auto before = psql(checksum);
  auto r = advise("--analyze-dml --format json -",
                  "UPDATE orders SET total = total + 1 WHERE customer_id = 99;\n"
                  "DELETE FROM order_lines WHERE order_id = 5;\n"
                  "INSERT INTO order_lines VALUES (900001, 5, 'SKU-1', 1);\n");
  auto j = json_of(r);
  ASSERT_EQ(j["queries"].size(), 3u) << r.out;
  for (const auto& q : j["queries"]) EXPECT_TRUE(q.contains("analyzed_ms")) << q.dump(2);
  EXPECT_EQ(psql(checksum), before);
  // Without the flag DML is only EXPLAINed.
  auto plain = json_of(advise("--format json -", "DELETE FROM order_lines WHERE order_id = 5;"));
  EXPECT_FALSE(plain["queries"][0].contains("analyzed_ms"));
  EXPECT_EQ(psql(checksum), before);
}

TEST_F(AdviseLive, WorkloadBudgetPicksTheIndexServingTheMostCalls) {
  psql("CREATE EXTENSION hypopg; CREATE EXTENSION pg_stat_statements; SELECT pg_stat_statements_reset();");
  std::string workload;
  for (int i = 0; i < 40; ++i) workload += fmt::format("SELECT id, total FROM orders WHERE customer_id = {};\n", i);
  for (int i = 0; i < 3; ++i) workload += fmt::format("SELECT id FROM order_lines WHERE sku = 'SKU-{}';\n", i);
  psql(workload);
  // The window pg_stat_statements counts calls in is the one writes are counted in: the
  // schema's bulk load is not this workload's.
  psql("SELECT pg_stat_reset()");
  // Sizes first, without a budget: both are proposed.
  auto all = json_of(advise("--from-pg-stat-statements --format json"));
  ASSERT_EQ(all["chosen"].size(), 2u) << all.dump(2);
  int64_t largest = 0;
  for (const auto& c : all["chosen"]) largest = std::max(largest, c["size_bytes"].get<int64_t>());
  // Room for one: the one serving 40 calls wins over the one serving 3.
  auto r = advise(fmt::format("--from-pg-stat-statements --format json --budget {}", largest + 1024));
  auto j = json_of(r);
  ASSERT_EQ(j["chosen"].size(), 1u) << j.dump(2);
  EXPECT_NE(j["chosen"][0]["ddl"].get<std::string>().find("orders (customer_id)"), std::string::npos) << j.dump(2);
  // The review: never scanned, and a prefix of another index.
  bool unused = false, prefix = false;
  for (const auto& x : j["removals"]) {
    std::string reason = x["reason"];
    if (x["index"] == "public.customers_region_idx" &&
        reason.find("prefix of customers_region_created_at_idx") != std::string::npos)
      prefix = true;
    if (reason.find("never scanned") != std::string::npos) unused = true;
    EXPECT_GT(x["size_bytes"].get<int64_t>(), 0);
    EXPECT_NE(x["index"], "public.orders_pkey");  // backs a constraint
  }
  EXPECT_TRUE(unused) << j["removals"].dump(2);
  EXPECT_TRUE(prefix) << j["removals"].dump(2);
}

TEST_F(AdviseLive, ErrorsNeverPrintThePassword) {
  auto bad = test::run_pglens(
      fmt::format("advise --db 'postgresql://postgres:{}@127.0.0.1:1/advise_shop' -", kPassword), "SELECT 1;");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err.find(kPassword), std::string::npos) << bad.err;
  auto broken = advise("-", "SELECT no_such_column FROM orders;");
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_NE(broken.err.find("no_such_column"), std::string::npos) << broken.err;
}

// Another session holds a lock the EXPLAIN waits for: lock_timeout ends the wait, exit 2.
TEST_F(AdviseLive, StalledServerTimesOutWithExit2) {
  std::string conninfo = fmt::format("host=127.0.0.1 port={} dbname=advise_shop user=postgres", pg_->port());
  PGconn* holder = PQconnectdb(conninfo.c_str());
  ASSERT_EQ(PQstatus(holder), CONNECTION_OK);
  PQclear(PQexec(holder, "BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;"));
  test::TempDir dir;
  test::write_file(dir / ".pglens.toml", "[database]\nstatement-timeout = 1500\n");
  auto r = test::run_pglens("advise --db '" + url_ + "' -", "SELECT id FROM orders WHERE customer_id = 7;", dir.path());
  PQclear(PQexec(holder, "ROLLBACK"));
  PQfinish(holder);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("timeout"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(kPassword), std::string::npos) << r.err;
}

TEST(AdviseParameters, CountsDollarParametersOutsideStringsAndComments) {
  EXPECT_EQ(advise::parameter_count("SELECT 1"), 0);
  EXPECT_EQ(advise::parameter_count("SELECT * FROM t WHERE a = $1 AND b = $12"), 12);
  EXPECT_EQ(advise::parameter_count("SELECT '$3', \"$4\" -- $5\n /* $6 */ FROM t WHERE a = $2"), 2);
  EXPECT_EQ(advise::parameter_count("SELECT $q$ $7 $q$, $$ $8 $$ FROM t WHERE a = $1"), 1);
}

// `pglens lint --db`: the index a finding suggests is asked of the server's planner through
// HypoPG. The one it uses is marked verified with the cost figures; one it would not use
// (a range matching nearly every row) loses its DDL and says why.
const char* const kLintQueries =
    "SELECT id, total FROM orders WHERE customer_id = 4242;\n"
    "SELECT id FROM orders WHERE customer_id > 100;\n";

std::vector<nlohmann::json> index_findings(const nlohmann::json& report, int line) {
  std::vector<nlohmann::json> out;
  if (!report.is_array()) return out;
  for (const auto& d : report)  // lint's JSON: one object per finding
    if (d.value("line", 0) == line && d.value("rule", std::string()).starts_with("missing-index")) out.push_back(d);
  return out;
}

TEST_F(AdviseLive, LintDbVerifiesTheIndexThePlannerUsesAndDropsTheOther) {
  psql("CREATE EXTENSION hypopg");
  test::TempDir dir;
  test::write_file(dir / "q.sql", kLintQueries);
  auto q = (dir / "q.sql").string();
  auto offline = test::run_pglens("lint --format json '" + q + "'");
  auto r = test::run_pglens("lint --format json --db '" + url_ + "' '" + q + "'");
  EXPECT_EQ(r.out.find(kPassword), std::string::npos);
  EXPECT_EQ(r.err.find(kPassword), std::string::npos);
  EXPECT_EQ(r.err.find("not verified"), std::string::npos) << r.err;
  auto j = json_of(r);

  auto used = index_findings(j, 1);
  ASSERT_FALSE(used.empty()) << r.out;
  for (const auto& d : used) {
    EXPECT_TRUE(d.value("verified", false)) << d.dump();
    EXPECT_NE(d.value("ddl", std::string()).find("orders (customer_id"), std::string::npos) << d.dump();
    EXPECT_LT(d.value("cost_after", 1e9), d.value("cost_before", 0.0) / 2) << d.dump();
    EXPECT_NE(d.value("message", std::string()).find("verified: cost"), std::string::npos) << d.dump();
  }
  auto unused = index_findings(j, 2);
  ASSERT_FALSE(unused.empty()) << r.out;
  for (const auto& d : unused) {
    EXPECT_FALSE(d.value("verified", true)) << d.dump();
    EXPECT_FALSE(d.contains("ddl")) << d.dump();
    EXPECT_NE(d.value("message", std::string()).find("the planner would not use this index"), std::string::npos)
        << d.dump();
  }
  // Nothing hypothetical is left behind, and the run wrote nothing: no real index appeared.
  EXPECT_EQ(psql("SELECT count(*) FROM pg_indexes WHERE tablename = 'orders'"), std::vector<std::string>{"1"});

  // Without --db nothing is asked and nothing is marked.
  EXPECT_EQ(offline.out.find("\"verified\""), std::string::npos) << offline.out;
  EXPECT_EQ(offline.out.find("planner would not use"), std::string::npos) << offline.out;
}

TEST_F(AdviseLive, LintDbWithoutHypoPGLeavesFindingsAsTheyAreAndSaysSoOnce) {
  test::TempDir dir;
  test::write_file(dir / "q.sql", kLintQueries);
  auto r = test::run_pglens("lint --format json --db '" + url_ + "' '" + (dir / "q.sql").string() + "'");
  auto at = r.err.find("HypoPG is not installed");
  ASSERT_NE(at, std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("HypoPG is not installed", at + 1), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("\"verified\""), std::string::npos) << r.out;
  auto j = json_of(r);
  for (int line : {1, 2})
    for (const auto& d : index_findings(j, line)) EXPECT_TRUE(d.contains("ddl")) << d.dump();
}

}  // namespace
}  // namespace pglens
