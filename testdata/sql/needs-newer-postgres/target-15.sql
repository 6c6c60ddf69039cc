-- Migrations and reports written against a newer PostgreSQL, for a database on 15.
CREATE TABLE accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text,
    email_lower text GENERATED ALWAYS AS (lower(email)),  -- expect: needs-newer-postgres
    -- ok: a stored generated column works on 15
    email_domain text GENERATED ALWAYS AS (split_part(email, '@', 2)) STORED,
    CONSTRAINT accounts_email_nn NOT NULL email  -- expect: needs-newer-postgres
);
ALTER TABLE accounts ADD CONSTRAINT accounts_domain_nn NOT NULL email_domain;  -- expect: needs-newer-postgres
-- ok: a column's own NOT NULL, named or not
CREATE TABLE sessions (id bigint PRIMARY KEY, account_id bigint CONSTRAINT sessions_account_nn NOT NULL, token text NOT NULL);

SELECT count(*) FROM (SELECT DISTINCT account_id FROM sessions WHERE id > 100);  -- expect: needs-newer-postgres
-- ok: with an alias the subquery runs on 15
SELECT count(*) FROM (SELECT DISTINCT account_id FROM sessions WHERE id > 100) AS active;
SELECT id FROM accounts WHERE email IS JSON OBJECT AND id = 7;  -- expect: needs-newer-postgres
SELECT JSON_OBJECT('id': id, 'email': email) FROM accounts WHERE id = 7;  -- expect: needs-newer-postgres
SELECT JSON_VALUE(token::jsonb, '$.exp') FROM sessions WHERE id = 3;  -- expect: needs-newer-postgres
MERGE INTO sessions s USING accounts a ON s.account_id = a.id
WHEN MATCHED THEN UPDATE SET token = 'x'
RETURNING s.id;  -- expect: needs-newer-postgres
