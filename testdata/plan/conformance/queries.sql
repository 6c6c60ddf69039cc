-- The conformance queries: each is EXPLAINed in TEXT, JSON, YAML and XML and the four
-- must read to the same tree. Blocks are separated by blank lines:
--   -- name: <file name under testdata/plan/captured/>
--   -- options: <EXPLAIN options besides FORMAT>          (default: none = estimates only)
--   -- set: <SET statements run before, reset after>
--   -- rollback: yes                                     (DML: run in a rolled-back transaction)
-- Names starting with rules_ / healthy_ are the fixtures the plan rules are tested on.

-- name: scan_seq
SELECT * FROM customers WHERE name = 'customer 10';

-- name: scan_index
-- options: ANALYZE
SELECT * FROM orders WHERE id = 42;

-- name: scan_index_only
-- options: ANALYZE
SELECT id FROM orders WHERE id < 100;

-- name: scan_index_backward
SELECT * FROM orders ORDER BY id DESC LIMIT 3;

-- name: scan_bitmap_or
-- options: ANALYZE
SELECT * FROM orders WHERE customer_id = 1 OR amount = 5.5;

-- name: scan_bitmap_and
-- set: SET enable_indexscan = off
SELECT * FROM orders WHERE customer_id < 30 AND amount < 30;

-- name: scan_tid
SELECT * FROM orders WHERE ctid = '(0,1)';

-- name: scan_function_values
-- options: ANALYZE
SELECT * FROM generate_series(1, 10) g JOIN (VALUES (1, 'a'), (2, 'b')) v(n, s) ON v.n = g;

-- name: scan_subquery
-- options: ANALYZE
SELECT * FROM (SELECT customer_id, count(*) c FROM orders GROUP BY customer_id ORDER BY c DESC LIMIT 5) s WHERE s.c > 1;

-- name: join_nested_loop
-- options: ANALYZE, BUFFERS
SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id < 50;

-- name: join_hash
-- options: ANALYZE
SELECT c.city, count(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status = 'refunded' GROUP BY c.city;

-- name: join_merge
-- set: SET enable_hashjoin = off; SET enable_nestloop = off
-- options: ANALYZE
SELECT o.id, i.qty FROM orders o JOIN order_items i ON i.order_id = o.id WHERE o.id < 2000;

-- name: join_anti_semi
-- set: SET enable_mergejoin = off; SET enable_nestloop = off
-- options: ANALYZE
SELECT c.id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.status = 'refunded')
  AND EXISTS (SELECT 1 FROM orders o2 WHERE o2.customer_id = c.id AND o2.amount > 990);

-- name: join_materialize
-- options: ANALYZE
SELECT count(*) FROM customers a JOIN customers b ON a.city < b.city WHERE a.id < 10 AND b.id < 100;

-- name: join_full
SELECT * FROM customers c FULL JOIN (SELECT DISTINCT customer_id FROM orders WHERE amount > 900) o ON o.customer_id = c.id;

-- name: sort_in_memory
-- options: ANALYZE, BUFFERS
SELECT * FROM customers ORDER BY city, name;

-- name: sort_incremental
-- options: ANALYZE
SELECT * FROM orders WHERE id < 20000 ORDER BY id, amount LIMIT 100;

-- name: agg_hash_spill
-- set: SET work_mem = '64kB'; SET enable_sort = off; SET max_parallel_workers_per_gather = 0
-- options: ANALYZE
SELECT customer_id, count(*) FROM orders WHERE id < 50000 GROUP BY customer_id;

-- name: agg_group_sorted
-- set: SET enable_hashagg = off
-- options: ANALYZE
SELECT customer_id, sum(amount) FROM orders WHERE customer_id < 50 GROUP BY customer_id;

-- name: agg_mixed_rollup
-- options: ANALYZE
SELECT status, created, count(*) FROM orders WHERE id < 5000 GROUP BY ROLLUP (status, created);

-- name: parallel_aggregate
-- set: SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2
-- options: ANALYZE
SELECT status, count(*), avg(amount) FROM orders GROUP BY status;

-- name: parallel_gather_merge
-- set: SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2
-- options: ANALYZE, VERBOSE
SELECT id, amount FROM orders WHERE status = 'refunded' ORDER BY amount;

-- name: parallel_hash_join
-- set: SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2; SET enable_mergejoin = off; SET enable_nestloop = off
-- options: ANALYZE
SELECT count(*) FROM orders o JOIN order_items i ON i.order_id = o.id WHERE i.qty = 3;

-- name: cte_materialized
-- options: ANALYZE
WITH big AS MATERIALIZED (SELECT customer_id, sum(amount) total FROM orders GROUP BY customer_id)
SELECT a.customer_id FROM big a JOIN big b ON b.customer_id = a.customer_id + 1 WHERE a.total > b.total;

-- name: cte_recursive
-- options: ANALYZE
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 100) SELECT sum(n) FROM r;

-- name: initplan
-- options: ANALYZE
SELECT count(*) FROM orders WHERE amount > (SELECT avg(amount) FROM orders WHERE status = 'refunded');

