--
-- ORDERS
-- A psql script in the style of PostgreSQL's regression tests: bulk loads, psql variables,
-- results sent with \g and its family, statements separated by \;
--
\set ON_ERROR_STOP 1
\pset null '(null)'
SET client_min_messages TO warning;

CREATE TABLE customers (
    id bigint PRIMARY KEY,
    email text NOT NULL,
    region text
);

CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    status text NOT NULL,
    placed_at timestamptz NOT NULL DEFAULT now(),
    total numeric(12,2)
);

-- The data is no SQL: a `;` or a quote in it ends nothing.
COPY customers (id, email, region) FROM stdin;
1	ann@example.com	eu
2	o'brien@example.com	\N
3	semi;colon@example.com	us
\.

COPY orders (id, customer_id, status, placed_at, total) FROM STDIN WITH (FORMAT csv);
1,1,paid,2024-01-02 10:00:00+00,12.50
2,2,"new; unpaid",2024-01-03 11:00:00+00,
\.

\copy customers (id, email) from stdin
4	dee@example.com
\.

-- psql sends the query before \gset; the index after it is part of the schema.
SELECT count(*) AS order_count FROM orders \gset
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
\echo :order_count orders loaded

\set region 'eu'
\set max_rows 20
SELECT id, email FROM customers WHERE region = :'region' ORDER BY id LIMIT :max_rows;  -- expect: missing-index-filter
SELECT * FROM orders WHERE id = :order_count  -- expect: select-star
\gx
SELECT status, count(*) FROM orders GROUP BY status \crosstabview
SELECT id FROM orders WHERE status = 'paid' LIMIT 10  -- ok: a status filter is too unselective for an index
\g /dev/null
SELECT 1 AS one \; SELECT 2 AS two;
SELECT format('ANALYZE %I', tablename) FROM pg_tables WHERE schemaname = 'public' \gexec
SELECT max(placed_at) FROM orders \watch 1
SELECT id, email FROM customers WHERE id = $1 \gdesc

\set table_name orders
SELECT count(*) FROM :"table_name";
SELECT * FROM :table_name WHERE id = 1;  -- expect: select-star
SELECT placed_at::date, total FROM orders WHERE id = :order_count;

\if :{?order_count}
  SELECT 'loaded' AS state;
\else
  SELECT 'empty' AS state;
\endif

-- ok: every statement above parses, and its findings are the rules' own; the unindexed filter
-- below is found through the psql variable.
\set wanted_customer '42'
SELECT id FROM orders WHERE customer_id = :'wanted_customer' ORDER BY placed_at LIMIT 50;  -- expect: missing-index-sort
