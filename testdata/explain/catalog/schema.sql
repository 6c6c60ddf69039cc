-- The schema the plan was captured with (tests/plan_rules/capture_test.cpp), without its rows.
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, city text NOT NULL, zip text NOT NULL);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL,
                     amount numeric(10,2) NOT NULL, created_at timestamptz NOT NULL, note text);
CREATE INDEX orders_created_at_idx ON orders (created_at);
CREATE INDEX orders_amount_idx ON orders (amount);
CREATE TABLE order_items (id int PRIMARY KEY, order_id int NOT NULL, product text NOT NULL, qty int NOT NULL);
