-- Nightly export sorted by customer and date (sort spills).
-- dba: slow | Sort | - (sort spills: work_mem)
SELECT customer_id, rental_date, return_date, inventory_id FROM rental ORDER BY customer_id, rental_date;
