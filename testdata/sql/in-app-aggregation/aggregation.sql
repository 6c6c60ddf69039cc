-- The schema these queries run against (sizes in aggregation.toml).
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL);
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    status text NOT NULL,
    total_amount numeric(12,2) NOT NULL,
    shipping_cost real,
    item_count integer NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX orders_status_idx ON orders (status);
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE INDEX orders_created_at_idx ON orders (created_at);
CREATE TABLE exchange_rates (currency text PRIMARY KEY, rate numeric NOT NULL);

-- Numbers shipped only to be added up in the application.
SELECT total_amount FROM orders;  -- expect: in-app-aggregation
SELECT total_amount, item_count FROM orders WHERE status = 'paid';  -- expect: in-app-aggregation
SELECT o.total_amount FROM orders o WHERE o.created_at >= $1 AND o.created_at < $2;  -- expect: in-app-aggregation
SELECT customer_id, total_amount FROM orders WHERE created_at >= now() - interval '30 days';  -- expect: in-app-aggregation
SELECT id, shipping_cost FROM orders ORDER BY created_at;  -- expect: in-app-aggregation
SELECT total_amount FROM orders WHERE status <> 'cancelled';  -- expect: in-app-aggregation
DECLARE amounts CURSOR FOR SELECT total_amount FROM orders;  -- expect: in-app-aggregation

-- ok: the database aggregates already.
SELECT sum(total_amount) FROM orders WHERE status = 'paid';
SELECT customer_id, sum(total_amount) FROM orders GROUP BY customer_id;
-- ok: a selective WHERE (a key compared by equality), a LIMIT, DISTINCT.
SELECT total_amount FROM orders WHERE customer_id = $1;
SELECT total_amount FROM orders WHERE id = ANY ($1);
SELECT total_amount FROM orders WHERE created_at::date = $1;  -- expect: non-sargable-predicate (a selective WHERE: not in-app-aggregation)
SELECT total_amount FROM orders WHERE item_count = 3;  -- expect: missing-index-filter (a selective WHERE: not in-app-aggregation)
SELECT total_amount FROM orders WHERE created_at > $1 ORDER BY created_at LIMIT 100;
SELECT DISTINCT item_count FROM orders WHERE status = 'paid';
-- ok: a condition pglens cannot read may be selective (EXISTS, OR).
SELECT total_amount FROM orders o WHERE status = 'paid' AND EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id AND c.email = $1);
SELECT total_amount FROM orders WHERE status = 'paid' OR status = 'shipped';
-- ok: not only numbers: the application shows these rows.
SELECT id, status, total_amount FROM orders WHERE status = 'paid';
SELECT total_amount, created_at FROM orders WHERE status = 'paid';
-- ok: keys only: fetched to act on each row.
SELECT id FROM orders WHERE status = 'pending';
SELECT id, customer_id FROM orders WHERE status = 'pending';
-- ok: a small table; an expression rather than a plain column; a join.
SELECT rate FROM exchange_rates;
SELECT total_amount * 2 FROM orders WHERE status = 'paid';
SELECT o.total_amount, c.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status = 'paid';
-- ok: the rows feed the server, not the client.
CREATE TABLE paid_amounts AS SELECT total_amount FROM orders WHERE status = 'paid';
SELECT email FROM customers WHERE id IN (SELECT customer_id FROM orders WHERE status = 'paid');
