// Live statistics under --db: pg_stats decides which filters get a missing-index finding (a
// filter that keeps a large share of the rows gets none, a selective one keeps it and says
// where its share came from), pg_proc decides which user functions may be index keys, and a
// `catalog dump --db` snapshot carries both so an offline lint says the same. Every DDL the
// lint suggests is run on the server. Rows, plans and findings only: no wall-clock bound.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pglens/catalog.hpp"
#include "support/fixtures.hpp"
#include "support/pg_cluster.hpp"

namespace pglens {
namespace {

// An application's orders: 100,000 rows, a skewed status (70 % delivered, 20 % shipped,
// 9.7 % pending, 0.3 % failed), a flag true for 90 %, four regions evenly, 5,000 customers.
constexpr const char* kSchema = R"sql(
CREATE SCHEMA shop;
CREATE TABLE shop.orders (
    id bigint PRIMARY KEY,
    customer_id integer NOT NULL,
    status text NOT NULL,
    is_paid boolean NOT NULL,
    region text NOT NULL,
    created_at timestamptz NOT NULL,
    email text NOT NULL
);
INSERT INTO shop.orders
SELECT g, g % 5000,
       CASE WHEN g % 1000 < 3 THEN 'failed' WHEN g % 10 < 7 THEN 'delivered' WHEN g % 10 < 9 THEN 'shipped'
            ELSE 'pending' END,
       g % 10 <> 0,
       (ARRAY['eu', 'us', 'apac', 'latam'])[g % 4 + 1],
       timestamptz '2026-01-01 00:00+00' + g * interval '1 minute',
       'user' || g % 5000 || '@example.com'
FROM generate_series(1, 100000) g;
SET default_statistics_target = 1000;  -- a sample of 300,000 rows: the whole table, the same figures every run
ANALYZE shop.orders;
CREATE FUNCTION shop.normalized_email(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT lower(btrim($1)) $$;
CREATE FUNCTION shop.business_day(timestamptz) RETURNS date
    LANGUAGE sql STABLE AS $$ SELECT ($1 AT TIME ZONE current_setting('TimeZone'))::date $$;
)sql";

// Line by line: each query's line is the key of what is expected of it.
constexpr const char* kQueries =
    "SELECT id FROM shop.orders WHERE region = 'eu';\n"                          // 1: 25 %: none
    "SELECT id FROM shop.orders WHERE status IN ('delivered', 'shipped');\n"     // 2: 90 %: none
    "SELECT id FROM shop.orders WHERE status = 'failed';\n"                      // 3: 0.3 %: finding
    "SELECT id FROM shop.orders WHERE is_paid = false;\n"                        // 4: 10 %: none
    "SELECT id FROM shop.orders WHERE customer_id = $1;\n"                       // 5: 1/5000: finding
    "SELECT id FROM shop.orders WHERE region = $1;\n"                            // 6: 1/4: none
    "SELECT id FROM shop.orders WHERE shop.normalized_email(email) = $1;\n"      // 7: IMMUTABLE: index
    "SELECT id FROM shop.orders WHERE shop.business_day(created_at) = $1;\n"     // 8: STABLE: no index
    "SELECT id FROM shop.orders WHERE status = 'pending' AND region = 'eu';\n";  // 9: 2.4 %: finding

class StatsLive : public ::testing::Test {
 protected:
  void SetUp() override {
    PGLENS_REQUIRE_CLUSTER(pg);
    pg_ = pg;
    // Its own database: the shared cluster's other tests see none of this, nor it theirs.
    pg_->exec("DROP DATABASE IF EXISTS pglens_stats WITH (FORCE)");
    pg_->exec("CREATE DATABASE pglens_stats");
    url_ = fmt::format("postgresql://postgres@127.0.0.1:{}/pglens_stats", pg_->port());
    psql(kSchema);
    test::write_file(dir_ / "q.sql", kQueries);
  }
  void TearDown() override {
    if (pg_) pg_->exec("DROP DATABASE IF EXISTS pglens_stats WITH (FORCE)");
  }

  // Runs SQL on pglens_stats (the shared connection is on `postgres`); the output lines.
  std::string psql(const std::string& sql) {
    test::TempDir dir;
    test::write_file(dir / "in.sql", sql);
    std::string cmd = fmt::format(
        "'{}/psql' -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p {} -U postgres -d pglens_stats -f '{}' >'{}' 2>&1",
        test::PgCluster::bin_dir(), pg_->port(), (dir / "in.sql").string(), (dir / "out").string());
    int status = std::system(cmd.c_str());
    std::string out = test::read_file(dir / "out");
    EXPECT_EQ(status, 0) << sql << "\n" << out;
    return out;
  }

