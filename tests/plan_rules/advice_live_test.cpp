// Every index a plan fixture's diagnosis suggests, proven on the throwaway server: the same
// kind of tables are built, the query is EXPLAINed, pglens diagnoses the plan and prints its
// CREATE INDEX, that DDL runs, and the plan of the same query must then use the new index and
// read fewer buffers. Nothing here depends on the machine's speed: plans, index names and
// buffer counts only (times are printed beside them).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <regex>

#include "pglens/catalog.hpp"
#include "pglens/plan.hpp"
#include "pglens/plan_rules.hpp"
#include "support/pg_cluster.hpp"

namespace pglens {
namespace {

plan::Plan explain(test::PgCluster& pg, const std::string& query) {
  std::string text;
  for (const auto& line : pg.column("EXPLAIN (ANALYZE, BUFFERS) " + query)) text += line + "\n";
  auto read = plan::read_plans(text);
  EXPECT_EQ(read.plans.size(), 1u) << text;
  return read.plans.empty() ? plan::Plan{} : read.plans.front();
}

// Shared blocks the whole query touched (hit + read): the root's buffers are cumulative.
int64_t blocks(const plan::Plan& p) {
  if (p.nodes.empty()) return 0;
  return p.root().buffers.shared_hit + p.root().buffers.shared_read;
}

bool uses_index(const plan::Plan& p, const std::string& index) {
  return std::any_of(p.nodes.begin(), p.nodes.end(), [&](const plan::Node& n) { return n.index_name == index; });
}

std::string describe(const plan::Diagnosis& d) {
  std::string out;
  for (const auto& f : d.findings) out += "  " + f.rule + ": " + f.message + "\n    " + f.ddl + "\n";
  return out;
}

// The names of the indexes the DDL creates (the partitioned parent's first).
std::vector<std::string> created_indexes(const std::string& ddl) {
  std::vector<std::string> out;
  static const std::regex created(R"(CREATE (?:UNIQUE )?INDEX (?:CONCURRENTLY )?IF NOT EXISTS ("?[\w]+"?) ON)");
  for (std::sregex_iterator it(ddl.begin(), ddl.end(), created), end; it != end; ++it) out.push_back((*it)[1]);
  return out;
}

class PlanAdviceLive : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    bool skip = false;
    pg_ = test::PgCluster::shared(why, skip);
    if (!pg_) {
      if (skip) GTEST_SKIP() << why;
      FAIL() << why;
    }
    pg_->exec("DROP SCHEMA IF EXISTS advice_live CASCADE; CREATE SCHEMA advice_live;");
    pg_->exec("SET search_path = advice_live; SET max_parallel_workers_per_gather = 0; SET jit = off;");
  }
  void TearDown() override {
    if (pg_) pg_->exec("RESET ALL; DROP SCHEMA IF EXISTS advice_live CASCADE;");
  }

  // Diagnoses the query's plan, demands `rule` among the findings and one index suggestion,
  // creates it and re-plans: the new plan uses it and touches fewer blocks. Returns the DDL.
  std::string prove(const std::string& query, const std::string& rule, const std::string& expected_keys,
                    const Catalog& catalog = Catalog::none()) {
    plan::Plan before = explain(*pg_, query);
    plan::Diagnosis d = plan::diagnose(before, Config{}, catalog);
    bool flagged =
        std::any_of(d.findings.begin(), d.findings.end(), [&](const plan::Finding& f) { return f.rule == rule; });
    EXPECT_TRUE(flagged) << rule << " did not flag\n" << describe(d);
    EXPECT_EQ(d.indexes.size(), 1u) << describe(d);
    if (d.indexes.empty()) return {};
    const std::string ddl = d.indexes.front().ddl;
    EXPECT_NE(ddl.find(expected_keys), std::string::npos) << ddl;
    auto names = created_indexes(ddl);
    EXPECT_FALSE(names.empty()) << ddl;
    // CONCURRENTLY: each statement on its own, outside a transaction (a partitioned table's
    // DDL is several: ON ONLY the parent, each partition, ATTACH PARTITION).
    for (size_t start = 0; start < ddl.size();) {
      size_t end = ddl.find(";\n", start);
      if (end == std::string::npos) end = ddl.size();
      pg_->exec(ddl.substr(start, end - start));
      start = end + 2;
    }
    pg_->exec("ANALYZE");
    plan::Plan after = explain(*pg_, query);
    bool used = std::any_of(names.begin(), names.end(), [&](const std::string& n) { return uses_index(after, n); });
    EXPECT_TRUE(used) << "the planner did not use " << ddl;
    EXPECT_LT(blocks(after), blocks(before)) << ddl;
    std::printf(
        "[ measured ] %s\n             %s\n             blocks %lld -> %lld, cost %.0f -> %.0f, "
        "execution %.3f -> %.3f ms\n",
        query.c_str(), ddl.c_str(), static_cast<long long>(blocks(before)), static_cast<long long>(blocks(after)),
        before.root().total_cost.value_or(0), after.root().total_cost.value_or(0), before.execution_time_ms.value_or(0),
        after.execution_time_ms.value_or(0));
    return ddl;
  }

