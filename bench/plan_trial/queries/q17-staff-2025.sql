-- Rentals per staff member over 2025 (parallel plan).
-- dba: healthy | Seq Scan on rental | - (a third of the table)
SELECT staff_id, count(*) FROM rental
WHERE rental_date >= '2025-01-01' AND rental_date < '2026-01-01' GROUP BY staff_id ORDER BY staff_id;
