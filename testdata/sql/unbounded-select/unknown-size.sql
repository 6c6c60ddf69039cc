-- With unknown-size-is-large (unknown-size.toml), a table of unknown size counts as large.
CREATE TABLE events (id bigint PRIMARY KEY, kind text, payload jsonb);

SELECT id, kind FROM events;  -- expect: unbounded-select
-- ok: bounded.
SELECT id, kind FROM events WHERE id = $1;
