-- A schema exercising what the catalog models; tests/catalog loads it from DDL and from a
-- live PostgreSQL and expects the same catalog.
CREATE SCHEMA sales;

CREATE TABLE customers (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email       text NOT NULL UNIQUE,
    country     char(2) NOT NULL,
    status      varchar(20) NOT NULL DEFAULT 'active',
    tags        text[],
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sales.orders (
    id           bigint NOT NULL,
    customer_id  bigint NOT NULL REFERENCES customers (id),
    status       text NOT NULL,
    total_amount numeric(12,2) NOT NULL,
    created_on   date NOT NULL,
    note         text,
    PRIMARY KEY (id, created_on)
) PARTITION BY RANGE (created_on);

CREATE TABLE sales.orders_2026_01 PARTITION OF sales.orders FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
CREATE TABLE sales.orders_2026_02 PARTITION OF sales.orders FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');
CREATE TABLE sales.orders_rest PARTITION OF sales.orders DEFAULT;

CREATE TABLE order_items (
    order_id    bigint NOT NULL,
    order_on    date NOT NULL,
    product_id  bigint NOT NULL,
    quantity    integer NOT NULL,
    unit_price  numeric(10,2) NOT NULL,
    PRIMARY KEY (order_id, order_on, product_id),
    FOREIGN KEY (order_id, order_on) REFERENCES sales.orders (id, created_on)
);

CREATE INDEX customers_lower_email_idx ON customers (lower(email));
CREATE INDEX customers_active_idx ON customers (created_at DESC) WHERE status = 'active';
CREATE INDEX ON sales.orders (customer_id, created_on DESC NULLS LAST) INCLUDE (total_amount);
CREATE UNIQUE INDEX order_items_product_idx ON order_items USING btree (product_id, order_id);
CREATE INDEX customers_tags_idx ON customers USING gin (tags);

ALTER TABLE customers ADD COLUMN referrer_id bigint;
ALTER TABLE customers ADD CONSTRAINT customers_referrer_fk FOREIGN KEY (referrer_id) REFERENCES customers (id);
ALTER TABLE customers RENAME COLUMN country TO country_code;
ALTER TABLE order_items ALTER COLUMN quantity TYPE bigint;

CREATE VIEW big_orders (id, amount) AS SELECT id, total_amount FROM sales.orders WHERE total_amount > 1000;
