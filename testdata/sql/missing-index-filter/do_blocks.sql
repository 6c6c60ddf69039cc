-- A migration that guards its DDL in DO blocks, as migration tools write it to run twice
-- safely: the schema the queries below run against is the one the blocks leave behind.
CREATE TABLE subscriptions (
    id bigint PRIMARY KEY,
    account_id bigint NOT NULL,
    created_at timestamptz NOT NULL
);

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_name = 'subscriptions' AND column_name = 'renews_on') THEN
        ALTER TABLE subscriptions ADD COLUMN renews_on date;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'subscriptions_account_id_idx') THEN
        CREATE INDEX subscriptions_account_id_idx ON subscriptions (account_id);
    END IF;
END
$$;

DO $migrate$
BEGIN
    EXECUTE 'CREATE INDEX IF NOT EXISTS subscriptions_renews_on_idx ON subscriptions (renews_on)';
EXCEPTION
    WHEN duplicate_table THEN NULL;
END
$migrate$;

-- ok: the blocks created these indexes.
SELECT id FROM subscriptions WHERE account_id = $1;
SELECT id FROM subscriptions WHERE renews_on = current_date;
-- No block indexes created_at.
SELECT id FROM subscriptions WHERE created_at >= $1;  -- expect: missing-index-filter
