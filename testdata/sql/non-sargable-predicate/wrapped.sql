CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text, score int, created_at timestamptz NOT NULL);
CREATE INDEX users_created_at_idx ON users (created_at);
CREATE INDEX users_lower_name_idx ON users (lower(name));

SELECT id FROM users WHERE lower(email) = $1;  -- expect: non-sargable-predicate
SELECT id FROM users WHERE created_at::date = '2026-06-01';  -- expect: non-sargable-predicate
SELECT id FROM users WHERE date_trunc('day', created_at) = $1;  -- expect: non-sargable-predicate
SELECT id FROM users WHERE id + 1 = 10;  -- expect: non-sargable-predicate
SELECT id FROM users WHERE coalesce(score, 0) = 5;  -- expect: non-sargable-predicate
SELECT id FROM users WHERE email LIKE '%@example.com';  -- expect: non-sargable-predicate
SELECT id FROM users WHERE name ILIKE $1;  -- expect: non-sargable-predicate

-- ok: the bare column, an expression index that matches, a wrapped value (not the column).
SELECT id FROM users WHERE created_at >= '2026-06-01' AND created_at < '2026-06-02';
SELECT id FROM users WHERE lower(name) = $1;
SELECT id FROM users WHERE created_at > now() - interval '1 day';
SELECT id FROM users WHERE email LIKE 'ab%';  -- expect: missing-index-filter (left-anchored: a plain b-tree index serves it)
