CREATE TABLE orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL
);
