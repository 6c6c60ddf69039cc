-- Films of actors with a given last name.
-- dba: healthy | - | -
SELECT f.film_id, f.title, a.first_name FROM actor a
JOIN film_actor fa ON fa.actor_id = a.actor_id JOIN film f ON f.film_id = fa.film_id
WHERE a.last_name = 'Last1234';
