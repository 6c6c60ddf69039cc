-- The schema these queries run against (sizes in unbounded.toml).
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL,
    status text NOT NULL,
    total_amount numeric(12,2) NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, country text NOT NULL);
CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL);
CREATE TABLE audit_log (at timestamptz NOT NULL, message text NOT NULL);
CREATE TABLE sessions (token text, user_id bigint);

-- Every row of a large table reaches the client.
SELECT id, status, created_at FROM orders;  -- expect: unbounded-select
SELECT * FROM orders o;  -- expect: unbounded-select, select-star
SELECT id, status FROM orders ORDER BY created_at;  -- expect: unbounded-select
SELECT id, status FROM orders LIMIT ALL;  -- expect: unbounded-select
SELECT at, message FROM audit_log;  -- expect: unbounded-select
SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id;  -- expect: unbounded-select
SELECT id, status FROM orders UNION ALL SELECT id, email FROM customers;  -- expect: unbounded-select, unbounded-select
WITH recent AS (SELECT id, status FROM orders) SELECT id, status FROM recent;  -- expect: unbounded-select
SELECT s.id FROM (SELECT id, status FROM orders) s;  -- expect: unbounded-select
SELECT id, status, row_number() OVER (ORDER BY created_at) FROM orders;  -- expect: unbounded-select

-- ok: a WHERE, a LIMIT, FETCH FIRST, an aggregate, GROUP BY, DISTINCT.
SELECT id, status FROM orders WHERE id = $1;
SELECT id, status FROM orders ORDER BY id LIMIT 100;
SELECT id, status FROM orders ORDER BY id FETCH FIRST 50 ROWS ONLY;
SELECT count(*) FROM orders;
SELECT status, count(*) FROM orders GROUP BY status;
SELECT DISTINCT status FROM orders;
-- ok: a small table, a table of unknown size, a table the catalog does not know.
SELECT code, name FROM countries;
SELECT token FROM sessions;
SELECT a FROM not_in_the_catalog;
-- ok: a join with a small table may keep few rows.
SELECT o.id, k.name FROM orders o JOIN countries k ON k.code = o.status;  -- expect: missing-index-join (not unbounded-select)
-- ok: the rows stay in the server (INSERT ... SELECT, CREATE TABLE AS, SELECT INTO, EXISTS, IN).
INSERT INTO audit_log (at, message) SELECT created_at, status FROM orders;
CREATE TABLE orders_copy AS SELECT id, status FROM orders;
SELECT id, status INTO orders_backup FROM orders;
SELECT code FROM countries WHERE EXISTS (SELECT 1 FROM orders);
SELECT code FROM countries WHERE code IN (SELECT status FROM orders);
-- ok: a CTE or subquery that is bounded itself, or bounded by the outer query.
WITH recent AS (SELECT id, status FROM orders WHERE id > $1) SELECT id FROM recent;
WITH everything AS (SELECT id, status FROM orders) SELECT id FROM everything LIMIT 10;
SELECT s.id FROM (SELECT id FROM orders LIMIT 10) s;
-- ok: a CTE named like a large table is that CTE, not the table.
WITH orders AS (SELECT 1 AS id) SELECT id FROM orders;
-- ok: a UNION with a LIMIT, an EXCEPT / INTERSECT arm.
(SELECT id FROM orders UNION ALL SELECT id FROM customers) LIMIT 20;
SELECT id FROM orders EXCEPT SELECT id FROM customers;
-- ok: a cursor is how to read a whole table in batches.
DECLARE all_orders CURSOR FOR SELECT id, status FROM orders;

-- Every row of the preserved side goes, whatever the null-extended side holds.
SELECT c.email, o.id FROM customers c LEFT JOIN orders o ON o.customer_id = c.id AND o.status = 'open';  -- expect: unbounded-select
