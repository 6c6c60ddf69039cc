-- Dashboard: total rentals.
-- dba: healthy | Seq Scan on rental | -
SELECT count(*) FROM rental;
