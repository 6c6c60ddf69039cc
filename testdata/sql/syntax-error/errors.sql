-- One broken statement never hides the others.
SELECT id, FROM orders;  -- expect: syntax-error
SELECT * FROM orders;  -- expect: select-star
SELECT id FRM orders;  -- expect: syntax-error
-- ok: valid statements after the errors still lint cleanly.
SELECT id FROM orders WHERE status = 'paid';
SELECT 'é', id FROM orders WHERE note = 'ü' AND x FROM y;  -- expect: syntax-error
