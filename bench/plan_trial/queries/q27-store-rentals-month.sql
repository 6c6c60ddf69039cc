-- A store's rentals in a month (no index on staff/store path).
-- dba: healthy | - | -
SELECT count(*), sum(p.amount) FROM payment p JOIN staff s ON s.staff_id = p.staff_id
WHERE s.store_id = 3 AND p.payment_date >= '2026-06-01' AND p.payment_date < '2026-07-01';
