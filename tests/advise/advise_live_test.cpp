// `pglens advise` against the throwaway server (PostgreSQL 15 with HypoPG): planted slow
// queries get an index the planner uses, healthy ones none; the script runs and the plans
// then read the indexes and far fewer buffers; the budget picks the index serving the most
// calls; unused and duplicate indexes are reported; --analyze-dml changes no row; the
// password never appears. Plans, costs and buffers only: never a wall-clock bound.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <thread>

#include <libpq-fe.h>

#include "advise/advise.hpp"
#include "lsp/session.hpp"
#include "lsp/uri.hpp"
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

  // EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) of `query` on advise_shop, as psql prints it: a
  // plan captured on the server, for `pglens explain`.
  std::string capture_plan(const std::string& query) {
    std::string text;
    for (const auto& l :
         psql("SET max_parallel_workers_per_gather = 0; EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query))
      text += l + "\n";
    return text;
  }

  // The language server's initialize request from an editor whose settings name advise_shop.
  nlohmann::json initialize_with_database(const std::filesystem::path& root) const {
    return {{"jsonrpc", "2.0"},
            {"id", 1},
            {"method", "initialize"},
            {"params",
             {{"rootUri", lsp::path_to_uri(root)},
              {"initializationOptions", {{"databaseUrl", url_}}},
              {"capabilities", nlohmann::json::object()}}}};
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

// The findings of `pglens explain --format json` that suggest an index, over every plan.
std::vector<nlohmann::json> explain_index_findings(const nlohmann::json& report) {
  std::vector<nlohmann::json> out;
  if (!report.contains("plans")) return out;
  for (const auto& p : report["plans"])
    for (const auto& f : p["findings"])
      if (f.value("ddl", std::string()).find("CREATE INDEX") != std::string::npos || f.contains("verified"))
        out.push_back(f);
  return out;
}

// `pglens explain --db`: the index a plan's finding suggests is asked of the planner for the
// plan's query (--sql). Used: `verified` with the figures; not used (the data changed since
// the plan was captured: the value it looked for is now most of the table): no DDL, and why.
TEST_F(AdviseLive, ExplainDbVerifiesTheIndexThePlannerUsesAndDropsTheOther) {
  psql("CREATE EXTENSION hypopg");
  psql(
      "CREATE TABLE tickets AS SELECT g AS id, CASE WHEN g % 1000 = 0 THEN 'open' ELSE 'closed' END AS state, "
      "g % 97 AS prio FROM generate_series(1, 200000) g; VACUUM ANALYZE tickets");
  test::TempDir dir;
  const std::string used_query = "SELECT id, total FROM orders WHERE customer_id = 4242";
  const std::string unused_query = "SELECT id, prio FROM tickets WHERE state = 'open'";
  test::write_file(dir / "used.sql", used_query + ";\n");
  test::write_file(dir / "used.json", capture_plan(used_query));
  test::write_file(dir / "unused.sql", unused_query + ";\n");
  test::write_file(dir / "unused.json", capture_plan(unused_query));
  psql("UPDATE tickets SET state = 'open' WHERE id % 10 <> 0; VACUUM ANALYZE tickets");

  auto explain = [&](const std::string& name, const std::string& db) {
    return test::run_pglens(fmt::format("explain --format json {} --sql '{}' '{}'", db,
                                        (dir / (name + ".sql")).string(), (dir / (name + ".json")).string()));
  };
  auto used = explain("used", "--db '" + url_ + "'");
  EXPECT_EQ(used.exit_code, 0) << used.err;
  EXPECT_EQ(used.err.find("not verified"), std::string::npos) << used.err;
  EXPECT_EQ(used.out.find(kPassword), std::string::npos);
  auto uj = json_of(used);
  auto found = explain_index_findings(uj);
  ASSERT_FALSE(found.empty()) << used.out;
  for (const auto& f : found) {
    EXPECT_TRUE(f.value("verified", false)) << f.dump();
    EXPECT_NE(f.value("ddl", std::string()).find("orders (customer_id"), std::string::npos) << f.dump();
    EXPECT_LT(f.value("cost_after", 1e9), f.value("cost_before", 0.0) / 2) << f.dump();
    EXPECT_NE(f.value("message", std::string()).find("verified: cost"), std::string::npos) << f.dump();
  }
  ASSERT_EQ(uj["plans"][0]["indexes"].size(), 1u) << uj.dump(2);
  EXPECT_TRUE(uj["plans"][0]["indexes"][0].value("verified", false)) << uj["plans"][0]["indexes"].dump();

  auto unused = explain("unused", "--db '" + url_ + "'");
  EXPECT_EQ(unused.exit_code, 0) << unused.err;
  auto nj = json_of(unused);
  auto dropped = explain_index_findings(nj);
  ASSERT_FALSE(dropped.empty()) << unused.out;
  for (const auto& f : dropped) {
    EXPECT_FALSE(f.value("verified", true)) << f.dump();
    EXPECT_EQ(f.value("ddl", std::string("?")), "") << f.dump();
    EXPECT_NE(f.value("message", std::string()).find("the planner would not use this index"), std::string::npos)
        << f.dump();
  }
  EXPECT_TRUE(nj["plans"][0]["indexes"].empty()) << nj["plans"][0]["indexes"].dump();
  // In text, as the user reads it.
  auto text = test::run_pglens(fmt::format("explain --color never --db '{}' --sql '{}' '{}'", url_,
                                           (dir / "used.sql").string(), (dir / "used.json").string()));
  EXPECT_NE(text.out.find("verified: cost"), std::string::npos) << text.out;
  // Nothing hypothetical is left behind, and nothing was written.
  EXPECT_EQ(psql("SELECT count(*) FROM pg_indexes WHERE tablename IN ('orders', 'tickets')"),
            std::vector<std::string>{"1"});

  // Without --db nothing is asked and nothing is marked.
  auto offline = explain("used", "");
  EXPECT_EQ(offline.out.find("\"verified\""), std::string::npos) << offline.out;
  EXPECT_EQ(offline.out.find("verified: cost"), std::string::npos) << offline.out;
  EXPECT_EQ(offline.err, "");
}

TEST_F(AdviseLive, ExplainDbWithoutHypoPGOrQueryTextLeavesFindingsAndSaysSoOnce) {
  test::TempDir dir;
  const std::string query = "SELECT id, total FROM orders WHERE customer_id = 4242";
  test::write_file(dir / "q.sql", query + ";\n");
  test::write_file(dir / "plan.json", capture_plan(query));
  auto r = test::run_pglens(fmt::format("explain --format json --db '{}' --sql '{}' '{}'", url_,
                                        (dir / "q.sql").string(), (dir / "plan.json").string()));
  auto at = r.err.find("HypoPG is not installed");
  ASSERT_NE(at, std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("HypoPG is not installed", at + 1), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("\"verified\""), std::string::npos) << r.out;
  auto found = explain_index_findings(json_of(r));
  ASSERT_FALSE(found.empty()) << r.out;
  for (const auto& f : found) EXPECT_NE(f.value("ddl", std::string()), "") << f.dump();

  // With HypoPG but no query text: the planner cannot be asked; said once, findings kept.
  psql("CREATE EXTENSION hypopg");
  auto bare = test::run_pglens(fmt::format("explain --format json --db '{}' '{}'", url_, (dir / "plan.json").string()));
  at = bare.err.find("carries no query text");
  ASSERT_NE(at, std::string::npos) << bare.err;
  EXPECT_EQ(bare.err.find("carries no query text", at + 1), std::string::npos) << bare.err;
  EXPECT_EQ(bare.out.find("\"verified\""), std::string::npos) << bare.out;
}

// `pglens lint --db` over two directories whose configs name different search paths: each
// file's statements are planned with its own config's path (the table `logs` exists only in
// schema archive), not with the first config's.
TEST_F(AdviseLive, LintDbPlansEachFileWithItsOwnConfigsSearchPath) {
  psql(
      "CREATE EXTENSION hypopg; CREATE SCHEMA archive;"
      "CREATE TABLE archive.logs (id int PRIMARY KEY, account_id int NOT NULL, body text NOT NULL);"
      "INSERT INTO archive.logs SELECT g, g % 5000, 'entry ' || g FROM generate_series(1, 200000) g;"
      "VACUUM ANALYZE archive.logs");
  test::TempDir dir;
  test::write_file(dir / "shop" / ".pglens.toml", "search-path = [\"public\"]\n");
  test::write_file(dir / "shop" / "q.sql", "SELECT id, total FROM orders WHERE customer_id = 4242;\n");
  test::write_file(dir / "archive" / ".pglens.toml", "search-path = [\"archive\"]\n");
  test::write_file(dir / "archive" / "q.sql", "SELECT id, body FROM logs WHERE account_id = 42;\n");
  auto r = test::run_pglens(
      fmt::format("lint --format json --db '{}' '{}' '{}'", url_, (dir / "shop").string(), (dir / "archive").string()));
  EXPECT_EQ(r.err.find("not verified"), std::string::npos) << r.err;
  auto j = json_of(r);
  std::map<std::string, int> verified;  // by file
  for (const auto& d : j) {
    if (!d.value("rule", std::string()).starts_with("missing-index")) continue;
    std::string file = d.value("file", std::string());
    std::string where = file.find("archive") != std::string::npos ? "archive" : "shop";
    EXPECT_TRUE(d.value("verified", false)) << d.dump();
    EXPECT_LT(d.value("cost_after", 1e9), d.value("cost_before", 0.0) / 2) << d.dump();
    verified[where] += d.value("verified", false) ? 1 : 0;
  }
  EXPECT_GE(verified["shop"], 1) << r.out;
  EXPECT_GE(verified["archive"], 1) << r.out;
}

TEST(AdviseParameters, TypedLiteralsMadeParametersAreCastAndNothingElse) {
  using advise::cast_typed_parameters;
  EXPECT_EQ(cast_typed_parameters("SELECT id FROM t WHERE d > date $1"), "SELECT id FROM t WHERE d > $1::date");
  EXPECT_EQ(cast_typed_parameters("SELECT id FROM t WHERE d > now() - interval $1 AND e < timestamp $2"),
            "SELECT id FROM t WHERE d > now() - $1::interval AND e < $2::timestamp");
  EXPECT_EQ(cast_typed_parameters("SELECT id FROM t WHERE d > now() - interval $1 day"),
            "SELECT id FROM t WHERE d > now() - $1::interval day");
  EXPECT_EQ(cast_typed_parameters("SELECT timestamp with time zone $1, double precision $2"),
            "SELECT $1::timestamp with time zone, $2::double precision");
  EXPECT_EQ(cast_typed_parameters("SELECT character varying $1, numeric(10, 2) $2, pg_catalog.date $3"),
            "SELECT $1::character varying, $2::numeric(10, 2), $3::pg_catalog.date");
  // A string, a quoted identifier and a comment that look alike stay as written; what lay
  // between the type and the parameter (a comment) is kept.
  EXPECT_EQ(cast_typed_parameters("SELECT 'date $1', \"date $2\" FROM t /* date $3 */ WHERE d = date /* c */ $4"),
            "SELECT 'date $1', \"date $2\" FROM t /* date $3 */ WHERE d = $4::date /* c */");
  // Parameters that are no typed literal's, and a text that does not parse, stay as written.
  EXPECT_EQ(cast_typed_parameters("SELECT id FROM t WHERE a = $1 LIMIT $2 OFFSET $3"),
            "SELECT id FROM t WHERE a = $1 LIMIT $2 OFFSET $3");
  EXPECT_EQ(cast_typed_parameters("SELECT FROM FROM t WHERE d = date $1"), "SELECT FROM FROM t WHERE d = date $1");
  EXPECT_EQ(cast_typed_parameters("SELECT id FROM t WHERE a = $1 $2"), "SELECT id FROM t WHERE a = $1 $2");
  EXPECT_EQ(cast_typed_parameters("SELECT $1::date, CAST($2 AS interval) FROM t -- date $3\n WHERE d = date $4"),
            "SELECT $1::date, CAST($2 AS interval) FROM t -- date $3\n WHERE d = $4::date");
}

// pg_stat_statements stores `date '2024-01-02'` as `date $1`: such statements are planned as
// `$1::date`; one that still cannot be planned is counted and named, not silently dropped.
TEST_F(AdviseLive, WorkloadTypedLiteralsArePlannedAndTheUnplannableNamed) {
  psql("CREATE EXTENSION hypopg; CREATE EXTENSION pg_stat_statements; SELECT pg_stat_statements_reset();");
  psql(
      "SELECT id FROM orders WHERE created_at >= timestamptz '2024-03-01 10:00' AND customer_id = 17;"
      "SELECT id FROM orders WHERE created_at < date '2024-01-02' + interval '1 hour';"
      "SELECT id FROM events WHERE created_at >= timestamp with time zone '2024-06-02' AND account_id = 3;"
      "SELECT id FROM order_lines WHERE 'x' IS NULL OR order_id = 5;");
  auto r = advise("--from-pg-stat-statements --format json");
  EXPECT_NE(r.exit_code, 2) << r.err;
  auto j = json_of(r);
  int cast = 0;
  std::string unplannable_origin;
  for (const auto& q : j["queries"]) {
    std::string text = q["query"];
    if (text.find("::timestamptz") != std::string::npos || text.find("::date") != std::string::npos ||
        text.find("::timestamp with time zone") != std::string::npos) {
      ++cast;
      EXPECT_FALSE(q.contains("error")) << q.dump(2);
    }
    if (text.find("IS NULL") != std::string::npos) {
      EXPECT_TRUE(q.contains("error")) << q.dump(2);
      unplannable_origin = q["origin"];
    }
  }
  EXPECT_EQ(cast, 3) << j["queries"].dump(2);
  ASSERT_FALSE(unplannable_origin.empty()) << j["queries"].dump(2);
  std::string notes = j["notes"].dump();
  EXPECT_NE(notes.find("3 of "), std::string::npos) << notes;
  EXPECT_NE(notes.find("1 of "), std::string::npos) << notes;
  EXPECT_NE(notes.find("could not be planned, skipped: " + unplannable_origin), std::string::npos) << notes;
  EXPECT_NE(r.err.find("1 of "), std::string::npos) << r.err;
  // The casts pglens writes run on PostgreSQL as written.
  const char* rewritten[] = {
      "SELECT id FROM orders WHERE created_at < date $1 + interval $2",
      "SELECT id FROM events WHERE created_at >= timestamp with time zone $1 AND account_id = $2",
      "SELECT numeric(10, 2) $1, double precision $2, character varying $3, pg_catalog.date $4, time without time "
      "zone $5",
      "SELECT id FROM orders WHERE created_at > now() - interval $1 /* c */ LIMIT $2"};
  std::string prepare;
  int n = 0;
  for (const char* sql : rewritten)
    prepare += fmt::format("PREPARE p{} AS {};\n", ++n, advise::cast_typed_parameters(sql));
  psql(prepare);  // fails the test when one does not prepare
}

// The language server with a database configured marks the indexes as `lint --db` does,
// through the same prover (advise::IndexVerifier, which `pglens lsp` passes in).
TEST_F(AdviseLive, LanguageServerMarksTheIndexesWithADatabase) {
  psql("CREATE EXTENSION hypopg");
  test::TempDir dir;
  auto root = std::filesystem::canonical(dir.path());
  std::vector<std::string> said;
  auto verifier = std::make_shared<advise::IndexVerifier>([&](const std::string& s) { said.push_back(s); });
  lsp::Session session(
      {.debounce = std::chrono::milliseconds(5),
       .verify_indexes = [verifier](const std::string& url, const Config& config, const Catalog& catalog,
                                    const SourceFile& file, std::vector<Diagnostic>& diagnostics) {
         (*verifier)(url, config, catalog, file, diagnostics);
       }});
  auto send = [&](const nlohmann::json& message) { return session.send(message); };
  send(initialize_with_database(root));
  auto out = send({{"jsonrpc", "2.0"},
                   {"method", "textDocument/didOpen"},
                   {"params",
                    {{"textDocument",
                      {{"uri", lsp::path_to_uri(root / "q.sql")},
                       {"languageId", "sql"},
                       {"version", 1},
                       {"text", kLintQueries}}}}}});
  nlohmann::json last;  // the findings published once the database answered
  for (const auto& m : out)
    if (m.value("method", "") == "textDocument/publishDiagnostics") last = m;
  ASSERT_TRUE(last.is_object()) << nlohmann::json(out).dump(2);
  int verified = 0, dropped = 0;
  for (const auto& d : last["params"]["diagnostics"]) {
    std::string message = d.value("message", "");
    if (!d.value("code", std::string()).starts_with("missing-index")) continue;
    int line = d["range"]["start"]["line"];
    if (line == 0) {
      EXPECT_NE(message.find("verified: cost"), std::string::npos) << d.dump();
      ++verified;
    } else {
      EXPECT_NE(message.find("the planner would not use this index"), std::string::npos) << d.dump();
      ++dropped;
    }
  }
  EXPECT_GE(verified, 1) << last.dump(2);
  EXPECT_GE(dropped, 1) << last.dump(2);
  EXPECT_TRUE(said.empty()) << said.front();
  for (const auto& m : out) EXPECT_EQ(m.dump().find(kPassword), std::string::npos);
}

// Plan documents in the editor with a database configured are marked as `pglens explain --db`
// marks them (advise::IndexVerifier::verify_plan on verify_plan_indexes), for the query file
// each names in its first line: the index the planner uses reads `verified` with the costs;
// the one it would not use (the data moved since the plan was captured) loses its DDL, so no
// action offers it; a plan without its query keeps its DDL and the log says why, once.
TEST_F(AdviseLive, LanguageServerMarksThePlanDocumentsIndexesWithADatabase) {
  psql("CREATE EXTENSION hypopg");
  psql(
      "CREATE TABLE tickets AS SELECT g AS id, CASE WHEN g % 1000 = 0 THEN 'open' ELSE 'closed' END AS state, "
      "g % 97 AS prio FROM generate_series(1, 200000) g; VACUUM ANALYZE tickets");
  test::TempDir dir;
  auto root = std::filesystem::canonical(dir.path());
  auto text_plan = [&](const std::string& query) {
    std::string plan;
    for (const auto& l : psql("SET max_parallel_workers_per_gather = 0; EXPLAIN (ANALYZE, BUFFERS) " + query))
      plan += l + "\n";
    return plan;
  };
  const std::string used_query = "SELECT id, total FROM orders WHERE customer_id = 4242";
  const std::string unused_query = "SELECT id, prio FROM tickets WHERE state = 'open'";
  test::write_file(root / "used.sql", used_query + ";\n");
  test::write_file(root / "unused.sql", unused_query + ";\n");
  const std::map<std::string, std::string> plans = {
      {"used.plan", "-- pglens-query: used.sql\n" + text_plan(used_query)},
      {"unused.plan", "-- pglens-query: unused.sql\n" + text_plan(unused_query)},
      {"bare.plan", text_plan(used_query)},
  };
  psql("UPDATE tickets SET state = 'open' WHERE id % 10 <> 0; VACUUM ANALYZE tickets");

  std::vector<std::string> said;
  auto verifier = std::make_shared<advise::IndexVerifier>([&](const std::string& s) { said.push_back(s); });
  lsp::Session session(
      {.debounce = std::chrono::milliseconds(5),
       .verify_plan_indexes = [verifier](const std::string& url, const Config& config, const Catalog& catalog,
                                         std::string_view query, plan::Diagnosis& diagnosis) {
         verifier->verify_plan(url, config, catalog, query, diagnosis);
       }});
  std::vector<nlohmann::json> out;
  auto send = [&](const nlohmann::json& message) {
    auto got = session.send(message);
    out.insert(out.end(), got.begin(), got.end());
    return got;
  };
  send(initialize_with_database(root));
  // The findings each plan document was last published with.
  std::map<std::string, std::vector<nlohmann::json>> found;
  for (const auto& [name, text] : plans) {
    std::string uri = lsp::path_to_uri(root / name);
    nlohmann::json last;
    for (const auto& m :
         send({{"jsonrpc", "2.0"},
               {"method", "textDocument/didOpen"},
               {"params",
                {{"textDocument", {{"uri", uri}, {"languageId", "pgexplain"}, {"version", 1}, {"text", text}}}}}}))
      if (m.value("method", "") == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri) last = m;
    ASSERT_TRUE(last.is_object()) << name << nlohmann::json(out).dump(2);
    for (const auto& d : last["params"]["diagnostics"]) found[name].push_back(d);
  }
  auto messages = [&](const std::string& name) {
    std::string all;
    for (const auto& d : found[name]) all += d.value("message", "") + "\n";
    return all;
  };
  EXPECT_NE(messages("used.plan").find("verified: cost"), std::string::npos) << messages("used.plan");
  EXPECT_EQ(messages("used.plan").find("would not use"), std::string::npos) << messages("used.plan");
  EXPECT_NE(messages("unused.plan").find("the planner would not use this index"), std::string::npos)
      << messages("unused.plan");
  EXPECT_EQ(messages("unused.plan").find("verified: cost"), std::string::npos) << messages("unused.plan");
  EXPECT_EQ(messages("bare.plan").find("verified"), std::string::npos) << messages("bare.plan");

  // The actions follow the marks: the used index's DDL is offered (into its query file), the
  // dropped one's is not.
  auto ddl_actions = [&](const std::string& name) {
    std::string uri = lsp::path_to_uri(root / name);
    int ddl = 0;
    for (const auto& m :
         send({{"jsonrpc", "2.0"},
               {"id", 2},
               {"method", "textDocument/codeAction"},
               {"params",
                {{"textDocument", {{"uri", uri}}},
                 {"range", {{"start", {{"line", 0}, {"character", 0}}}, {"end", {{"line", 40}, {"character", 0}}}}},
                 {"context", {{"diagnostics", nlohmann::json::array()}}}}}}))
      if (m.contains("result") && m["result"].is_array())
        for (const auto& a : m["result"])
          if (a.value("title", "").find("DDL") != std::string::npos) ++ddl;
    return ddl;
  };
  EXPECT_GE(ddl_actions("used.plan"), 1);
  EXPECT_EQ(ddl_actions("unused.plan"), 0);

  // The plan without its query: said once in the editor's log, naming how to pair it.
  int told = 0;
  for (const auto& m : out)
    if (m.value("method", "") == "window/logMessage" &&
        m["params"].value("message", "").find("bare.plan are not verified") != std::string::npos) {
      EXPECT_NE(m["params"]["message"].get<std::string>().find("-- pglens-query:"), std::string::npos) << m.dump();
      ++told;
    }
  EXPECT_EQ(told, 1) << nlohmann::json(out).dump(2);
  EXPECT_TRUE(said.empty()) << said.front();
  for (const auto& m : out) EXPECT_EQ(m.dump().find(kPassword), std::string::npos);
  // Nothing hypothetical is left behind, and nothing was written.
  EXPECT_EQ(psql("SELECT count(*) FROM pg_indexes WHERE tablename IN ('orders', 'tickets')"),
            std::vector<std::string>{"1"});
}

// Plans as input: the query each one carries (auto_explain's Query Text) is advised on; a
// plan without its query is an error that says what to give instead.
TEST_F(AdviseLive, PlansWithTheirQueryTextAreAdvisedOnTheirQuery) {
  psql("CREATE EXTENSION hypopg");
  const std::string query = "SELECT id, total FROM orders WHERE customer_id = 4242";
  std::string log = "2026-12-07 10:00:00.000 UTC [4711] LOG:  duration: 21.5 ms  plan:\n\tQuery Text: " + query + ";\n";
  for (const auto& l : psql("SET max_parallel_workers_per_gather = 0; EXPLAIN (ANALYZE) " + query))
    log += "\t" + l + "\n";
  test::TempDir dir;
  test::write_file(dir / "slow.log", log);
  auto r = advise("--format json '" + (dir / "slow.log").string() + "'");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto j = json_of(r);
  ASSERT_EQ(j["queries"].size(), 1u) << r.out;
  EXPECT_EQ(j["queries"][0]["query"], query) << r.out;
  ASSERT_EQ(j["chosen"].size(), 1u) << r.out;
  EXPECT_NE(j["chosen"][0]["ddl"].get<std::string>().find("orders (customer_id"), std::string::npos) << r.out;

  test::write_file(dir / "bare.json", capture_plan(query));
  auto bare = advise("'" + (dir / "bare.json").string() + "'");
  EXPECT_EQ(bare.exit_code, 2);
  EXPECT_NE(bare.err.find("the plan carries no query text"), std::string::npos) << bare.err;
}

// --verify real: the index is built for real inside a transaction that is rolled back, and
// the query measured with and without it; refused unless named exactly. The database comes
// from PGLENS_DATABASE_URL here (no --db).
TEST_F(AdviseLive, VerifyRealMeasuresBuffersAndRollsTheIndexBack) {
  psql("CREATE EXTENSION hypopg");
  auto refused = advise("--verify yes -", "SELECT 1;");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--verify takes `real`"), std::string::npos) << refused.err;
  ::setenv("PGLENS_DATABASE_URL", url_.c_str(), 1);
  auto r = test::run_pglens("advise --verify real --format json -",
                            "SELECT id, total FROM orders WHERE customer_id = 4242;");
  ::unsetenv("PGLENS_DATABASE_URL");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out.find(kPassword), std::string::npos);
  EXPECT_EQ(r.err.find(kPassword), std::string::npos);
  auto j = json_of(r);
  ASSERT_EQ(j["queries"].size(), 1u) << r.out;
  bool measured = false;
  for (const auto& c : j["queries"][0]["candidates"]) {
    if (!c["kept"].get<bool>()) continue;
    ASSERT_TRUE(c.contains("measured")) << c.dump(2);
    const auto& m = c["measured"];
    EXPECT_TRUE(m["used"].get<bool>()) << m.dump();
    EXPECT_LT(m["shared_blocks_after"].get<int64_t>() * 4, m["shared_blocks_before"].get<int64_t>()) << m.dump();
    measured = true;
  }
  EXPECT_TRUE(measured) << r.out;
  // Rolled back: no index was left.
  EXPECT_EQ(psql("SELECT count(*) FROM pg_indexes WHERE tablename = 'orders'"), std::vector<std::string>{"1"});
}

// The database from libpq's PG* variables alone (no URL anywhere); the session names itself
// `pglens` (seen in pg_stat_activity while it waits on a lock another session holds).
TEST_F(AdviseLive, LibpqVariablesAndApplicationName) {
  std::string conninfo = fmt::format("host=127.0.0.1 port={} dbname=advise_shop user=postgres", pg_->port());
  PGconn* holder = PQconnectdb(conninfo.c_str());
  ASSERT_EQ(PQstatus(holder), CONNECTION_OK);
  PQclear(PQexec(holder, "BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;"));
  test::TempDir dir;
  test::write_file(dir / ".pglens.toml", "[database]\nstatement-timeout = 60000\n");
  const std::pair<const char*, std::string> env[] = {{"PGHOST", "127.0.0.1"},
                                                     {"PGPORT", std::to_string(pg_->port())},
                                                     {"PGUSER", "postgres"},
                                                     {"PGDATABASE", "advise_shop"},
                                                     {"PGPASSWORD", kPassword}};
  for (const auto& [k, v] : env) ::setenv(k, v.c_str(), 1);
  test::RunResult r;
  std::thread run(
      [&] { r = test::run_pglens("advise -", "SELECT id FROM orders WHERE customer_id = 7;", dir.path()); });
  // Outside any transaction: one keeps its first look at pg_stat_activity.
  PGconn* watcher = PQconnectdb(conninfo.c_str());
  std::string name;
  for (int i = 0; i < 1000 && name.empty(); ++i) {  // up to 50 s: a loaded machine starts it slowly
    PGresult* res = PQexec(watcher,
                           "SELECT application_name FROM pg_stat_activity WHERE datname = 'advise_shop' AND "
                           "wait_event_type = 'Lock'");
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0) name = PQgetvalue(res, 0, 0);
    PQclear(res);
    if (name.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  PQclear(PQexec(holder, "ROLLBACK"));
  PQfinish(holder);
  PQfinish(watcher);
  run.join();
  for (const auto& [k, v] : env) ::unsetenv(k);
  EXPECT_EQ(name, "pglens");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;  // HypoPG missing: nothing proven, nothing to advise
  EXPECT_NE(r.out.find("HypoPG missing"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(kPassword), std::string::npos);
  EXPECT_EQ(r.err.find(kPassword), std::string::npos);
}

// A partitioned table: the hypothetical index goes on each partition; the script creates it
// ON ONLY the parent, each partition CONCURRENTLY, and attaches them; applied, every
// partition's scan reads its index.
TEST_F(AdviseLive, PartitionedTableIndexIsProvenAppliedAndUsedOnEveryPartition) {
  psql(
      "CREATE EXTENSION hypopg;"
      "CREATE TABLE readings (id bigint NOT NULL, device_id int NOT NULL, taken_at timestamptz NOT NULL, "
      "  value float8 NOT NULL) PARTITION BY RANGE (taken_at);"
      "CREATE TABLE readings_2024h1 PARTITION OF readings FOR VALUES FROM ('2024-01-01') TO ('2024-07-01');"
      "CREATE TABLE readings_2024h2 PARTITION OF readings FOR VALUES FROM ('2024-07-01') TO ('2025-01-01');"
      "INSERT INTO readings SELECT g, g % 3000, timestamptz '2024-01-01' + make_interval(mins => g), g * 0.5 "
      "  FROM generate_series(1, 400000) g;"
      "VACUUM ANALYZE readings");
  test::TempDir dir;
  const std::string query = "SELECT id, value FROM readings WHERE device_id = 42";
  auto r = advise("--format json -o '" + (dir / "indexes.sql").string() + "' -", query + ";");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto j = json_of(r);
  ASSERT_EQ(j["chosen"].size(), 1u) << r.out;
  std::string script = test::read_file(dir / "indexes.sql");
  EXPECT_NE(script.find("ON ONLY"), std::string::npos) << script;
  EXPECT_NE(script.find("ATTACH PARTITION"), std::string::npos) << script;
  auto before = analyze(query);
  auto applied = advise("--apply -", query + ";");
  EXPECT_EQ(applied.exit_code, 1) << applied.err;
  psql("ANALYZE readings");
  auto after = analyze(query);
  EXPECT_EQ(after.first.size(), 2u) << "one index scan per partition";
  EXPECT_LT(after.second * 4, before.second) << before.second << " -> " << after.second;
  // The parent's index is valid: every partition's index is attached.
  EXPECT_EQ(psql("SELECT bool_and(i.indisvalid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
                 "WHERE c.relname = 'readings'"),
            std::vector<std::string>{"t"});
}

}  // namespace
}  // namespace pglens
