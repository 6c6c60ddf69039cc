-- Newest customers of a store with their last rental (correlated subquery).
-- dba: slow | rental | rental (customer_id, rental_date)
SELECT c.customer_id, c.email,
       (SELECT max(r.rental_date) FROM rental r WHERE r.customer_id = c.customer_id) AS last_rental
FROM customer c WHERE c.store_id = 5 ORDER BY c.create_date DESC LIMIT 15;
