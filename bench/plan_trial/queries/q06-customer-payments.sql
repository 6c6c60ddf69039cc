-- All payments of one customer (per-partition index on customer_id).
-- dba: slow | Seq Scan on payment | payment (customer_id) on the partitions without it
SELECT payment_id, amount, payment_date FROM payment WHERE customer_id = 4242 ORDER BY payment_date;
