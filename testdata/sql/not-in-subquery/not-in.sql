SELECT id FROM orders o WHERE o.customer_id NOT IN (SELECT customer_id FROM blocked_customers);  -- expect: not-in-subquery
SELECT id FROM orders
WHERE status = 'paid'
  AND customer_id NOT IN (  -- expect: not-in-subquery
    SELECT b.customer_id FROM blocked_customers b WHERE b.active
  );
DELETE FROM sessions WHERE user_id NOT IN (SELECT id FROM users);  -- expect: not-in-subquery

-- ok: NOT IN over a literal list, IN over a subquery, NOT EXISTS.
SELECT id FROM orders WHERE status NOT IN ('cancelled', 'refunded');
SELECT id FROM orders WHERE customer_id IN (SELECT customer_id FROM vip_customers);
SELECT id FROM orders o WHERE NOT EXISTS (SELECT 1 FROM blocked_customers b WHERE b.customer_id = o.customer_id);

-- ok: the subquery cannot yield a NULL (tested, compared, or a NOT NULL column).
SELECT id FROM orders WHERE customer_id NOT IN (SELECT customer_id FROM blocked_customers WHERE customer_id IS NOT NULL);
SELECT id FROM orders WHERE customer_id NOT IN (SELECT b.customer_id FROM blocked_customers b WHERE b.customer_id > 0);
