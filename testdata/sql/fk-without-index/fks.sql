CREATE TABLE customers (id bigint PRIMARY KEY);
CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),  -- expect: fk-without-index
    referrer_id bigint
);
CREATE TABLE order_items (
    order_id bigint NOT NULL,
    line int NOT NULL,
    product_id bigint,
    PRIMARY KEY (order_id, line),
    CONSTRAINT order_items_order_fk FOREIGN KEY (order_id) REFERENCES orders (id),
    FOREIGN KEY (product_id) REFERENCES customers (id)  -- expect: fk-without-index
);
ALTER TABLE orders ADD CONSTRAINT orders_referrer_fk FOREIGN KEY (referrer_id) REFERENCES customers (id);  -- expect: fk-without-index

-- ok: an index created later in the migrations leads with the key.
CREATE TABLE shipments (id bigint PRIMARY KEY, order_id bigint REFERENCES orders (id));
CREATE INDEX shipments_order_idx ON shipments (order_id, id);
-- ok: the composite key leads the primary key (in any order).
CREATE TABLE pairs (a bigint, b bigint, PRIMARY KEY (b, a), FOREIGN KEY (a, b) REFERENCES pairs (b, a));

-- DDL a migration guards in a DO block counts as applied: the index is the block's.
CREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id));
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'refunds_order_id_idx') THEN
        CREATE INDEX refunds_order_id_idx ON refunds (order_id);
    END IF;
END
$$;
