-- Rentals of one day with film titles (index on rental_date).
-- dba: healthy | - | -
SELECT r.rental_id, f.title FROM rental r JOIN inventory i ON i.inventory_id = r.inventory_id
JOIN film f ON f.film_id = i.film_id WHERE r.rental_date >= '2025-06-01' AND r.rental_date < '2025-06-02';
