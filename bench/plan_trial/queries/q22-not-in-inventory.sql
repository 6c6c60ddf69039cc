-- Films with no copy in store 3 (NOT IN, hashed SubPlan).
-- dba: healthy | - | -
SELECT count(*) FROM film WHERE film_id NOT IN (SELECT film_id FROM inventory WHERE store_id = 3);
