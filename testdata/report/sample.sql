-- A small file with a finding of each kind the lint foundation has.
SELECT * FROM orders WHERE customer_id = 42;
SELECT o.*, 'naïve' AS label FROM orders o;
SELECT id FRM orders;
SELECT id FROM orders;  -- pglens-ignore: select-star
