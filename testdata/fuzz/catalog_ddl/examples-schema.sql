-- An online shop: the schema pglens reads to know tables, columns and indexes.
CREATE TABLE customers (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email       text NOT NULL,
    full_name   text NOT NULL,
    country     char(2) NOT NULL,
    status      text NOT NULL DEFAULT 'active',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id  bigint NOT NULL REFERENCES customers (id),
    status       text NOT NULL,
    total_amount numeric(12,2) NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    note         text
);

CREATE TABLE order_items (
    order_id    bigint NOT NULL REFERENCES orders (id),
    product_id  bigint NOT NULL,
    quantity    integer NOT NULL,
    unit_price  numeric(10,2) NOT NULL,
    PRIMARY KEY (order_id, product_id)
);

-- What customers do on the site, one partition per quarter.
CREATE TABLE customer_events (
    customer_id  bigint NOT NULL,
    kind         text NOT NULL,
    created_at   timestamptz NOT NULL,
    payload      jsonb
) PARTITION BY RANGE (created_at);
CREATE TABLE customer_events_2026_q1 PARTITION OF customer_events FOR VALUES FROM ('2026-01-01') TO ('2026-04-01');
CREATE TABLE customer_events_2026_q2 PARTITION OF customer_events FOR VALUES FROM ('2026-04-01') TO ('2026-07-01');
CREATE TABLE customer_events_2026_q3 PARTITION OF customer_events FOR VALUES FROM ('2026-07-01') TO ('2026-10-01');
CREATE TABLE customer_events_2026_q4 PARTITION OF customer_events FOR VALUES FROM ('2026-10-01') TO ('2027-01-01');
CREATE INDEX customer_events_customer_idx ON customer_events (customer_id, created_at);
