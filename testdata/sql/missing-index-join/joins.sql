CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, region text);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, created_at timestamptz NOT NULL);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE TABLE order_items (order_id bigint NOT NULL, product_id bigint NOT NULL, quantity int NOT NULL);
CREATE TABLE products (id bigint PRIMARY KEY, name text NOT NULL);

-- The filtered side drives the join; the other side has no index on its key.
SELECT oi.product_id FROM orders o JOIN order_items oi ON oi.order_id = o.id WHERE o.customer_id = $1;  -- expect: missing-index-join
SELECT oi.quantity FROM order_items oi, orders o WHERE o.id = $1 AND oi.order_id = o.id;  -- expect: missing-index-join
-- A small table drives it (products: 500 rows).
SELECT p.name, oi.quantity FROM products p JOIN order_items oi ON oi.product_id = p.id;  -- expect: missing-index-join

-- ok: the inner key has an index (primary key, orders_customer_id_idx).
SELECT c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = $1;
SELECT o.id FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.id = $1;
-- ok: two unfiltered large tables: a hash join reads both anyway.
SELECT o.id, c.email FROM orders o JOIN customers c ON c.region = o.created_at::text;  -- expect: unbounded-select (every joined row goes to the client; no missing-index-join)