  test::PgCluster* pg_ = nullptr;
};

// DBA trial q16: a Hash Join reads a big table whole to keep the rows of a few customers
// (hashed from the other side): the index on the probed table's join column, then a Nested
// Loop from the few rows reads only their matches.
TEST_F(PlanAdviceLive, HashJoinProbingAWholeTableForFewRowsGetsTheJoinColumnIndex) {
  pg_->exec(
      "CREATE TABLE customers (id int PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL);"
      "INSERT INTO customers SELECT g, 'First' || (g % 200), 'Last' || (g % 2000) FROM generate_series(1, 30000) g;"
      "CREATE INDEX customers_last_name_idx ON customers (last_name);"
      "CREATE TABLE payments (id bigint PRIMARY KEY, customer_id int NOT NULL, amount numeric(10,2) NOT NULL);"
      "INSERT INTO payments SELECT g, 1 + (g::bigint * 7919) % 30000, (g % 500) + 0.25 FROM generate_series(1, 400000) "
      "g;"
      "ANALYZE customers; ANALYZE payments;");
  const std::string query =
      "SELECT c.id, p.amount FROM customers c JOIN payments p ON p.customer_id = c.id "
      "WHERE c.first_name = 'First7' AND c.last_name = 'Last7'";
  plan::Plan before = explain(*pg_, query);
  ASSERT_TRUE(std::any_of(before.nodes.begin(), before.nodes.end(), [](const plan::Node& n) {
    return n.node_type == "Hash Join";
  })) << plan::describe(before);
  std::string ddl = prove(query, "seq-scan-large", "ON payments (customer_id)");
  EXPECT_NE(ddl.find("payments_customer_id_idx"), std::string::npos) << ddl;
}

// Item: a Nested Loop that runs its inner Seq Scan twice and throws every pair away in the
// Join Filter (a range join): the index on the inner join column.
TEST_F(PlanAdviceLive, JoinFilterWithFewLoopsGetsTheInnerJoinColumnIndex) {
  pg_->exec(
      "CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL, region text NOT NULL, tier text NOT NULL,"
      "                        created_at timestamptz NOT NULL);"
      "INSERT INTO customers SELECT g, 'user' || g || '@example.com', (ARRAY['eu','us','apac','latam'])[1 + g % 4],"
      "       CASE WHEN g % 50 = 0 THEN 'gold' ELSE 'basic' END, timestamptz '2023-01-01' + make_interval(hours => g)"
      "  FROM generate_series(1, 20000) g;"
      "CREATE TABLE payments (id bigint PRIMARY KEY, customer_id int NOT NULL, amount numeric(10,2) NOT NULL,"
      "                       paid_at timestamptz NOT NULL, method text NOT NULL);"
      "INSERT INTO payments SELECT g, 1000 + (g::bigint * 7919) % 19000, (g % 500) + 0.25,"
      "       timestamptz '2024-01-01' + make_interval(secs => g * 30), (ARRAY['card','bank','wallet'])[1 + g % 3]"
      "  FROM generate_series(1, 200000) g;");
  pg_->exec("VACUUM ANALYZE customers");
  pg_->exec("VACUUM ANALYZE payments");
  prove(
      "SELECT c.email, p.amount, p.paid_at FROM customers c JOIN payments p ON p.paid_at >= c.created_at "
      "AND p.paid_at < c.created_at + interval '1 minute' WHERE c.tier = 'gold' AND c.region = 'eu' AND c.id < 250",
      "nested-loop-inner-scan", "ON payments (paid_at)");
}

