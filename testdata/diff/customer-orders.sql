SELECT o.id, o.total_cents, o.created_at FROM orders o WHERE o.customer_id = 4242 ORDER BY o.created_at DESC LIMIT 20;
