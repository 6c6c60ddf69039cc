CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL, closed_at timestamptz);
CREATE TABLE sessions (id bigint PRIMARY KEY, account_id int NOT NULL REFERENCES accounts (id), started_at timestamptz NOT NULL, ip inet);
