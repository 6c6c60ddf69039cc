// Captures the plan-rule fixtures (testdata/plan-rules/<rule>/<case>.txt) from the throwaway
// PostgreSQL of the test harness: EXPLAIN (ANALYZE, BUFFERS) of queries built to show each
// rule's cause, and of healthy ones that must stay quiet. Runs only when asked:
//   PGLENS_CAPTURE_PLANS=1 ./build/tests/pglens_tests --gtest_filter='PlanRuleCapture.*'
// PGLENS_CAPTURE_ONLY=<rule>/<case>[,<rule>/<case>...] captures only those (the others keep
// the figures their .expect files were written from).
// The .expect files next to the plans are written by hand, after reading each plan.
#include <gtest/gtest.h>

#include <cstdlib>

#include "support/fixtures.hpp"
#include "support/pg_cluster.hpp"

namespace pglens {
namespace {

constexpr const char* kSchema = R"sql(
DROP SCHEMA IF EXISTS rules_capture CASCADE;
CREATE SCHEMA rules_capture;
SET search_path = rules_capture;
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, city text NOT NULL, zip text NOT NULL);
INSERT INTO customers SELECT g, 'customer ' || g, 'city ' || (g % 100), 'zip ' || (g % 100)
  FROM generate_series(1, 20000) g;
CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL,
                     amount numeric(10,2) NOT NULL, created_at timestamptz NOT NULL, note text);
INSERT INTO orders SELECT g, 1 + (g::bigint * 7919) % 20000, (ARRAY['pending','paid','shipped','refunded'])[1 + g % 4],
       (g % 1000) + 0.5, timestamptz '2024-01-01 00:00:00+00' + make_interval(mins => g), md5(g::text)
  FROM generate_series(1, 300000) g;
CREATE INDEX orders_created_at_idx ON orders (created_at);
CREATE INDEX orders_amount_idx ON orders (amount);
CREATE TABLE order_items (id int PRIMARY KEY, order_id int NOT NULL, product text NOT NULL, qty int NOT NULL);
INSERT INTO order_items SELECT g, 1 + (g * 31) % 300000, 'product ' || (g % 500), 1 + g % 5
  FROM generate_series(1, 60000) g;
CREATE TABLE events (id int NOT NULL, created date NOT NULL, kind int NOT NULL, payload text)
  PARTITION BY RANGE (created);
CREATE TABLE events_2024_q1 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2024-04-01');
CREATE TABLE events_2024_q2 PARTITION OF events FOR VALUES FROM ('2024-04-01') TO ('2024-07-01');
CREATE TABLE events_2024_q3 PARTITION OF events FOR VALUES FROM ('2024-07-01') TO ('2024-10-01');
CREATE TABLE events_2024_q4 PARTITION OF events FOR VALUES FROM ('2024-10-01') TO ('2025-01-01');
INSERT INTO events SELECT g, date '2024-01-01' + (g % 366), g % 10, md5(g::text) FROM generate_series(1, 80000) g;
CREATE TABLE readings (id int PRIMARY KEY, sensor int NOT NULL, value int NOT NULL) WITH (autovacuum_enabled = off);
INSERT INTO readings SELECT g, g % 1000, g % 97 FROM generate_series(1, 200000) g;
CREATE INDEX readings_sensor_value_idx ON readings (sensor, value);
-- merge-join-index-walk: statistics taken while every ticket was open (see its captures).
CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL, region text NOT NULL);
INSERT INTO accounts SELECT g, 'account ' || g, 'region ' || (g % 20) FROM generate_series(1, 500000) g;
CREATE TABLE tickets (id int PRIMARY KEY, account_id int NOT NULL, state text NOT NULL, amount numeric(10,2) NOT NULL)
  WITH (autovacuum_enabled = off);
INSERT INTO tickets SELECT g, 1 + (g::bigint * 7919) % 500000, 'open', g % 1000 FROM generate_series(1, 200000) g;
ANALYZE accounts, tickets;
-- hash-spill's skewed keys: statistics taken while carrier_id was uniform (see the captures).
CREATE TABLE parcels (id int PRIMARY KEY, carrier_id int NOT NULL, zone int NOT NULL);
INSERT INTO parcels SELECT g, 1 + (g::bigint * 7919) % 100000, g % 50 FROM generate_series(1, 200000) g;
CREATE TABLE shipments (id int PRIMARY KEY, carrier_id int NOT NULL, weight int NOT NULL) WITH (autovacuum_enabled = off);
INSERT INTO shipments SELECT g, 1 + (g::bigint * 104729) % 100000, CASE WHEN g % 100 = 0 THEN 2000 ELSE g % 900 END
  FROM generate_series(1, 100000) g;
