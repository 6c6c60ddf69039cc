-- db/structure.sql as a Rails application dumps it (pg_dump style): foreign keys added last,
-- after the indexes, some of which are partial.
SET statement_timeout = 0;
SET client_encoding = 'UTF8';

CREATE TABLE public.accounts (
    id bigint NOT NULL,
    name character varying NOT NULL
);

CREATE TABLE public.invoices (
    id bigint NOT NULL,
    account_id bigint,
    parent_invoice_id bigint,
    voided_by_id bigint,
    voided_at timestamp(6) without time zone,
    deleted_at timestamp(6) without time zone,
    created_at timestamp(6) without time zone NOT NULL
);

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT invoices_pkey PRIMARY KEY (id);

CREATE INDEX index_invoices_on_account_id ON public.invoices USING btree (account_id) WHERE (account_id IS NOT NULL);

CREATE INDEX index_invoices_on_parent_invoice_id ON public.invoices USING btree (parent_invoice_id) WHERE (deleted_at IS NULL);

CREATE INDEX index_invoices_on_voided_by_id_and_voided_at ON public.invoices USING btree (voided_by_id, voided_at) WHERE ((voided_by_id IS NOT NULL) AND (voided_at IS NOT NULL));

-- ok: the FK check looks rows up by `account_id = $1`, which implies `account_id IS NOT NULL`.
ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT fk_rails_0f1c1e7b4a FOREIGN KEY (account_id) REFERENCES public.accounts(id);

-- The partial index skips soft-deleted rows, which the check must still find.
ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT fk_rails_5b2d9c3e11 FOREIGN KEY (parent_invoice_id) REFERENCES public.invoices(id);  -- expect: fk-without-index

-- The predicate also asks for voided_at IS NOT NULL, which the check's lookup does not imply.
ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT fk_rails_9a7e3b2f08 FOREIGN KEY (voided_by_id) REFERENCES public.accounts(id);  -- expect: fk-without-index
