-- Purge inactive customers with no history (FK checks on rental and payment).
-- dba: slow | Trigger for constraint rental_customer_id_fkey | rental (customer_id)
DELETE FROM customer WHERE customer_id IN (
  SELECT c.customer_id FROM customer c WHERE c.customer_id > 299000 AND NOT EXISTS (SELECT 1 FROM payment p WHERE p.customer_id = c.customer_id)
  ORDER BY c.customer_id LIMIT 40);
