-- The subquery's column is the primary key (NOT NULL): NOT IN means what it says.
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, referrer_id bigint);
CREATE TABLE sessions (token text PRIMARY KEY, user_id bigint NOT NULL);

-- ok: users.id is NOT NULL.
DELETE FROM sessions WHERE user_id NOT IN (SELECT id FROM users);
-- referrer_id may be NULL.
SELECT id FROM users WHERE id NOT IN (SELECT referrer_id FROM users);  -- expect: not-in-subquery
