-- Sizes from table_sizes.toml: a check that scans a small table costs nothing.
CREATE TABLE plans (id int PRIMARY KEY, name text NOT NULL);
-- ok: 30 rows, read whole by each check.
CREATE TABLE plan_features (plan_id int NOT NULL REFERENCES plans (id), feature text NOT NULL);
-- 2 M accounts: every DELETE of a plan scans them.
CREATE TABLE accounts (id bigint PRIMARY KEY, plan_id int NOT NULL REFERENCES plans (id));  -- expect: fk-without-index
-- No size known: as large, by default.
CREATE TABLE audit_entries (id bigint PRIMARY KEY, account_id bigint REFERENCES accounts (id));  -- expect: fk-without-index
