-- Back-office queries.

-- Page 2,001 of the order list, 50 rows a page.
SELECT id, status, total_amount FROM orders ORDER BY created_at DESC, id DESC LIMIT 50 OFFSET 100000;

-- Orders of customers who are not on the block list.
SELECT id, total_amount
FROM orders o
WHERE o.customer_id NOT IN (SELECT customer_id FROM blocked_customers);

-- The mailing-tool export: every customer, in one result set.
SELECT id, email, full_name FROM customers;
