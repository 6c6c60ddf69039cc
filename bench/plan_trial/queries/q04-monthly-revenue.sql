-- Monthly revenue of 2025 (partitioned table, pruned).
-- dba: slow | Sort | - (sort spills: work_mem)
SELECT date_trunc('month', payment_date) AS month, sum(amount), count(*)
FROM payment WHERE payment_date >= '2025-01-01' AND payment_date < '2026-01-01'
GROUP BY 1 ORDER BY 1;
