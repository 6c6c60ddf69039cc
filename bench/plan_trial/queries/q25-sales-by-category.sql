-- The application's report view: sales per film category.
-- dba: healthy | Hash Join | - (report over all rows)
SELECT * FROM sales_by_film_category;
