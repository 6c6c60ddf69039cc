-- Queries behind the customer dashboard.

-- The order list: every column of every order of one customer.
SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC;

-- Line items with their order.
SELECT o.*, oi.quantity, oi.unit_price
FROM orders o
JOIN order_items oi ON oi.order_id = o.id
WHERE o.id = $1;

-- The admin export really does need every column.
SELECT * FROM customers WHERE id = $1;  -- pglens-ignore: select-star  admin export

-- A typo that would only be found at run time.
SELECT id, status FROM orders WHERE status = 'paid' ORDER BY;
