-- Recent activity of one customer through a materialized CTE.
-- dba: slow | rental | - (MATERIALIZED CTE hides the customer filter) / rental (customer_id)
WITH recent AS MATERIALIZED (SELECT * FROM rental WHERE rental_date > '2026-05-01')
SELECT count(*), max(rental_date) FROM recent WHERE customer_id = 5;