  static nlohmann::json json_of(const test::RunResult& r) {
    try {
      return nlohmann::json::parse(r.out);
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what() << "\n" << r.out << "\n" << r.err;
      return nlohmann::json::array();
    }
  }

  // The findings of `rule` on each line.
  static std::map<int, std::vector<nlohmann::json>> by_line(const nlohmann::json& report, const std::string& rule) {
    std::map<int, std::vector<nlohmann::json>> out;
    for (const auto& d : report)
      if (d.value("rule", std::string()) == rule) out[d.value("line", 0)].push_back(d);
    return out;
  }

  // Runs every DDL of the findings on the server, one statement at a time; each must succeed.
  size_t apply_ddl(const nlohmann::json& report) {
    size_t applied = 0;
    for (const auto& d : report) {
      std::string ddl = d.value("ddl", std::string());
      if (ddl.empty()) continue;
      psql(ddl);
      ++applied;
    }
    return applied;
  }

  test::PgCluster* pg_ = nullptr;
  std::string url_;
  test::TempDir dir_;
};

TEST_F(StatsLive, PgStatsDecideWhichFiltersGetAMissingIndexFinding) {
  auto q = (dir_ / "q.sql").string();
  auto r = test::run_pglens("lint --format json --db '" + url_ + "' '" + q + "'", {}, dir_.path());
  auto report = json_of(r);
  auto filter = by_line(report, "missing-index-filter");
  for (int line : {1, 2, 4, 6}) EXPECT_FALSE(filter.count(line)) << "line " << line << ": " << r.out;
  for (int line : {3, 5, 9}) {
    ASSERT_EQ(filter[line].size(), 1u) << "line " << line << ": " << r.out;
    std::string message = filter[line][0].value("message", std::string());
    // Where the share came from: the server's statistics.
    EXPECT_NE(message.find("of the rows by pg_stats of live 127.0.0.1:"), std::string::npos) << message;
    EXPECT_NE(filter[line][0].value("ddl", std::string()), "") << filter[line][0].dump();
  }
  EXPECT_NE(filter[3][0].value("message", std::string()).find("keeps about 0.3"), std::string::npos)
      << filter[3][0].dump();

  // Without the statistics, the names decide as before: `status` is status-like, `region` is not.
  auto offline_schema = dir_ / "schema.sql";
  test::write_file(offline_schema,
                   "CREATE SCHEMA shop; CREATE TABLE shop.orders (id bigint PRIMARY KEY, customer_id integer, status "
                   "text, is_paid boolean, region text, created_at timestamptz, email text);\n");
  test::write_file(dir_ / ".pglens.toml", "schema = [\"schema.sql\"]\n[tables.\"shop.orders\"]\nrows = 100000\n");
  auto offline = json_of(test::run_pglens("lint --format json q.sql", {}, dir_.path()));
  auto heuristic = by_line(offline, "missing-index-filter");
  EXPECT_TRUE(heuristic.count(1));   // region = 'eu'
  EXPECT_FALSE(heuristic.count(3));  // status = 'failed'
  for (const auto& [line, findings] : heuristic)
    for (const auto& d : findings) EXPECT_EQ(d.value("message", std::string()).find("pg_stats"), std::string::npos);
  std::filesystem::remove(dir_ / ".pglens.toml");

  // Each suggested index runs, and the planner then reads the failed orders through it.
  EXPECT_GE(apply_ddl(report), 3u);
  std::string plan = psql("EXPLAIN SELECT id FROM shop.orders WHERE status = 'failed'");
  EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << plan;
}

TEST_F(StatsLive, PgProcDecidesWhichUserFunctionsMayBeIndexKeys) {
  auto q = (dir_ / "q.sql").string();
  auto r = test::run_pglens("lint --format json --db '" + url_ + "' '" + q + "'", {}, dir_.path());
  auto report = json_of(r);
  auto wrapped = by_line(report, "non-sargable-predicate");
  ASSERT_EQ(wrapped[7].size(), 1u) << r.out;
  std::string ddl = wrapped[7][0].value("ddl", std::string());
  EXPECT_NE(ddl.find("shop.normalized_email(email)"), std::string::npos) << wrapped[7][0].dump();
  ASSERT_EQ(wrapped[8].size(), 1u) << r.out;
  EXPECT_FALSE(wrapped[8][0].contains("ddl")) << wrapped[8][0].dump();
  EXPECT_NE(wrapped[8][0].value("help", std::string()).find("`shop.business_day` is STABLE (pg_proc of live"),
            std::string::npos)
      << wrapped[8][0].dump();
  psql(ddl);
  std::string plan =
      psql("EXPLAIN SELECT id FROM shop.orders WHERE shop.normalized_email(email) = 'user7@example.com'");
  EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << plan;

  // Offline, the function is unknown: no expression index that may fail.
  auto offline = json_of(test::run_pglens("lint --format json q.sql", {}, dir_.path()));
  auto offline_wrapped =
      by_line(offline, "non-sargable-predicate");  // a range-for over [7] of a temporary reads freed memory
  for (const auto& d : offline_wrapped[7]) EXPECT_FALSE(d.contains("ddl")) << d.dump();
}

TEST_F(StatsLive, ASnapshotCarriesTheStatisticsAndVolatilityOffline) {
  auto dump = test::run_pglens("catalog dump --db '" + url_ + "' -o catalog.json", {}, dir_.path());
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  std::string snapshot = test::read_file(dir_ / "catalog.json");
  EXPECT_NE(snapshot.find("\"common_values\""), std::string::npos);
  EXPECT_NE(snapshot.find("\"volatility\": \"stable\""), std::string::npos);
  Catalog read;
  ASSERT_FALSE(load_snapshot(dir_ / "catalog.json", read));
  const Table* orders = read.find_table("shop", "orders");
  ASSERT_TRUE(orders);
  const ColumnStats* status = orders->stats.column("status");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->common_values.front(), "delivered");
  EXPECT_EQ(status->common_count, 4u);
  EXPECT_EQ(read.function_volatility("shop", "normalized_email"), 'i');