CREATE TABLE deliveries (id int PRIMARY KEY, carrier_id int NOT NULL, fee int NOT NULL) WITH (autovacuum_enabled = off);
INSERT INTO deliveries SELECT g, 1 + (g::bigint * 104729) % 100000, g % 500 FROM generate_series(1, 100000) g;
ANALYZE parcels, shipments, deliveries;
)sql";

struct Capture {
  const char* dir;       // rule id
  const char* name;      // file name without extension
  const char* settings;  // SET statements before the EXPLAIN
  const char* query;
};

// In capture order: heap-fetches' healthy case runs before the UPDATE that clears the
// visibility map.
constexpr Capture kCaptures[] = {
    // Most tickets close after ANALYZE: the planner expects 400k open ones and walks
    // accounts_pkey whole for a Merge Join; after ANALYZE it probes the index per ticket.
    {"merge-join-index-walk", "stale-estimate",
     "UPDATE tickets SET state = 'closed' WHERE id > 300; SET work_mem = '1MB'; "
     "SET max_parallel_workers_per_gather = 0;",
     "SELECT a.id, a.name, t.id, t.amount FROM tickets t JOIN accounts a ON a.id = t.account_id "
     "WHERE t.state = 'open' ORDER BY a.id"},
    // 500k heavy rows of one carrier arrive after ANALYZE: the planner hashes them expecting
    // 6k, and the batches grow to 2048 while one batch holds nearly all.
    {"hash-spill", "skewed-key-stale-row-count",
     "INSERT INTO shipments SELECT g, 42, 5000 FROM generate_series(100001, 600000) g; SET work_mem = '1MB'; "
     "SET max_parallel_workers_per_gather = 0;",
     "SELECT p.zone, count(*) FROM parcels p JOIN shipments s ON s.carrier_id = p.carrier_id WHERE s.weight > 1000 "
     "GROUP BY p.zone"},
    // 90 % of the deliveries move to one carrier after ANALYZE: rows as estimated, batches 8 -> 32768.
    {"hash-spill", "skewed-key-stale-distribution",
     "UPDATE deliveries SET carrier_id = 42 WHERE id % 10 <> 0; SET work_mem = '1MB'; "
     "SET max_parallel_workers_per_gather = 0;",
     "SELECT p.zone, sum(d.fee) FROM parcels p JOIN deliveries d ON d.carrier_id = p.carrier_id GROUP BY p.zone"},
    {"merge-join-index-walk", "after-analyze-ok",
     "ANALYZE tickets; SET work_mem = '1MB'; SET max_parallel_workers_per_gather = 0;",
     "SELECT a.id, a.name, t.id, t.amount FROM tickets t JOIN accounts a ON a.id = t.account_id "
     "WHERE t.state = 'open' ORDER BY a.id"},
    {"seq-scan-large", "filter-unindexed", "SET max_parallel_workers_per_gather = 0;",
     "SELECT * FROM orders WHERE customer_id = 4242"},
    {"seq-scan-large", "filter-unindexed-parallel", "",
     "SELECT id, amount FROM orders WHERE customer_id = 4242 AND status = 'paid'"},
    {"seq-scan-large", "primary-key-ok", "", "SELECT * FROM orders WHERE id = 4242"},
    {"seq-scan-large", "small-table-ok", "", "SELECT * FROM customers WHERE name = 'customer 42'"},
    {"seq-scan-large", "filter-keeps-most", "SET max_parallel_workers_per_gather = 0;",
     "SELECT count(*) FROM orders WHERE status <> 'refunded'"},
    {"filter-removes-most-rows", "index-scan-filter", "SET enable_bitmapscan = off;",
     "SELECT * FROM orders WHERE created_at >= '2024-03-01' AND created_at < '2024-04-15' AND customer_id = 42"},
    {"filter-removes-most-rows", "index-scan-ok", "SET enable_bitmapscan = off;",
     "SELECT * FROM orders WHERE created_at >= '2024-03-01' AND created_at < '2024-03-02'"},
    {"nested-loop-inner-scan", "seq-inner",
     "SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_material = off; "
     "SET enable_indexscan = off; SET enable_bitmapscan = off; SET max_parallel_workers_per_gather = 0;",
     "SELECT o.id, i.product FROM orders o JOIN order_items i ON i.order_id = o.id "
     "WHERE o.created_at < '2024-01-01 01:00:00+00'"},
    {"nested-loop-inner-scan", "index-inner-ok", "SET enable_hashjoin = off; SET enable_mergejoin = off;",
     "SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id "
     "WHERE o.created_at < '2024-01-01 01:00:00+00'"},
    {"sort-spill", "external-merge", "SET work_mem = '4MB'; SET max_parallel_workers_per_gather = 0;",
     "SELECT id, customer_id, amount FROM orders ORDER BY customer_id, amount"},
    {"sort-spill", "in-memory-ok", "", "SELECT * FROM customers ORDER BY name"},
    {"sort-spill", "top-n-ok", "SET max_parallel_workers_per_gather = 0;",
     "SELECT * FROM orders ORDER BY note LIMIT 10"},
    {"hash-spill", "hash-join-batches", "SET work_mem = '1MB'; SET max_parallel_workers_per_gather = 0;",
     "SELECT count(*) FROM orders o JOIN order_items i ON i.order_id = o.id"},
    {"hash-spill", "hashagg-disk",
     "SET work_mem = '1MB'; SET enable_sort = off; SET max_parallel_workers_per_gather = 0;",
     "SELECT count(*) FROM (SELECT note FROM orders GROUP BY note) s"},
    {"hash-spill", "hash-in-memory-ok", "SET max_parallel_workers_per_gather = 0;",
     "SELECT count(*) FROM order_items i JOIN customers c ON c.id = i.qty"},
    {"row-misestimate", "correlated-columns", "SET max_parallel_workers_per_gather = 0;",
     "SELECT count(*) FROM customers c JOIN orders o ON o.customer_id = c.id "
     "WHERE c.city = 'city 7' AND c.zip = 'zip 7'"},
    {"row-misestimate", "single-column-ok", "SET max_parallel_workers_per_gather = 0;",
     "SELECT count(*) FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.city = 'city 7'"},
    {"lossy-bitmap", "lossy",
     "SET work_mem = '64kB'; SET enable_indexscan = off; SET enable_seqscan = off; "
     "SET max_parallel_workers_per_gather = 0;",
     "SELECT count(*) FROM orders WHERE amount < 300"},
    {"lossy-bitmap", "exact-ok", "SET max_parallel_workers_per_gather = 0;",
     "SELECT count(*) FROM orders WHERE amount < 2"},
    {"heap-fetches", "after-vacuum-ok", "SET enable_seqscan = off; SET enable_bitmapscan = off;",
     "SELECT sensor, value FROM readings WHERE sensor < 100"},
    {"heap-fetches", "after-updates",
     "UPDATE readings SET value = value + 1 WHERE id % 2 = 0; "
     "SET enable_seqscan = off; SET enable_bitmapscan = off;",
     "SELECT sensor, value FROM readings WHERE sensor < 100"},
    {"cache-misses", "ring-buffer-scan", "SET max_parallel_workers_per_gather = 0;",
     "SELECT count(*) FROM orders WHERE note = 'nothing'"},
    {"cache-misses", "warm-ok", "SELECT count(*) FROM customers;",
     "SELECT count(*) FROM customers WHERE zip = 'zip 3'"},
    {"workers-not-launched", "none-launched",
     "SET max_parallel_workers = 0; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;",
     "SELECT count(*) FROM orders WHERE note = 'nothing'"},
    {"workers-not-launched", "all-launched-ok", "SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;",
     "SELECT count(*) FROM orders WHERE note = 'nothing'"},
    {"jit-overhead", "forced-jit",
     "SET jit = on; SET jit_above_cost = 0; SET jit_inline_above_cost = 0; SET jit_optimize_above_cost = 0;",
     "SELECT city, count(*), sum(length(name)) FROM customers GROUP BY city"},
    {"jit-overhead", "no-jit-ok", "SET jit = off;",
     "SELECT city, count(*), sum(length(name)) FROM customers GROUP BY city"},
    {"temp-spill", "cte-materialized", "SET work_mem = '1MB'; SET max_parallel_workers_per_gather = 0;",
     "WITH x AS MATERIALIZED (SELECT * FROM order_items) SELECT count(*) FROM x a JOIN x b USING (id)"},
    {"temp-spill", "cte-in-memory-ok", "SET work_mem = '64MB'; SET max_parallel_workers_per_gather = 0;",
     "WITH x AS MATERIALIZED (SELECT * FROM order_items) SELECT count(*) FROM x a JOIN x b USING (id)"},
    {"many-rows-returned", "all-rows", "", "SELECT id, name FROM customers"},
    {"many-rows-returned", "limit-ok", "", "SELECT id, name FROM customers ORDER BY id LIMIT 50"},
    {"partition-pruning-miss", "function-on-key", "SET max_parallel_workers_per_gather = 0;",
     "SELECT count(*) FROM events WHERE date_trunc('month', created) = '2024-02-01'"},
    {"partition-pruning-miss", "cast-on-key", "SET max_parallel_workers_per_gather = 0;",
     "SELECT count(*) FROM events WHERE created::text = '2024-02-10'"},
    {"partition-pruning-miss", "pruned-ok", "SET max_parallel_workers_per_gather = 0;",
     "SELECT count(*) FROM events WHERE created >= '2024-02-01' AND created < '2024-03-01'"},
    {"partition-pruning-miss", "runtime-pruned-ok",
     "DEALLOCATE ALL; PREPARE by_day(date) AS SELECT count(*) FROM events WHERE created = $1; "
     "SET plan_cache_mode = force_generic_plan; SET max_parallel_workers_per_gather = 0;",
     "EXECUTE by_day('2024-02-10')"},
    {"partition-pruning-miss", "all-partitions-needed-ok", "SET max_parallel_workers_per_gather = 0;",
     "SELECT count(*) FROM events WHERE kind = 3"},
    {"partition-pruning-miss", "or-other-column", "SET max_parallel_workers_per_gather = 0;",
     "SELECT count(*) FROM events WHERE created = '2024-02-10' OR id = 40"},
    {"partition-pruning-miss", "generic-optional-filter",
     "DEALLOCATE ALL; PREPARE by_day(date) AS SELECT count(*) FROM events WHERE ($1 IS NULL OR created = $1); "
     "SET plan_cache_mode = force_generic_plan; SET max_parallel_workers_per_gather = 0;",
     "EXECUTE by_day('2024-02-10')"},
    {"partition-pruning-miss", "no-key-predicate", "SET max_parallel_workers_per_gather = 0;",
     "SELECT count(*) FROM events WHERE id = 4242"},
    {"partition-pruning-miss", "or-kind-with-catalog", "SET max_parallel_workers_per_gather = 0;",
     "SELECT count(*) FROM events WHERE created = '2024-02-10' OR kind = 3"},
    {"large-offset", "offset", "", "SELECT * FROM orders ORDER BY id OFFSET 100000 LIMIT 20"},
    {"large-offset", "sorted-offset", "SET max_parallel_workers_per_gather = 0;",
     "SELECT id, note FROM orders ORDER BY note OFFSET 50000 LIMIT 20"},
    {"large-offset", "small-offset-ok", "", "SELECT * FROM orders ORDER BY id OFFSET 20 LIMIT 20"},
};

