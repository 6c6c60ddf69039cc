-- A data migration that stages rows in a table of its own, reads them, and drops it: its
-- queries ran while the table existed, and are checked against it.
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
CREATE TABLE tmp_user_emails (user_id bigint NOT NULL, email text NOT NULL);
INSERT INTO tmp_user_emails (user_id, email) SELECT id, lower(email) FROM users;
SELECT user_id FROM tmp_user_emails WHERE email = $1;  -- expect: missing-index-filter
DROP TABLE tmp_user_emails;
