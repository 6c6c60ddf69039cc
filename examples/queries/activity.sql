-- A customer's activity feed: the last week, and their signup however old it is.
SELECT kind, created_at FROM customer_events
WHERE customer_id = $1 AND (created_at >= now() - interval '7 days' OR kind = 'signup');
