-- With min-offset = 50 and report-parameters = false (options.toml).
SELECT id FROM orders ORDER BY id LIMIT 50 OFFSET 100;  -- expect: large-offset
-- ok: parameters are not reported with these options.
SELECT id FROM orders ORDER BY id LIMIT $1 OFFSET $2;
