-- A small shop for `pglens advise`'s live tests: enough rows that the planner cares
-- (generate_series, a few 100k rows at most), a few indexes that should go.
CREATE TABLE customers (
  id         int PRIMARY KEY,
  email      text NOT NULL,
  region     text NOT NULL,
  created_at timestamptz NOT NULL
);
INSERT INTO customers
SELECT g, 'User' || g || '@Example.com', (ARRAY['eu', 'us', 'apac', 'latam'])[1 + g % 4],
       timestamptz '2023-01-01' + make_interval(hours => g)
  FROM generate_series(1, 50000) g;

CREATE TABLE orders (
  id          int PRIMARY KEY,
  customer_id int NOT NULL,
  status      text NOT NULL,
  total       numeric(10, 2) NOT NULL,
  created_at  timestamptz NOT NULL
);
INSERT INTO orders
SELECT g, 1 + (g::bigint * 7919) % 50000,
       CASE WHEN g % 500 = 0 THEN 'failed' WHEN g % 3 = 0 THEN 'shipped' ELSE 'paid' END,
       (g % 1000) + 0.5, timestamptz '2024-01-01' + make_interval(mins => g)
  FROM generate_series(1, 200000) g;

CREATE TABLE order_lines (
  id       int PRIMARY KEY,
  order_id int NOT NULL,
  sku      text NOT NULL,
  qty      int NOT NULL
);
INSERT INTO order_lines
SELECT g, 1 + (g::bigint * 104729) % 200000, 'SKU-' || (g % 5000), 1 + g % 7
  FROM generate_series(1, 200000) g;

CREATE TABLE events (
  id         bigint PRIMARY KEY,
  account_id int NOT NULL,
  kind       text NOT NULL,
  created_at timestamptz NOT NULL
);
INSERT INTO events
SELECT g, 1 + g % 2000, (ARRAY['login', 'view', 'click', 'purchase'])[1 + g % 4],
       timestamptz '2024-06-01' + make_interval(secs => g * 7)
  FROM generate_series(1, 200000) g;

-- To review: never scanned, and one a prefix of the other.
CREATE INDEX customers_region_idx ON customers (region);
CREATE INDEX customers_region_created_at_idx ON customers (region, created_at);

VACUUM ANALYZE customers;
VACUUM ANALYZE orders;
VACUUM ANALYZE order_lines;
VACUUM ANALYZE events;