// Item: a correlated SubPlan run 2,001 times through a single-column index and a Filter:
// the composite (correlated column, filtered column).
TEST_F(PlanAdviceLive, CorrelatedSubplanGetsTheCompositeIndex) {
  pg_->exec(
      "CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL, region text NOT NULL);"
      "INSERT INTO customers SELECT g, 'user' || g || '@example.com', (ARRAY['eu','us','apac','latam'])[1 + g % 4]"
      "  FROM generate_series(1, 20000) g;"
      "CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL,"
      "                     total numeric(10,2) NOT NULL, created_at timestamptz NOT NULL, note text);"
      "INSERT INTO orders SELECT g, 1 + (g::bigint * 7919) % 20000, (ARRAY['pending','paid','shipped','cancelled'])[1 "
      "+ g % 4],"
      "       (g % 1000) + 0.5, timestamptz '2024-01-01' + make_interval(mins => g), md5(g::text)"
      "  FROM generate_series(1, 300000) g;"
      "CREATE INDEX orders_customer_id_idx ON orders (customer_id);");
  pg_->exec("VACUUM ANALYZE customers");
  pg_->exec("VACUUM ANALYZE orders");
  prove(
      "SELECT c.id, c.email, (SELECT sum(o.total) FROM orders o WHERE o.customer_id = c.id "
      "AND o.created_at >= '2024-07-01') AS recent_total FROM customers c WHERE c.region = 'eu' AND c.id <= 8004",
      "correlated-subplan", "ON orders (customer_id, created_at)");
}

// Item: ORDER BY ... LIMIT over a Filter on a status: the index delivers the order.
TEST_F(PlanAdviceLive, OrderByLimitGetsAnIndexInThatOrder) {
  pg_->exec(
      "CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL,"
      "                     total numeric(10,2) NOT NULL, created_at timestamptz NOT NULL);"
      "INSERT INTO orders SELECT g, 1 + (g::bigint * 7919) % 20000, (ARRAY['pending','paid','shipped','cancelled'])[1 "
      "+ g % 4],"
      "       (g % 1000) + 0.5, timestamptz '2024-01-01' + make_interval(mins => g) FROM generate_series(1, 300000) "
      "g;");
  pg_->exec("VACUUM ANALYZE orders;");
  prove("SELECT id, customer_id, total, created_at FROM orders WHERE status = 'paid' ORDER BY created_at DESC LIMIT 20",
        "seq-scan-large", "(created_at DESC)");
}

// Item: a BitmapAnd of two single-column indexes: one composite, equality column first.
TEST_F(PlanAdviceLive, BitmapAndGetsOneCompositeIndex) {
  pg_->exec(
      "CREATE TABLE tickets (id bigint PRIMARY KEY, assignee_id int NOT NULL, priority int NOT NULL,"
      "                      opened_at timestamptz NOT NULL, subject text NOT NULL);"
      "INSERT INTO tickets SELECT g, (g::bigint * 7919) % 400, g % 5,"
      "       timestamptz '2024-01-01' + make_interval(secs => ((g::bigint * 104729) % 31536000)::int), 'ticket ' || g"
      "  FROM generate_series(1, 300000) g;"
      "CREATE INDEX tickets_assignee_id_idx ON tickets (assignee_id);"
      "CREATE INDEX tickets_opened_at_idx ON tickets (opened_at);");
  pg_->exec("VACUUM ANALYZE tickets;");
  prove(
      "SELECT id, priority, subject FROM tickets WHERE assignee_id = 42 AND opened_at >= '2024-06-01' "
      "AND opened_at < '2024-07-01'",
      "filter-removes-most-rows", "ON tickets (assignee_id, opened_at)");
}

