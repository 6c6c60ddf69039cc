-- Active customers in 2026.
-- dba: healthy | Aggregate | -
SELECT count(DISTINCT customer_id) FROM rental WHERE rental_date >= '2026-01-01';