  auto live = test::run_pglens("lint --format json --db '" + url_ + "' q.sql", {}, dir_.path());
  test::write_file(dir_ / ".pglens.toml", "catalog = \"catalog.json\"\n");
  auto offline = test::run_pglens("lint --format json q.sql", {}, dir_.path());
  // The same findings, bar the verification a live server adds (HypoPG is not in this database).
  auto rules_of = [](const nlohmann::json& report) {
    std::vector<std::string> out;
    for (const auto& d : report) out.push_back(fmt::format("{}:{}", d.value("line", 0), d.value("rule", "")));
    return out;
  };
  EXPECT_EQ(rules_of(json_of(offline)), rules_of(json_of(live))) << offline.out << "\n" << live.out;
  EXPECT_NE(offline.out.find("by pg_stats of live 127.0.0.1:"), std::string::npos) << offline.out;

  // A snapshot of DDL alone has neither key: as it always was.
  std::filesystem::remove(dir_ / ".pglens.toml");
  test::write_file(dir_ / "schema.sql", "CREATE TABLE t (id int);\n");
  auto ddl_dump = test::run_pglens("catalog dump schema.sql", {}, dir_.path());
  EXPECT_EQ(ddl_dump.out.find("\"stats\""), std::string::npos) << ddl_dump.out;
  EXPECT_EQ(ddl_dump.out.find("\"functions\""), std::string::npos) << ddl_dump.out;
}

// Order lines: 200,000 rows over 100,000 orders, three warehouses, and a 50-row notes table.
constexpr const char* kJoinSchema = R"sql(
CREATE TABLE shop.warehouses (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO shop.warehouses SELECT g, 'w' || g FROM generate_series(0, 2) g;
CREATE TABLE shop.order_lines (order_id bigint NOT NULL, line int NOT NULL, warehouse_id int NOT NULL, sku text NOT NULL);
INSERT INTO shop.order_lines SELECT g / 2 + 1, g % 2, g % 3, 'sku' || g % 700 FROM generate_series(0, 199999) g;
CREATE TABLE shop.notes (order_id bigint NOT NULL, body text NOT NULL);
INSERT INTO shop.notes SELECT g, 'note' FROM generate_series(1, 50) g;
SET default_statistics_target = 1000;
ANALYZE shop.order_lines, shop.warehouses, shop.notes;
)sql";

constexpr const char* kJoins =
    "SELECT l.sku FROM shop.orders o JOIN shop.order_lines l ON l.order_id = o.id WHERE o.customer_id = $1;\n"     // 1
    "SELECT l.sku FROM shop.warehouses w JOIN shop.order_lines l ON l.warehouse_id = w.id WHERE w.name = $1;\n"    // 2
    "SELECT n.body FROM shop.orders o JOIN shop.notes n ON n.order_id = o.id WHERE o.customer_id = $1;\n"          // 3
    "ALTER TABLE shop.order_lines ADD CONSTRAINT lines_order_fk FOREIGN KEY (order_id) REFERENCES shop.orders;\n"  // 4
    "ALTER TABLE shop.order_lines ADD CONSTRAINT lines_wh_fk FOREIGN KEY (warehouse_id) REFERENCES shop.warehouses;\n"
    "ALTER TABLE shop.notes ADD CONSTRAINT notes_order_fk FOREIGN KEY (order_id) REFERENCES shop.orders;\n";  // 6

TEST_F(StatsLive, PgStatsDecideWhichJoinKeysAndForeignKeysGetAnIndexFinding) {
  psql(kJoinSchema);
  test::write_file(dir_ / "joins.sql", kJoins);
  auto r = test::run_pglens("lint --format json --db '" + url_ + "' joins.sql", {}, dir_.path());
  auto report = json_of(r);
  // An order's lines are 2 of 200,000: the join and the foreign key check want the index.
  auto join = by_line(report, "missing-index-join");
  ASSERT_EQ(join[1].size(), 1u) << r.out;
  EXPECT_NE(join[1][0].value("message", std::string()).find("of its rows by pg_stats of live 127.0.0.1:"),
            std::string::npos)
      << join[1][0].dump();
  auto fk = by_line(report, "fk-without-index");
  ASSERT_EQ(fk[4].size(), 1u) << r.out;
  EXPECT_NE(fk[4][0].value("message", std::string()).find("of the rows by pg_stats of live 127.0.0.1:"),
            std::string::npos)
      << fk[4][0].dump();
  // A warehouse's lines are a third of the table: a hash join or a scan reads it anyway.
  EXPECT_FALSE(join.count(2)) << r.out;
  EXPECT_FALSE(fk.count(5)) << r.out;
  // 50 notes: read whole in no time.
  EXPECT_FALSE(join.count(3)) << r.out;
  EXPECT_FALSE(fk.count(6)) << r.out;

  // Every suggested DDL runs; the constraints too, and the planner then probes the lines by
  // the new index.
  EXPECT_GE(apply_ddl(report), 2u);
  std::string joins = kJoins;
  psql(joins.substr(joins.find("ALTER TABLE")));
  std::string plan = psql(
      "SET enable_hashjoin = off; SET enable_mergejoin = off;\n"
      "EXPLAIN SELECT l.sku FROM shop.orders o JOIN shop.order_lines l ON l.order_id = o.id WHERE o.customer_id = 7");
  EXPECT_NE(plan.find("order_lines_order_id_idx"), std::string::npos) << plan;
}

TEST(StatsSnapshot, StatisticsOutOfRangeAreAnError) {
  std::string bad = R"({"pglens_catalog": 1, "search_path": ["public"], "schemas": ["public"], "tables": [
    {"schema": "public", "name": "t", "columns": [{"name": "a", "type": "int"}],
     "stats": {"source": "x", "columns": [{"column": "a", "null_frac": 2}]}}]})";
  Catalog c;
  auto err = parse_snapshot(bad, "catalog.json", c);
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("statistics out of range"), std::string::npos) << *err;
  std::string mismatched = R"({"pglens_catalog": 1, "search_path": ["public"], "schemas": ["public"], "tables": [
    {"schema": "public", "name": "t", "stats": {"columns": [{"column": "a", "common_values": ["x"]}]}}]})";
  EXPECT_TRUE(parse_snapshot(mismatched, "catalog.json", c));
  std::string functions = R"({"pglens_catalog": 1, "search_path": ["public"], "schemas": ["public"], "tables": [],
    "functions": {"source": "pg_proc", "list": [{"schema": "s", "name": "f", "volatility": "sometimes"}]}})";
  EXPECT_TRUE(parse_snapshot(functions, "catalog.json", c));
}

}  // namespace
}  // namespace pglens
