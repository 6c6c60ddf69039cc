CREATE TABLE events (id bigint PRIMARY KEY, account_id bigint NOT NULL, kind text NOT NULL, created_at timestamptz NOT NULL);
CREATE INDEX events_account_created_idx ON events (account_id, created_at DESC);

SELECT id, kind FROM events ORDER BY created_at DESC LIMIT 50;  -- expect: missing-index-sort
SELECT id FROM events WHERE id > $1 ORDER BY kind LIMIT 10;  -- expect: missing-index-sort
SELECT id FROM events WHERE account_id = $1 ORDER BY created_at ASC NULLS FIRST, id LIMIT 10;  -- expect: missing-index-sort

-- ok: an index delivers the order (after the equality on account_id; backwards works too).
SELECT id FROM events WHERE account_id = $1 ORDER BY created_at DESC LIMIT 20;
SELECT id FROM events WHERE account_id = $1 ORDER BY created_at ASC LIMIT 20;
SELECT id FROM events ORDER BY id LIMIT 20;
-- ok: no LIMIT (every row is wanted anyway), or an aggregate.
SELECT id FROM events ORDER BY kind;  -- expect: unbounded-select (every row goes to the client; no missing-index-sort)
SELECT kind, count(*) FROM events GROUP BY kind ORDER BY kind LIMIT 5;
