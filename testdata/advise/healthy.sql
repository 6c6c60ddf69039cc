-- Queries that already have the index they need, or want every row.
SELECT id, status, total FROM orders WHERE id = 4242;
SELECT email FROM customers WHERE id = $1;
SELECT region, count(*) FROM customers GROUP BY region;
