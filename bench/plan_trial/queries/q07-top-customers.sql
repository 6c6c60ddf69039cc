-- Top 10 customers by revenue over all time.
-- dba: slow | Sort | - (sort spills: work_mem)
SELECT c.customer_id, c.first_name, c.last_name, sum(p.amount) AS total
FROM payment p JOIN customer c USING (customer_id)
GROUP BY c.customer_id, c.first_name, c.last_name ORDER BY total DESC LIMIT 10;
