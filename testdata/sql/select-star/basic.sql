-- Stars whose rows reach the client.
SELECT * FROM orders WHERE customer_id = 42;  -- expect: select-star
SELECT o.*, c.email FROM orders o JOIN customers c ON c.id = o.customer_id;  -- expect: select-star
SELECT id FROM orders UNION ALL SELECT * FROM archived_orders;  -- expect: select-star
INSERT INTO orders (customer_id) VALUES (1) RETURNING *;  -- expect: select-star
DELETE FROM orders WHERE id = 1 RETURNING *;  -- expect: select-star
DECLARE c CURSOR FOR SELECT * FROM orders;  -- expect: select-star

-- ok: stars that never reach the client.
SELECT count(*) FROM orders;
SELECT id FROM customers c WHERE EXISTS (SELECT * FROM orders o WHERE o.customer_id = c.id);
WITH recent AS (SELECT * FROM orders WHERE order_date > now() - interval '7 days')
SELECT id, status FROM recent;
SELECT s.id FROM (SELECT * FROM orders) s;
SELECT * INTO orders_copy FROM orders;
CREATE TABLE orders_backup AS SELECT id FROM orders;
