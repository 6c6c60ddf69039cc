-- Keys named alike on both sides, joined with USING or NATURAL JOIN as many schemas do.
CREATE TABLE customers (customer_id bigint PRIMARY KEY, email text NOT NULL, region text);
CREATE TABLE orders (order_id bigint PRIMARY KEY, customer_id bigint NOT NULL, placed_at timestamptz NOT NULL);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE TABLE order_items (order_id bigint NOT NULL, product_id bigint NOT NULL, quantity int NOT NULL);
CREATE TABLE products (product_id bigint PRIMARY KEY, name text NOT NULL);

-- USING (order_id) is orders.order_id = order_items.order_id: the filtered orders drive it.
SELECT product_id, quantity FROM orders JOIN order_items USING (order_id) WHERE customer_id = $1;  -- expect: missing-index-join
SELECT oi.quantity
FROM orders AS o
  INNER JOIN order_items AS oi USING (order_id)  -- expect: missing-index-join
WHERE o.placed_at >= $1 AND o.customer_id = $2;
-- NATURAL JOIN merges product_id, the one column both have; products is small (500 rows).
SELECT name, quantity FROM products NATURAL JOIN order_items;  -- expect: missing-index-join

-- ok: the inner key has an index (the primary key, orders_customer_id_idx).
SELECT email FROM orders JOIN customers USING (customer_id) WHERE order_id = $1;
-- The merged customer_id is the left side's (customers): its equality drives orders.
SELECT order_id, placed_at FROM customers JOIN orders USING (customer_id) WHERE customer_id = $1;
-- A chain of USING joins: customers and products are probed by their primary keys, the
-- lines of the customer's orders by nothing.
SELECT name
FROM orders JOIN customers USING (customer_id) JOIN order_items USING (order_id)  -- expect: missing-index-join
  JOIN products USING (product_id)
WHERE customer_id = $1;
