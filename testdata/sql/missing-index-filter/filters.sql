-- The schema these queries run against (sizes in filters.toml).
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL,
    status text NOT NULL,
    total_amount numeric(12,2) NOT NULL,
    created_at timestamptz NOT NULL,
    email text,
    note text
);
CREATE INDEX orders_lower_email_idx ON orders (lower(email));
CREATE INDEX orders_pending_idx ON orders (created_at) WHERE status = 'pending';
CREATE TABLE settings (key text, value text);

-- Conditions no index serves.
SELECT id FROM orders WHERE customer_id = $1;  -- expect: missing-index-filter
SELECT id FROM orders WHERE total_amount > 1000;  -- expect: missing-index-filter
SELECT id FROM orders WHERE created_at BETWEEN $1 AND $2;  -- expect: missing-index-filter
SELECT id FROM orders WHERE customer_id IN (1, 2, 3);  -- expect: missing-index-filter
SELECT id FROM orders WHERE customer_id = ANY ($1);  -- expect: missing-index-filter
SELECT id FROM orders WHERE note IS NULL;  -- expect: missing-index-filter
SELECT id FROM orders WHERE email LIKE 'ab%';  -- expect: missing-index-filter
SELECT o.id FROM orders o JOIN orders p ON p.id = o.id AND o.customer_id = 7;  -- expect: missing-index-filter
UPDATE orders SET note = 'x' WHERE customer_id = $1;  -- expect: missing-index-filter
DELETE FROM orders WHERE status = 'cancelled' AND created_at < now() - interval '1 year';  -- expect: missing-index-filter
-- The partial index serves only queries that imply its predicate.
SELECT id FROM orders WHERE status = 'paid' AND created_at > $1;  -- expect: missing-index-filter

-- ok: served by the primary key, by the partial index, by the expression index.
SELECT id FROM orders WHERE id = $1;
SELECT id FROM orders WHERE id = $1 AND customer_id = $2;
SELECT id FROM orders WHERE status = 'pending' AND created_at > $1;
SELECT id FROM orders WHERE lower(email) = $1;
-- ok: small table, unknown table, no indexable condition, a condition between two columns.
SELECT value FROM settings WHERE key = $1;
SELECT x FROM not_in_the_catalog WHERE y = 1;
SELECT id FROM orders WHERE customer_id <> 3;
SELECT id FROM orders WHERE total_amount > customer_id;
