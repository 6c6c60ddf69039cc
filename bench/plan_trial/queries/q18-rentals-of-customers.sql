-- Rentals of a basket of customers (IN list).
-- dba: slow | Seq Scan on rental | rental (customer_id)
SELECT customer_id, count(*), max(rental_date) FROM rental
WHERE customer_id IN (11, 222, 3333, 44444, 55555, 66666, 77777, 88888) GROUP BY customer_id;
