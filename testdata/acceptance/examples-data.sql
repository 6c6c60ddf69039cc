-- Rows for the example schema (examples/schema.sql), enough for the planner to care:
-- 60 k customers, 1 M orders, 1.2 M order items. Loaded by tests/catalog/acceptance_test.cpp.
INSERT INTO customers (email, full_name, country, status, created_at)
SELECT 'user' || g || '@example.com', 'User ' || g, (ARRAY['GB','US','NL','DE','FR'])[1 + g % 5],
       CASE WHEN g % 50 = 0 THEN 'blocked' ELSE 'active' END,
       timestamptz '2024-01-01 00:00:00+00' + make_interval(mins => g * 7)
  FROM generate_series(1, 60000) g;

INSERT INTO orders (customer_id, status, total_amount, created_at, note)
SELECT 1 + (g::bigint * 7919) % 60000, (ARRAY['paid','pending','shipped','cancelled'])[1 + g % 4],
       (g % 50000) / 100.0 + 1, timestamptz '2024-01-01 00:00:00+00' + make_interval(secs => g * 60),
       CASE WHEN g % 10 = 0 THEN 'gift' END
  FROM generate_series(1, 1000000) g;

INSERT INTO order_items (order_id, product_id, quantity, unit_price)
SELECT 1 + (g - 1) / 2, 1 + (g::bigint * 104729) % 100000 + (g % 2) * 100000, 1 + g % 5, (g % 9000) / 100.0 + 1
  FROM generate_series(1, 1200000) g;
