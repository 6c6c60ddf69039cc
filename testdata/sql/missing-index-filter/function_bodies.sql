-- Functions as pg_dump writes them: the SQL in their bodies runs on every call, so it is
-- checked like the file's own queries. Parameters and variables are values, not columns.
SET check_function_bodies = false;

CREATE TABLE public.accounts (
    id bigint NOT NULL,
    email text NOT NULL,
    plan text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT accounts_pkey PRIMARY KEY (id)
);

CREATE TABLE public.invoices (
    id bigint NOT NULL,
    account_id bigint NOT NULL,
    status text NOT NULL,
    due_on date NOT NULL,
    amount_cents bigint NOT NULL,
    CONSTRAINT invoices_pkey PRIMARY KEY (id)
);

--
-- Name: account_balance(bigint); Type: FUNCTION; Schema: public; Owner: billing
--

CREATE FUNCTION public.account_balance(p_account_id bigint) RETURNS bigint
    LANGUAGE sql STABLE
    AS $$
    SELECT coalesce(sum(amount_cents), 0)
      FROM public.invoices
     WHERE account_id = p_account_id;  -- expect: missing-index-filter
$$;

-- ok: a parameter compared with the primary key; `$1` and `fn.param` are parameters too.
CREATE FUNCTION public.account_email(p_id bigint) RETURNS text
    LANGUAGE sql STABLE
    AS $_$SELECT email FROM public.accounts WHERE id = p_id$_$;

CREATE FUNCTION public.invoice_total(bigint) RETURNS bigint
    LANGUAGE sql STABLE
    AS $_$SELECT amount_cents FROM public.invoices WHERE id = $1$_$;

CREATE FUNCTION public.accounts_on_plan(plan text) RETURNS SETOF bigint
    LANGUAGE sql STABLE
    AS $$
    SELECT id FROM public.accounts
     WHERE accounts.plan = accounts_on_plan.plan  -- expect: missing-index-filter
     LIMIT 100;
$$;

-- A parameter named like a column is the column (a SQL function resolves the column first):
-- `email = email` compares the column with itself, no lookup.
CREATE FUNCTION public.same_email(email text) RETURNS bigint
    LANGUAGE sql STABLE
    AS $$ SELECT count(*) FROM public.accounts WHERE email = email $$;

--
-- Name: overdue_invoices(bigint); Type: FUNCTION; Schema: public; Owner: billing
--

CREATE FUNCTION public.overdue_invoices(p_account_id bigint) RETURNS SETOF public.invoices
    LANGUAGE sql STABLE
    BEGIN ATOMIC
 SELECT invoices.id,
     invoices.account_id,
     invoices.status,
     invoices.due_on,
     invoices.amount_cents
    FROM public.invoices
   WHERE ((invoices.account_id = overdue_invoices.p_account_id) AND (invoices.due_on < CURRENT_DATE));  -- expect: missing-index-filter
END;

--
-- Name: close_account(bigint); Type: FUNCTION; Schema: public; Owner: billing
--

CREATE FUNCTION public.close_account(p_account_id bigint) RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_open bigint;
    v_email text;
    r record;
BEGIN
    PERFORM pg_advisory_xact_lock(p_account_id);
    SELECT count(*) INTO v_open
      FROM public.invoices
     WHERE account_id = p_account_id AND status = 'open';  -- expect: missing-index-filter
    SELECT email INTO STRICT v_email FROM public.accounts WHERE id = p_account_id;
    IF v_open > 0 THEN
        RAISE EXCEPTION 'account % has % open invoices', p_account_id, v_open;
    END IF;
    FOR r IN SELECT id FROM public.invoices WHERE due_on < current_date - 30 LOOP  -- expect: missing-index-filter
        UPDATE public.invoices SET status = 'void' WHERE id = r.id;
    END LOOP;
    EXECUTE 'DELETE FROM public.invoices WHERE amount_cents = 0';  -- expect: missing-index-filter
    EXECUTE format('DELETE FROM %I.invoices WHERE account_id = $1', 'public') USING p_account_id;
    -- pglens-ignore: missing-index-filter  (the nightly job, not a hot path)
    UPDATE public.accounts SET plan = 'closed' WHERE email = v_email;
    RETURN v_open;
END;
$$;

CREATE FUNCTION public.invoices_due(p_day date) RETURNS SETOF public.invoices
    LANGUAGE plpgsql STABLE
    AS $$
BEGIN
    RETURN QUERY SELECT * FROM public.invoices WHERE due_on = p_day;  -- expect: missing-index-filter
END;
$$;
