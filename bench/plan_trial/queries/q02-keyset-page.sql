-- Keyset pagination over all rentals (admin list, next page).
-- dba: healthy | Index Scan | -
SELECT rental_id, rental_date, customer_id FROM rental
WHERE rental_date < '2025-03-01 12:00+00' ORDER BY rental_date DESC LIMIT 50;
