-- A function's result type fixes the columns its caller gets: `*` in its body is no
-- `SELECT *` sent to a client, and `RETURNS SETOF t ... SELECT * FROM t` keeps matching t.
CREATE TABLE public.events (
    id bigint PRIMARY KEY,
    kind text NOT NULL,
    payload jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_created_at_idx ON public.events (created_at);

-- ok: the row type of the table is the function's result.
CREATE OR REPLACE FUNCTION public.events_since(p_since timestamptz)
 RETURNS SETOF public.events
 LANGUAGE sql
 STABLE
AS $function$
  SELECT * FROM public.events WHERE created_at >= p_since ORDER BY created_at LIMIT 500
$function$;

CREATE OR REPLACE FUNCTION public.latest_events(p_kind text)
 RETURNS SETOF public.events
 LANGUAGE plpgsql
AS $function$
BEGIN
  RETURN QUERY SELECT * FROM public.events WHERE kind = p_kind ORDER BY id DESC LIMIT 50;
END
$function$;

SELECT * FROM public.events WHERE id = 42;  -- expect: select-star
