#!/usr/bin/env bash
# A real Emacs (batch, eglot) as the client of `pglens lsp`, through editor-plugins/emacs:
# a .sql file gets the lint diagnostics, a .explain file the plan rules' diagnostics; "Ignore"
# on a statement sharing its line puts the comment on a line of its own; a plan's actions
# never edit the plan; a `*.plan` file that is no plan stays out of it; the workspace
# configuration (eglot 1.9) reaches the server.
# Exit 77 (skip) when Emacs or eglot is not installed and PGLENS_REQUIRE_EDITORS is unset.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
bin=$1
if ! command -v emacs >/dev/null || ! emacs --batch -q --eval "(progn (package-initialize) (require 'eglot))" 2>/dev/null; then
  echo "emacs with eglot is not installed (apt-get install emacs-nox elpa-eglot)"
  [ "${PGLENS_REQUIRE_EDITORS:-0}" = "1" ] && exit 1 || exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'SELECT * FROM orders WHERE id = 1;\n\nSELECT id FROM t\nWHERE x NOT IN (SELECT y FROM u);\nSELECT 1; SELECT * FROM t; -- the report\n' > "$work/q.sql"
{ echo '-- pglens-query: q.sql'; cat "$src/examples/plans/customer-orders.txt"; } > "$work/slow.explain"
printf 'resource "aws_instance" "web" {\n  ami = "ami-123"\n}\n' > "$work/main.plan"
actual=$(cd "$work" && HOME="$work" PGLENS_EMACS_DIR="$src/editor-plugins/emacs" PGLENS_BIN="$bin" \
  PGLENS_FILES="$work/q.sql:$work/slow.explain" PGLENS_IGNORE_IN="$work/q.sql" PGLENS_IGNORE_LINE=5 \
  PGLENS_PLAN="$work/slow.explain" PGLENS_NOT_PLAN="$work/main.plan" timeout 120 emacs --batch -q -l "$src/tests/editors/emacs_eglot.el" 2>"$work/log") || {
  cat "$work/log"; echo "$actual"; exit 1; }
expected='q.sql:1: [select-star]
q.sql:4: [not-in-subquery]
q.sql:5: [select-star]
slow.explain:16: [seq-scan-large]
after Ignore `select-star` here: 3 -> 2 diagnostics
buffer SELECT * FROM orders WHERE id = 1;
buffer SELECT id FROM t
buffer WHERE x NOT IN (SELECT y FROM u);
buffer SELECT 1;
buffer -- pglens-ignore: select-star
buffer SELECT * FROM t; -- the report
plan action Insert the suggested DDL as a comment in q.sql
reconfigured: 2 diagnostics, one counting the rest
not a plan: fundamental-mode
status pglens: no database'
if [ "$actual" != "$expected" ]; then
  echo "expected:"; echo "$expected"; echo "actual:"; echo "$actual"; cat "$work/log"; exit 1
fi
echo "$actual"
