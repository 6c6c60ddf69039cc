-- Catalogue search with the full-text index.
-- dba: healthy | - | -
SELECT film_id, title FROM film WHERE fulltext @@ to_tsquery('english', 'robot & dark') ORDER BY title LIMIT 20;
