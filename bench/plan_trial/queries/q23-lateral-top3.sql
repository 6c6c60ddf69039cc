-- Three latest rentals of each of a store's newest customers (LATERAL).
-- dba: slow | rental | rental (customer_id, rental_date)
SELECT c.customer_id, t.rental_date FROM (SELECT * FROM customer WHERE store_id = 7 ORDER BY create_date DESC LIMIT 10) c
CROSS JOIN LATERAL (SELECT r.rental_date FROM rental r WHERE r.customer_id = c.customer_id ORDER BY r.rental_date DESC LIMIT 3) t;
