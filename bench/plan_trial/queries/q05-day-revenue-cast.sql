-- One day's payments, written with a cast on the partition key.
-- dba: slow | payment | - (pruning miss: compare the bare key)
SELECT count(*), sum(amount) FROM payment WHERE payment_date::date = '2025-03-15';
