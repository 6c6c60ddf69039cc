-- Stars over relations whose columns the query text fixes: they send what the text shows.
CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL, plan text NOT NULL, created_at timestamptz NOT NULL);

-- ok: a subquery, a WITH query, VALUES and set-returning functions name their columns.
SELECT * FROM (SELECT id, name FROM accounts WHERE id = ANY ($1)) AS chosen;
WITH recent AS (SELECT id, created_at FROM accounts WHERE id > $1 ORDER BY id LIMIT 50)
SELECT * FROM recent;
SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v (n, label);
SELECT * FROM generate_series(1, 10) AS g (n);
SELECT * FROM jsonb_to_recordset($1::jsonb) AS r (id bigint, name text);
SELECT s.* FROM accounts a CROSS JOIN LATERAL (SELECT a.id, a.name) AS s;

-- A star inside the subquery makes the outer one every column of the table.
SELECT * FROM (SELECT * FROM accounts) AS everything;  -- expect: select-star
SELECT a.* FROM accounts a JOIN (SELECT id FROM accounts) AS b ON b.id = a.id;  -- expect: select-star
