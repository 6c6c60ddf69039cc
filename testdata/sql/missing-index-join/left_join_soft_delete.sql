-- A Rails application's schema (db/structure.sql) and the queries its models run: soft-deleted
-- payments are skipped in the join, and the partial index serves exactly that join.
CREATE TABLE public.customers (
    id bigint NOT NULL,
    email character varying NOT NULL,
    created_at timestamp(6) without time zone NOT NULL
);
CREATE TABLE public.payments (
    id bigint NOT NULL,
    customer_id bigint NOT NULL,
    amount_cents integer NOT NULL,
    deleted_at timestamp(6) without time zone
);
CREATE TABLE public.refunds (
    id bigint NOT NULL,
    payment_id bigint NOT NULL,
    voided_at timestamp(6) without time zone
);
ALTER TABLE ONLY public.customers ADD CONSTRAINT customers_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.payments ADD CONSTRAINT payments_pkey PRIMARY KEY (id);
CREATE INDEX index_payments_on_customer_id_not_deleted ON public.payments USING btree (customer_id) WHERE (deleted_at IS NULL);

-- ok: the ON conditions are the join's, and the partial index serves them both.
SELECT c.id, c.email, p.amount_cents
FROM customers c
LEFT JOIN payments p ON p.customer_id = c.id AND p.deleted_at IS NULL
WHERE c.id = $1;

-- The refunds' join key has no index: that is the finding, not a filter on voided_at.
SELECT p.id, r.id
FROM payments p
LEFT JOIN refunds r ON r.payment_id = p.id AND r.voided_at IS NULL  -- expect: missing-index-join
WHERE p.id = $1;
