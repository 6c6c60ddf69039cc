-- Overdue rentals with the customer's e-mail (reminder job).
-- dba: slow | Seq Scan on rental | rental (rental_date) WHERE return_date IS NULL
SELECT r.rental_id, r.rental_date, c.email
FROM rental r JOIN customer c ON c.customer_id = r.customer_id
WHERE r.return_date IS NULL AND r.rental_date < '2026-07-01';
