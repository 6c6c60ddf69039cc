-- OFFSET pagination, page 20,000 of the admin list.
-- dba: slow | Index Scan using rental_pkey | - (keyset pagination)
SELECT rental_id, rental_date, customer_id FROM rental ORDER BY rental_id LIMIT 25 OFFSET 500000;
