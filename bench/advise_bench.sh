#!/bin/sh
# Advise time per query on testdata/advise, against `pglens lint --db` of the same files
# (the catalog read and the rules that propose the same DDL) measured in the same run.
# Usage: bench/advise_bench.sh PGLENS_BINARY DATABASE_URL   (the database holds
# testdata/advise/schema.sql and CREATE EXTENSION hypopg)
set -eu
bin=$1
url=$2
dir=$(dirname "$0")/../testdata/advise
queries=$(grep -c '^SELECT' "$dir/slow.sql" "$dir/healthy.sql" | awk -F: '{s += $2} END {print s}')
best() {  # best wall time of 5 runs, in ms
  b=""
  for _ in 1 2 3 4 5; do
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    t=$(( ($(date +%s%N) - t0) / 1000000 ))
    if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
  done
  echo "$b"
}
lint=$(best "$bin" lint --db "$url" "$dir/slow.sql" "$dir/healthy.sql")
advise=$(best "$bin" advise --db "$url" "$dir/slow.sql" "$dir/healthy.sql")
echo "statements: $queries"
echo "pglens lint --db:   $lint ms"
echo "pglens advise --db: $advise ms = $(echo "$advise $queries" | awk '{printf "%.1f", $1 / $2}') ms per statement" \
     "= $(echo "$advise $lint" | awk '{printf "%.1f", $1 / $2}') x lint --db"
