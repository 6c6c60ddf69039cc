SELECT 1;
-- ok: the statement above is fine; this one runs to the end of the file.
SELECT 'never closed FROM orders;  -- expect: syntax-error