std::string fmt_sql(const Capture& c) {
  return std::string("RESET ALL; SET search_path = rules_capture; ") + c.settings + " EXPLAIN (ANALYZE, BUFFERS) " +
      c.query;
}

TEST(PlanRuleCapture, CaptureFixturesFromARealServer) {
  const char* on = std::getenv("PGLENS_CAPTURE_PLANS");
  if (!on || std::string(on) != "1") GTEST_SKIP() << "set PGLENS_CAPTURE_PLANS=1 to recapture the fixtures";
  PGLENS_REQUIRE_CLUSTER(pg);
  pg->exec(kSchema);
  // A multi-statement string runs as one transaction: VACUUM goes on its own.
  pg->exec(
      "VACUUM ANALYZE rules_capture.customers, rules_capture.orders, rules_capture.order_items, "
      "rules_capture.events, rules_capture.readings");
  const char* only = std::getenv("PGLENS_CAPTURE_ONLY");
  for (const Capture& c : kCaptures) {
    std::string id = std::string(c.dir) + "/" + c.name;
    if (only && ("," + std::string(only) + ",").find("," + id + ",") == std::string::npos) continue;
    SCOPED_TRACE(id);
    std::string sql = fmt_sql(c);
    std::vector<std::string> lines;
    ASSERT_NO_THROW(lines = pg->column(sql));
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    auto dir = test::testdata("plan-rules") / c.dir;
    std::filesystem::create_directories(dir);
    test::write_file(dir / (std::string(c.name) + ".txt"), text);
  }
  pg->exec("RESET ALL; DROP SCHEMA rules_capture CASCADE;");
}

}  // namespace
}  // namespace pglens
