CREATE TABLE events (id bigint NOT NULL, created date NOT NULL, kind int NOT NULL, payload text)
  PARTITION BY RANGE (created);
CREATE TABLE events_2024_q1 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2024-04-01');
CREATE TABLE events_2024_q2 PARTITION OF events FOR VALUES FROM ('2024-04-01') TO ('2024-07-01');
CREATE TABLE events_2024_q3 PARTITION OF events FOR VALUES FROM ('2024-07-01') TO ('2024-10-01');
CREATE TABLE events_2024_q4 PARTITION OF events FOR VALUES FROM ('2024-10-01') TO ('2025-01-01');
CREATE TABLE tenants_data (tenant_id int NOT NULL, body text) PARTITION BY LIST (tenant_id);
CREATE TABLE tenants_data_1 PARTITION OF tenants_data FOR VALUES IN (1);
CREATE TABLE tenants_data_2 PARTITION OF tenants_data FOR VALUES IN (2);
CREATE TABLE tenants_data_3 PARTITION OF tenants_data FOR VALUES IN (3);

SELECT count(*) FROM events WHERE kind = 3;  -- expect: partition-pruning-miss
SELECT count(*) FROM events WHERE date_trunc('month', created) = '2024-02-01';  -- expect: partition-pruning-miss
SELECT count(*) FROM events WHERE created::text = '2024-02-10';  -- expect: partition-pruning-miss
SELECT count(*) FROM events WHERE created = '2024-02-10' OR kind = 3;  -- expect: partition-pruning-miss
SELECT count(*) FROM events WHERE created <> '2024-02-10';  -- expect: partition-pruning-miss
SELECT count(*) FROM events WHERE NOT (created = '2024-02-10' OR created = '2024-05-10');  -- expect: partition-pruning-miss
SELECT count(*) FROM events WHERE created IS NOT NULL AND kind = 3;  -- expect: partition-pruning-miss
SELECT count(*) FROM events WHERE created > clock_timestamp() - interval '30 days';  -- expect: partition-pruning-miss
SELECT body FROM tenants_data WHERE tenant_id = 2.0;  -- expect: partition-pruning-miss
UPDATE events SET kind = 0 WHERE id = 42;  -- expect: partition-pruning-miss
DELETE FROM events e WHERE extract(year FROM e.created) = 2023;  -- expect: partition-pruning-miss

-- ok: conditions PostgreSQL compares with the bounds, when planning or when execution starts.
SELECT count(*) FROM events WHERE created >= '2024-02-01' AND created < '2024-03-01';
SELECT count(*) FROM events WHERE created = $1 AND kind = 3;
SELECT count(*) FROM events WHERE created = '2024-02-10' OR created = '2024-05-10';
SELECT count(*) FROM events WHERE created IN ('2024-02-10', '2024-05-10');
SELECT count(*) FROM events WHERE created BETWEEN '2024-02-01' AND '2024-02-29';
SELECT count(*) FROM events WHERE created > now() - interval '30 days';
SELECT count(*) FROM events WHERE created = (SELECT max(created) FROM events_2024_q4);
SELECT body FROM tenants_data WHERE tenant_id = 2;
SELECT body FROM tenants_data WHERE tenant_id = $1::int;
SELECT body FROM tenants_data WHERE tenant_id <> 2;  -- list partitions prune on <> too
SELECT count(*) FROM events WHERE NOT (created >= '2024-02-01');  -- NOT of a range is a range
SELECT count(*) FROM events WHERE created NOT BETWEEN '2024-02-01' AND '2024-11-01';
-- ok: no WHERE, the whole table is wanted; ONLY reads the parent alone.
SELECT count(*) FROM events;
SELECT count(*) FROM ONLY events WHERE kind = 3;

-- ok: the key is joined on: a nested loop prunes the partitions for each tenant at run time.
CREATE TABLE tenants (id int PRIMARY KEY, name text NOT NULL, plan text NOT NULL);
SELECT t.name, d.body FROM tenants t JOIN tenants_data d ON d.tenant_id = t.id WHERE t.plan = 'enterprise';
SELECT t.name, d.body FROM tenants t, tenants_data d WHERE d.tenant_id = t.id AND t.name = $1;
