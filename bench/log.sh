#!/usr/bin/env bash
# pglens log against pgbadger (one job) on the same generated log, in the same run:
# MB/s of each and peak RSS. Usage: bench/log.sh PGLENS [SIZE_MB]
set -euo pipefail
pglens=${1:?usage: bench/log.sh path/to/pglens [size MB]}
size=${2:-50}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 "$(dirname "$0")/gen_log.py" "$dir/pg.log" "$size"
bytes=$(stat -c %s "$dir/pg.log")
mb=$(python3 -c "print($bytes / 1048576)")
run() {  # name, input, command...: prints name, wall and CPU seconds, MB/s of each, peak RSS
  local name=$1 mb
  mb=$(python3 -c "print($(stat -c %s "$2") / 1048576)")
  shift 2
  /usr/bin/time -f '%e %U %S %M' -o "$dir/time" "$@" >/dev/null 2>"$dir/err" || true
  read -r secs user sys kb < <(tail -1 "$dir/time")
  python3 -c "cpu = $user + $sys; print(f'| $name | {$secs:.2f} s | {$mb / max($secs, 0.001):.1f} MB/s | {cpu:.2f} s | {$mb / max(cpu, 0.001):.1f} MB/s | {$kb / 1024:.1f} MiB |')"
}
echo "log: $(python3 -c "print(f'{$mb:.1f}')") MB, $(wc -l <"$dir/pg.log") lines; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at the start"
echo "| tool | wall | MB/s (wall) | CPU | MB/s (CPU) | peak RSS |"
echo "| --- | --- | --- | --- | --- | --- |"
run "pglens log" "$dir/pg.log" "$pglens" log "$dir/pg.log"
run "pglens log --format json" "$dir/pg.log" "$pglens" log --format json "$dir/pg.log"
head -c $((bytes / 10)) "$dir/pg.log" >"$dir/tenth.log"
run "pglens log, a tenth of the log" "$dir/tenth.log" "$pglens" log "$dir/tenth.log"
split -n l/2 "$dir/pg.log" "$dir/half."
run "pglens log -j 2 (two halves)" "$dir/pg.log" "$pglens" log -j 2 "$dir/half.aa" "$dir/half.ab"
# one file cut into chunks at entry starts (the summary is the one of -j 1)
run "pglens log -j 2 (chunks of one file)" "$dir/pg.log" "$pglens" log -j 2 "$dir/pg.log"
"$pglens" log --format json "$dir/pg.log" >"$dir/j1.json" 2>/dev/null || true
"$pglens" log --format json -j 2 "$dir/pg.log" >"$dir/j2.json" 2>/dev/null || true
cmp -s "$dir/j1.json" "$dir/j2.json" && echo "-j 2 over chunks: the same JSON summary as -j 1" || echo "-j 2 over chunks: the JSON summary DIFFERS from -j 1"
if command -v pgbadger >/dev/null; then
  echo "load $(cut -d' ' -f1-3 /proc/loadavg) before pgbadger"
  run "pgbadger -j 1" "$dir/pg.log" pgbadger -j 1 -f stderr --prefix '%m [%p] %c ' -o "$dir/out.txt" "$dir/pg.log"
else
  echo "pgbadger is not installed (apt-get install pgbadger)"
fi