// Item: an Index Scan on one range column with a Filter on a second range column: the new
// index leads with the filtered column (not a copy of the index the plan already uses).
TEST_F(PlanAdviceLive, SecondRangeColumnIsKeptAndLeads) {
  pg_->exec(
      "CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL,"
      "                     total numeric(10,2) NOT NULL, created_at timestamptz NOT NULL, note text);"
      "INSERT INTO orders SELECT g, 1 + (g::bigint * 7919) % 20000, (ARRAY['pending','paid','shipped','cancelled'])[1 "
      "+ g % 4],"
      "       (g % 1000) + 0.5, timestamptz '2024-01-01' + make_interval(mins => g), md5(g::text)"
      "  FROM generate_series(1, 300000) g;"
      "CREATE INDEX orders_customer_id_idx ON orders (customer_id);"
      "CREATE INDEX orders_created_at_idx ON orders (created_at);");
  // The whole table as the sample (300 x 1,000 rows): the same statistics, so the same plan,
  // every run (a 30,000-row sample flipped it once in five).
  pg_->exec("SET default_statistics_target = 1000");
  pg_->exec("VACUUM ANALYZE orders");
  pg_->exec("RESET default_statistics_target");
  Catalog catalog;
  load_ddl(catalog,
           "CREATE TABLE advice_live.orders (id int PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL,"
           " total numeric(10,2) NOT NULL, created_at timestamptz NOT NULL, note text);"
           "CREATE INDEX orders_customer_id_idx ON advice_live.orders (customer_id);"
           "CREATE INDEX orders_created_at_idx ON advice_live.orders (created_at);",
           "live.sql");
  std::string ddl = prove(
      "SELECT id, total FROM orders WHERE customer_id < 400 AND created_at >= '2024-03-01' "
      "AND created_at < '2024-05-01'",
      "filter-removes-most-rows", "(customer_id, created_at)", catalog);
  EXPECT_EQ(ddl.find("(created_at);"), std::string::npos) << "a copy of the index the plan already uses: " << ddl;
}

// Item: a filter on a partitioned table that every partition reads: one finding, and the index
// on the parent for all partitions (ON ONLY, each partition CONCURRENTLY, ATTACH PARTITION).
TEST_F(PlanAdviceLive, PartitionedTableGetsTheParentsIndex) {
  const std::string schema =
      "CREATE TABLE events (id bigint NOT NULL, account_id int NOT NULL, kind text NOT NULL,"
      "                     created_at timestamptz NOT NULL) PARTITION BY RANGE (created_at);"
      "CREATE TABLE events_2024_01 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');"
      "CREATE TABLE events_2024_02 PARTITION OF events FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');"
      "CREATE TABLE events_2024_03 PARTITION OF events FOR VALUES FROM ('2024-03-01') TO ('2024-04-01');"
      "CREATE TABLE events_2024_04 PARTITION OF events FOR VALUES FROM ('2024-04-01') TO ('2024-05-01');";
  pg_->exec(schema);
  pg_->exec(
      "INSERT INTO events SELECT g, 1 + g % 3000, (ARRAY['login','view','click','purchase'])[1 + g % 4],"
      "       timestamptz '2024-01-01 00:00:00+00' + make_interval(secs => g * 50) FROM generate_series(1, 200000) g;");
  pg_->exec("VACUUM ANALYZE events");
  Catalog catalog;
  load_ddl(catalog, schema, "live.sql");
  std::string ddl = prove("SELECT id, kind, created_at FROM events WHERE account_id = 42", "seq-scan-large",
                          "ON ONLY events (account_id)", catalog);
  EXPECT_EQ(created_indexes(ddl).size(), 5u) << ddl;
  EXPECT_NE(ddl.find("ATTACH PARTITION events_2024_04_account_id_idx"), std::string::npos) << ddl;
  // Every partition attached: the parent's index is valid, so new partitions get one too.
  EXPECT_EQ(pg_->column("SELECT indisvalid FROM pg_index WHERE indexrelid = 'events_account_id_idx'::regclass"),
            std::vector<std::string>{"t"});
}

