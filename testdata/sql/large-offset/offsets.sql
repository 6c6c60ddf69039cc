SELECT id, created_at FROM orders ORDER BY created_at, id LIMIT 50 OFFSET 100000;  -- expect: large-offset
SELECT id FROM orders ORDER BY id LIMIT $1 OFFSET $2;  -- expect: large-offset
SELECT id FROM events ORDER BY occurred_at DESC OFFSET 5000 ROWS FETCH NEXT 20 ROWS ONLY;  -- expect: large-offset

-- ok: small constant offsets and keyset pagination.
SELECT id FROM orders ORDER BY id LIMIT 50 OFFSET 100;
SELECT id FROM orders WHERE id > $1 ORDER BY id LIMIT 50;
SELECT id FROM orders LIMIT 10;
