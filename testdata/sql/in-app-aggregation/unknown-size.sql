-- With unknown-size-is-large (unknown-size.toml), a table of unknown size counts as large.
CREATE TABLE payments (id bigint PRIMARY KEY, amount numeric(10,2) NOT NULL, method text NOT NULL);
CREATE INDEX payments_method_idx ON payments (method);

SELECT amount FROM payments WHERE method = 'card';  -- expect: in-app-aggregation
-- ok: aggregated.
SELECT sum(amount) FROM payments WHERE method = 'card';
