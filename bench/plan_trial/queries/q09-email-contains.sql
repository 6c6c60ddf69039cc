-- Admin search box: e-mail contains a string.
-- dba: slow | Seq Scan on customer | - (needs pg_trgm GIN; no btree helps)
SELECT customer_id, email FROM customer WHERE email ILIKE '%user12345@%' LIMIT 20;
