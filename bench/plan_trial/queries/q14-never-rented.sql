-- Customers who never rented (anti join over everything).
-- dba: healthy | Hash | - (anti join over all rows; hash batches)
SELECT count(*) FROM customer c WHERE NOT EXISTS (SELECT 1 FROM rental r WHERE r.customer_id = c.customer_id);
