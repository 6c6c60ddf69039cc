-- Payments of customers with a given first and last name (correlated columns).
-- dba: slow | Seq Scan on payment | payment (customer_id) on the partitions without it
SELECT c.customer_id, p.amount, p.payment_date FROM customer c JOIN payment p ON p.customer_id = c.customer_id
WHERE c.first_name = 'First7' AND c.last_name = 'Last7';
