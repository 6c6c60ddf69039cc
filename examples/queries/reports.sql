-- Queries behind the back-office reports.

-- Orders of one customer, newest first: customer_id has no index.
SELECT id, status, total_amount FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20;

-- Customers by e-mail, case-insensitively: lower(email) hides the column.
SELECT id, full_name FROM customers WHERE lower(email) = lower($1);

-- One day's orders: the cast to date hides created_at.
SELECT id, total_amount FROM orders WHERE created_at::date = '2026-06-01';

-- Items of a customer's orders: order_items is probed by product_id, which no index leads.
SELECT oi.quantity FROM customers c JOIN order_items oi ON oi.product_id = c.id WHERE c.id = $1;

-- The latest signups.
SELECT id, email FROM customers ORDER BY created_at DESC LIMIT 100;

-- Revenue: the report adds up the amount of every order that was not cancelled, in the application.
SELECT total_amount FROM orders WHERE status <> 'cancelled';