// Item: a DELETE whose foreign key trigger scans the referencing table once per row. The
// finding names the index on the referencing column (from the catalog); once created, the
// foreign key's lookup (the statement the trigger runs) is an index scan reading a few blocks.
TEST_F(PlanAdviceLive, ForeignKeyTriggerGetsTheReferencingColumnIndex) {
  const std::string schema =
      "CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL, closed_at timestamptz);"
      "CREATE TABLE sessions (id bigint PRIMARY KEY, account_id int NOT NULL REFERENCES accounts (id),"
      "                       started_at timestamptz NOT NULL);";
  pg_->exec(schema);
  pg_->exec(
      "INSERT INTO accounts SELECT g, 'acct-' || g, CASE WHEN g <= 100 THEN timestamptz '2024-06-01' END"
      "  FROM generate_series(1, 5000) g;"
      "INSERT INTO sessions SELECT g, 101 + (g::bigint * 7919) % 4900, timestamptz '2024-01-01' + make_interval(mins "
      "=> g)"
      "  FROM generate_series(1, 100000) g;");
  pg_->exec("VACUUM ANALYZE accounts");
  pg_->exec("VACUUM ANALYZE sessions");
  Catalog catalog;
  load_ddl(catalog, schema, "live.sql");
  const std::string del = "DELETE FROM accounts WHERE closed_at < now() - interval '30 days'";
  const std::string lookup = "SELECT 1 FROM ONLY sessions x WHERE account_id = 7 FOR KEY SHARE OF x";

  pg_->exec("BEGIN");
  plan::Plan before = explain(*pg_, del);
  pg_->exec("ROLLBACK");
  ASSERT_EQ(before.triggers.size(), 1u);
  EXPECT_EQ(before.triggers.front().calls.value_or(0), 100);
  plan::Diagnosis d = plan::diagnose(before, Config{}, catalog);
  auto finding = std::find_if(d.findings.begin(), d.findings.end(),
                              [](const plan::Finding& f) { return f.rule == "trigger-time"; });
  ASSERT_NE(finding, d.findings.end()) << describe(d);
  ASSERT_EQ(d.indexes.size(), 1u) << describe(d);
  const std::string ddl = d.indexes.front().ddl;
  EXPECT_NE(ddl.find("ON sessions (account_id)"), std::string::npos) << ddl;
  auto names = created_indexes(ddl);
  ASSERT_EQ(names.size(), 1u) << ddl;

  plan::Plan lookup_before = explain(*pg_, lookup);
  pg_->exec(ddl);
  pg_->exec("ANALYZE sessions");
  plan::Plan lookup_after = explain(*pg_, lookup);
  EXPECT_TRUE(uses_index(lookup_after, names.front())) << ddl;
  EXPECT_LT(blocks(lookup_after) * 10, blocks(lookup_before));
  pg_->exec("BEGIN");
  plan::Plan after = explain(*pg_, del);
  pg_->exec("ROLLBACK");
  std::printf(
      "[ measured ] %s\n             %s\n             lookup blocks %lld -> %lld, trigger %.1f -> %.1f ms "
      "for %g calls\n",
      del.c_str(), ddl.c_str(), static_cast<long long>(blocks(lookup_before)),
      static_cast<long long>(blocks(lookup_after)), before.triggers.front().time_ms.value_or(0),
      after.triggers.empty() ? 0.0 : after.triggers.front().time_ms.value_or(0),
      before.triggers.front().calls.value_or(0));
}

// Item (DBA trial, pagila): a correlated max() and a LATERAL top-3 per customer read through
// an index that leads with the date, not the customer: each run walks the index (Index Cond
// on its third column, nothing in Rows Removed). The index that leads with the customer.
TEST_F(PlanAdviceLive, IndexWalkedPerOuterRowGetsTheIndexLeadingWithItsCondition) {
  pg_->exec(
      "CREATE TABLE customer (customer_id int PRIMARY KEY, store_id int NOT NULL, create_date date NOT NULL);"
      "INSERT INTO customer SELECT g, 1 + g % 20, date '2015-01-01' + g % 3650 FROM generate_series(1, 30000) g;"
      "CREATE TABLE rental (rental_id int PRIMARY KEY, rental_date timestamptz NOT NULL, inventory_id int NOT NULL,"
      "                     customer_id int NOT NULL);"
      "INSERT INTO rental SELECT g, timestamptz '2022-01-01' + make_interval(secs => g * 60), g % 5000,"
      "       1 + (g::bigint * 7919) % 30000 FROM generate_series(1, 300000) g;"
      "CREATE UNIQUE INDEX rental_date_inventory_customer_idx ON rental (rental_date, inventory_id, customer_id);");
  pg_->exec("VACUUM ANALYZE customer");
  pg_->exec("VACUUM ANALYZE rental");
  prove(
      "SELECT c.customer_id, (SELECT max(r.rental_date) FROM rental r WHERE r.customer_id = c.customer_id) "
      "FROM customer c WHERE c.store_id = 5 ORDER BY c.create_date DESC LIMIT 15",
      "index-walk", "ON rental (customer_id");
  pg_->exec("DROP INDEX IF EXISTS rental_customer_id_idx, rental_customer_id_rental_date_idx");
  prove(
      "SELECT c.customer_id, t.rental_date FROM (SELECT * FROM customer WHERE store_id = 7 "
      "ORDER BY create_date DESC LIMIT 10) c CROSS JOIN LATERAL (SELECT r.rental_date FROM rental r "
      "WHERE r.customer_id = c.customer_id ORDER BY r.rental_date DESC LIMIT 3) t",
      "index-walk", "ON rental (customer_id");
}

}  // namespace
}  // namespace pglens
