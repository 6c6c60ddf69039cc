-- Queries an application runs; each reads a table without the index it wants.

-- filter
SELECT id, total FROM orders WHERE customer_id = 4242;

-- join: the lines of a few orders
SELECT o.id, l.sku, l.qty
  FROM orders o
  JOIN order_lines l ON l.order_id = o.id
 WHERE o.id BETWEEN 1000 AND 1010;

-- sort + LIMIT: the latest orders
SELECT id, customer_id, total FROM orders ORDER BY created_at DESC LIMIT 20;

-- partial: the rare failed orders
SELECT id, customer_id FROM orders WHERE status = 'failed' AND created_at >= '2024-04-01';

-- expression: case-insensitive login
SELECT id FROM customers WHERE lower(email) = 'user77@example.com';

-- composite order, parameterised as the driver sends it
SELECT id, kind FROM events WHERE account_id = $1 ORDER BY created_at DESC LIMIT 10;
