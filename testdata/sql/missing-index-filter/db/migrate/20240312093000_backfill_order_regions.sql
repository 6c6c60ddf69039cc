-- A migration (Rails' db/migrate, run once by `rails db:migrate`): the backfill reads the
-- whole table once, under the migration's supervision.
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    region text,
    legacy_zip text,
    archived_at timestamptz
);

-- ok: one-off backfills in a migration.
UPDATE orders SET region = 'eu' WHERE legacy_zip LIKE 'D-%';
DELETE FROM orders WHERE archived_at < '2019-01-01';

-- A query in a migration still runs as a query.
SELECT id FROM orders WHERE legacy_zip = $1;  -- expect: missing-index-filter