-- name: subplan
-- options: ANALYZE
SELECT c.id, (SELECT max(o.amount) FROM orders o WHERE o.customer_id = c.id) FROM customers c WHERE c.id < 5;

-- name: partition_pruned
-- options: ANALYZE
SELECT count(*) FROM events WHERE created BETWEEN '2024-02-01' AND '2024-02-10';

-- name: partition_runtime_pruning
-- options: ANALYZE
SELECT count(*) FROM events WHERE created = (SELECT max(created) FROM orders WHERE id < 10);

-- name: partition_not_pruned
-- options: ANALYZE
SELECT count(*) FROM events WHERE extract(month FROM created) = 2;

-- name: limit_offset
-- options: ANALYZE
SELECT * FROM orders ORDER BY id LIMIT 10 OFFSET 5000;

-- name: window
-- options: ANALYZE
SELECT id, customer_id, row_number() OVER (PARTITION BY customer_id ORDER BY amount) FROM orders WHERE customer_id < 10;

-- name: memoize
-- set: SET enable_hashjoin = off; SET enable_mergejoin = off
-- options: ANALYZE
SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id < 3000;

-- name: setops
-- options: ANALYZE
SELECT customer_id FROM orders WHERE id < 1000 INTERSECT SELECT id FROM customers EXCEPT SELECT 5;

-- name: union_merge_append
SELECT id FROM orders UNION ALL SELECT id FROM customers ORDER BY 1 LIMIT 10;

-- name: distinct_unique
-- set: SET enable_hashagg = off
-- options: ANALYZE
SELECT DISTINCT status FROM orders WHERE id < 1000;

-- name: lock_rows
-- options: ANALYZE
-- rollback: yes
SELECT * FROM customers WHERE id < 5 FOR UPDATE;

-- name: project_set_result
-- options: ANALYZE
SELECT generate_series(1, 3), 1 + 1;

-- name: dml_insert_trigger
-- options: ANALYZE, BUFFERS, WAL
-- rollback: yes
INSERT INTO orders SELECT 300000 + g, 1, 'open', 1, NULL, '2024-05-05' FROM generate_series(1, 100) g;

-- name: dml_update_fk
-- options: ANALYZE, VERBOSE, SETTINGS
-- set: SET work_mem = '8MB'
-- rollback: yes
UPDATE orders SET customer_id = 2 WHERE id < 20;

-- name: dml_update_partitioned
UPDATE events SET payload = payload + 1 WHERE id < 100;

-- name: dml_delete
-- rollback: yes
DELETE FROM order_items WHERE order_id < 10;

-- name: costs_off
-- options: COSTS OFF
SELECT c.name FROM customers c JOIN orders o ON o.customer_id = c.id WHERE o.id = 3;

-- name: timing_off
-- options: ANALYZE, TIMING OFF, SUMMARY OFF
SELECT count(*) FROM customers WHERE city = 'city 3';

-- name: rules_seq_scan_filter_large
-- set: SET max_parallel_workers_per_gather = 0
-- options: ANALYZE, BUFFERS
SELECT * FROM orders WHERE note IS NOT NULL AND status = 'refunded';

-- name: rules_sort_spill
-- set: SET work_mem = '64kB'; SET max_parallel_workers_per_gather = 0
-- options: ANALYZE, BUFFERS
SELECT * FROM orders WHERE id <= 40000 ORDER BY note, amount;

-- name: rules_nested_loop_seq_scan
-- set: SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_material = off
-- options: ANALYZE
SELECT count(*) FROM customers c JOIN order_items i ON i.product = c.name WHERE c.id < 6;

-- name: rules_misestimate_correlated
-- options: ANALYZE
SELECT * FROM customers WHERE city = 'city 7' AND zip = 'zip 7';

-- name: rules_partition_function_on_key
-- options: ANALYZE, BUFFERS
SELECT count(*) FROM events WHERE date_trunc('month', created) = '2024-03-01';

-- name: rules_lossy_bitmap
-- set: SET work_mem = '64kB'; SET enable_seqscan = off; SET enable_indexscan = off; SET max_parallel_workers_per_gather = 0
-- options: ANALYZE, BUFFERS
SELECT count(*) FROM orders WHERE amount < 600;

-- name: rules_index_only_heap_fetches
-- set: SET enable_seqscan = off; SET enable_bitmapscan = off
-- options: ANALYZE, BUFFERS
SELECT sensor, value FROM readings WHERE sensor < 30;

-- name: rules_limit_large_offset
-- options: ANALYZE, BUFFERS
SELECT * FROM orders ORDER BY id LIMIT 10 OFFSET 150000;

-- name: healthy_index_scan
-- options: ANALYZE, BUFFERS
SELECT * FROM orders WHERE id BETWEEN 100 AND 120;

-- name: healthy_partition_pruned
-- options: ANALYZE, BUFFERS
SELECT count(*) FROM events WHERE created >= '2024-11-01' AND created < '2024-11-08';

-- name: healthy_sort_in_memory
-- options: ANALYZE, BUFFERS
SELECT * FROM customers WHERE id < 500 ORDER BY name;
