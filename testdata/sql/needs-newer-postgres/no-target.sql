-- Without postgres-version (and without --db) the rule has no version to compare against.
-- ok: PostgreSQL 16-18 syntax parses and gives no finding
SELECT count(*) FROM (SELECT DISTINCT account_id FROM sessions WHERE id > 100);
SELECT '{}' IS JSON;
CREATE TABLE profiles (id int, CONSTRAINT profiles_id_nn NOT NULL id, score int, double_score int GENERATED ALWAYS AS (score * 2) VIRTUAL);
