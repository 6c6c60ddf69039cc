-- ok: used suppressions are silent.
SELECT * FROM orders;  -- pglens-ignore: select-star  the admin screen shows every column
-- pglens-ignore: select-star
SELECT *
FROM orders;
SELECT id FROM orders;  -- pglens-ignore: select-star -- expect: unused-ignore
-- pglens-ignore: no-such-rule -- expect: unused-ignore
SELECT id FROM orders;
