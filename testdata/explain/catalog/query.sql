SELECT o.id, i.product FROM orders o JOIN order_items i ON i.order_id = o.id
WHERE o.created_at < '2024-01-01 01:00:00+00';
