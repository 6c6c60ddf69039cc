-- Schema and data for the plan conformance suite (tests/plan/conformance_test.cpp).
-- Small on purpose: the whole suite must run in seconds. `orders` is the "large" table
-- (200,000 rows — real-world large tables are bigger; the plan shapes are the same).
SET client_min_messages = warning;

CREATE TABLE customers (
  id int PRIMARY KEY,
  name text NOT NULL,
  city text NOT NULL,
  zip text NOT NULL
);
INSERT INTO customers
SELECT g, 'customer ' || g, 'city ' || (g % 50), 'zip ' || (g % 50)   -- zip follows city: correlated
FROM generate_series(1, 2000) g;

CREATE TABLE orders (
  id int PRIMARY KEY,
  customer_id int NOT NULL REFERENCES customers (id),
  status text NOT NULL,
  amount numeric(10, 2) NOT NULL,
  note text,
  created date NOT NULL
);
INSERT INTO orders
SELECT g, 1 + (g * 7919) % 2000, CASE WHEN g % 100 = 0 THEN 'refunded' WHEN g % 10 = 0 THEN 'open' ELSE 'paid' END,
       (g % 997) + 0.5, CASE WHEN g % 3 = 0 THEN repeat('n', 20) END, date '2024-01-01' + (g % 366)
FROM generate_series(1, 200000) g;
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE INDEX orders_amount_idx ON orders (amount);

CREATE TABLE order_items (
  order_id int NOT NULL,
  line int NOT NULL,
  product text NOT NULL,
  qty int NOT NULL,
  PRIMARY KEY (order_id, line)
);
INSERT INTO order_items SELECT g, l, 'product ' || (g % 300), 1 + (g + l) % 5
FROM generate_series(1, 20000) g, generate_series(1, 3) l;

-- Range-partitioned by month (one partition per quarter).
CREATE TABLE events (
  id int NOT NULL,
  created date NOT NULL,
  kind text NOT NULL,
  payload int NOT NULL
) PARTITION BY RANGE (created);
CREATE TABLE events_2024_q1 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2024-04-01');
CREATE TABLE events_2024_q2 PARTITION OF events FOR VALUES FROM ('2024-04-01') TO ('2024-07-01');
CREATE TABLE events_2024_q3 PARTITION OF events FOR VALUES FROM ('2024-07-01') TO ('2024-10-01');
CREATE TABLE events_2024_q4 PARTITION OF events FOR VALUES FROM ('2024-10-01') TO ('2025-01-01');
INSERT INTO events SELECT g, date '2024-01-01' + (g % 366), 'kind ' || (g % 7), g % 1000 FROM generate_series(1, 40000) g;
CREATE INDEX events_created_idx ON events (created);

-- Audit trigger for DML plans.
CREATE TABLE audit (at timestamptz DEFAULT now(), what text);
CREATE FUNCTION audit_orders() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO audit (what) VALUES (TG_OP); RETURN NEW; END $$;
CREATE TRIGGER orders_audit AFTER INSERT OR UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION audit_orders();

-- A table whose visibility map is not current: index-only scans must visit the heap.
CREATE TABLE readings (id int PRIMARY KEY, sensor int NOT NULL, value int NOT NULL);
INSERT INTO readings SELECT g, g % 100, g % 1000 FROM generate_series(1, 50000) g;
CREATE INDEX readings_sensor_idx ON readings (sensor, value);

-- The same statistics every ANALYZE: a sample of 300 x 1,000 rows holds each table whole, so
-- a re-ANALYZE (autovacuum, or another test's database-wide VACUUM ANALYZE on the shared
-- cluster) between the four EXPLAINs of a query cannot flip its plan.
ALTER TABLE customers SET (autovacuum_enabled = off);
ALTER TABLE orders SET (autovacuum_enabled = off);
ALTER TABLE order_items SET (autovacuum_enabled = off);
ALTER TABLE events_2024_q1 SET (autovacuum_enabled = off);
ALTER TABLE events_2024_q2 SET (autovacuum_enabled = off);
ALTER TABLE events_2024_q3 SET (autovacuum_enabled = off);
ALTER TABLE events_2024_q4 SET (autovacuum_enabled = off);
ALTER TABLE audit SET (autovacuum_enabled = off);
ALTER TABLE readings SET (autovacuum_enabled = off);
SET default_statistics_target = 1000;
VACUUM ANALYZE customers, orders, order_items, events, audit;
ANALYZE readings;
RESET default_statistics_target;
UPDATE readings SET value = value + 1 WHERE id % 2 = 0;  -- after VACUUM: pages not all-visible
