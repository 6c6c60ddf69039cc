-- A customer's page of recent rentals (app: account page).
-- dba: slow | Seq Scan on rental | rental (customer_id, rental_date)
SELECT r.rental_id, r.rental_date, r.return_date, r.inventory_id
FROM rental r WHERE r.customer_id = 1234 ORDER BY r.rental_date DESC LIMIT 20;
