-- Login: case-insensitive e-mail lookup.
-- dba: slow | Seq Scan on customer | customer (lower(email))
SELECT customer_id, first_name, last_name FROM customer WHERE lower(email) = 'user77777@mail27.com';
