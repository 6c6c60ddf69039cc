#!/usr/bin/env bash
# Issue 19's scale figures at n and 2n: each row runs the same pglens command on an input of
# size n and of size 2n and prints CPU time (user + system) and peak RSS of both, and their
# ratios (2 = linear). CPU time, not wall time: on a shared machine the wall time says more
# about the load than about pglens. Usage:
#   bench/scale.sh build/pglens [postgresql://postgres@127.0.0.1:PORT/postgres]
# With a database URL (a throwaway server: it creates databases scale_50000 and scale_100000
# and fills them), the `catalog dump --db` row runs too. SCALE_ROWS picks rows by name
# (default: all of ddl-schemas ddl-tables snapshot-schemas snapshot-tables db plan-wide plan-deep).
set -euo pipefail
pglens=$(realpath "$1")
db_url=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rows=${SCALE_ROWS:-ddl-schemas ddl-tables snapshot-schemas snapshot-tables db plan-wide plan-deep}

# Runs a command, prints "cpu_seconds peak_mib" of it; its output goes to $work/out.
measure() {
  /usr/bin/time -f "%U %S %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || true
  # The last line: on a non-zero exit, time writes "Command exited with non-zero status" first.
  awk 'END { printf "%.2f %.0f\n", $1 + $2, $3 / 1024 }' "$work/time"
}

# One row: label, then the two measurements "cpu rss" at n and at 2n.
row() {
  local label=$1 a_cpu=$2 a_rss=$3 b_cpu=$4 b_rss=$5
  awk -v l="$label" -v ac="$a_cpu" -v ar="$a_rss" -v bc="$b_cpu" -v br="$b_rss" 'BEGIN {
    printf "| %s | %.2f s, %d MiB | %.2f s, %d MiB | %.2f | %.2f |\n", l, ac, ar, bc, br,
      (ac > 0 ? bc / ac : 0), (ar > 0 ? br / ar : 0) }'
}

echo "| input (n / 2n) | n: CPU, peak RSS | 2n: CPU, peak RSS | CPU ratio | RSS ratio |"
echo "| --- | --- | --- | --- | --- |"
for r in $rows; do
  case $r in
    ddl-schemas)  # a schema per table: 40,000 and 80,000 schemas
      python3 "$here/gen_scale_catalog.py" 40000 40000 "$work/s1.sql"
      python3 "$here/gen_scale_catalog.py" 80000 80000 "$work/s2.sql"
      read -r a1 a2 < <(measure "$pglens" catalog dump "$work/s1.sql" -o "$work/s1.json")
      read -r b1 b2 < <(measure "$pglens" catalog dump "$work/s2.sql" -o "$work/s2.json")
      row "DDL \`catalog dump\`, 40,000 / 80,000 schemas × 1 table" "$a1" "$a2" "$b1" "$b2" ;;
    ddl-tables)  # 1,000 tables per schema: 40,000 and 80,000 tables
      python3 "$here/gen_scale_catalog.py" 40000 40 "$work/t1.sql"
      python3 "$here/gen_scale_catalog.py" 80000 80 "$work/t2.sql"
      read -r a1 a2 < <(measure "$pglens" catalog dump "$work/t1.sql" -o "$work/t1.json")
      read -r b1 b2 < <(measure "$pglens" catalog dump "$work/t2.sql" -o "$work/t2.json")
      row "DDL \`catalog dump\`, 40,000 / 80,000 tables (1,000 per schema)" "$a1" "$a2" "$b1" "$b2" ;;
    snapshot-schemas | snapshot-tables)  # lint of one statement against the snapshot
      prefix=s label="schemas"
      [ "$r" = snapshot-tables ] && prefix=t label="tables"
      for k in 1 2; do
        [ -f "$work/$prefix$k.json" ] || {
          if [ $prefix = s ]; then python3 "$here/gen_scale_catalog.py" $((40000 * k)) $((40000 * k)) "$work/$prefix$k.sql"
          else python3 "$here/gen_scale_catalog.py" $((40000 * k)) $((40 * k)) "$work/$prefix$k.sql"; fi
          "$pglens" catalog dump "$work/$prefix$k.sql" -o "$work/$prefix$k.json"
        }
        mkdir -p "$work/lint$prefix$k"
        printf 'catalog = "%s"\n' "$work/$prefix$k.json" >"$work/lint$prefix$k/.pglens.toml"
        echo 'SELECT 1;' >"$work/lint$prefix$k/q.sql"
      done
      read -r a1 a2 < <(cd "$work/lint${prefix}1" && measure "$pglens" lint q.sql)
      read -r b1 b2 < <(cd "$work/lint${prefix}2" && measure "$pglens" lint q.sql)
      row "\`lint\` with a 40,000 / 80,000-$label snapshot" "$a1" "$a2" "$b1" "$b2" ;;
    db)
      [ -n "$db_url" ] || { echo "| \`catalog dump --db\` | (no database URL given) | | | |"; continue; }
      for n in 50000 100000; do
        python3 "$here/gen_scale_catalog.py" $n $((n / 1000)) "$work/db$n.sql"
        psql -q "$db_url" -c "DROP DATABASE IF EXISTS scale_$n" -c "CREATE DATABASE scale_$n" >/dev/null
        psql -q -v ON_ERROR_STOP=1 "${db_url%/*}/scale_$n" -f "$work/db$n.sql" >/dev/null
      done
      read -r a1 a2 < <(measure "$pglens" catalog dump --db "${db_url%/*}/scale_50000" -o "$work/db1.json")
      read -r b1 b2 < <(measure "$pglens" catalog dump --db "${db_url%/*}/scale_100000" -o "$work/db2.json")
      row "\`catalog dump --db\`, 50,000 / 100,000 tables" "$a1" "$a2" "$b1" "$b2" ;;
    plan-wide)  # one-line JSON: an Append of n - 1 Seq Scans
      python3 "$here/gen_scale_plans.py" wide 500000 "$work/w1.json"
      python3 "$here/gen_scale_plans.py" wide 1000000 "$work/w2.json"
      read -r a1 a2 < <(measure "$pglens" explain --color never "$work/w1.json")
      read -r b1 b2 < <(measure "$pglens" explain --color never "$work/w2.json")
      rm -f "$work/w1.json" "$work/w2.json"
      row "\`explain\` of a one-line JSON plan, 500,000 / 1,000,000 nodes" "$a1" "$a2" "$b1" "$b2" ;;
    plan-deep)  # refused after reading: deeper than 1,000 levels
      python3 "$here/gen_scale_plans.py" deep 100000 "$work/d1.json"
      python3 "$here/gen_scale_plans.py" deep 200000 "$work/d2.json"
      read -r a1 a2 < <(measure "$pglens" explain --color never "$work/d1.json")
      read -r b1 b2 < <(measure "$pglens" explain --color never "$work/d2.json")
      row "\`explain\` of a JSON plan 100,000 / 200,000 levels deep (refused)" "$a1" "$a2" "$b1" "$b2" ;;
    *) echo "unknown row $r" >&2; exit 2 ;;
  esac
done
