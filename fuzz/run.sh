#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build (cmake --preset fuzz) as CI does, and prints
# per target the executions, the seconds and the rate. Usage: fuzz/run.sh [BUILD_DIR [NAME...]]
#
# Each target fuzzes for PGLENS_FUZZ_SECONDS (20) and goes on, from the corpus it grew, until
# it has run PGLENS_FUZZ_MIN_RUNS (100,000) inputs, for at most PGLENS_FUZZ_MAX_SECONDS (300)
# in all; a target that stops short is named in the table (CI's time is bounded, so a slow
# machine does not fail the build for it). PGLENS_FUZZ_JOBS targets (the cores) run at once:
# libFuzzer uses one. fuzz/<name>.options (OSS-Fuzz's format: `key = value` under
# [libfuzzer]) holds a target's own flags, -max_len first: inputs above it are run by
# fuzz/large-inputs.sh instead. Seeds: testdata/fuzz/<name>/, else the SQL fixtures.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
shift || true
: "${PGLENS_FUZZ_SECONDS:=20}" "${PGLENS_FUZZ_MIN_RUNS:=100000}" "${PGLENS_FUZZ_MAX_SECONDS:=300}"
: "${PGLENS_FUZZ_JOBS:=$(nproc)}"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for target in "$build"/fuzz/fuzz_*; do names+=("$(basename "$target" | sed 's/^fuzz_//')"); done
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The libFuzzer flags of fuzz/<name>.options, one -key=value each.
options() {
  local file=fuzz/$1.options
  [ -f "$file" ] || return 0
  sed -n '/^\[libfuzzer\]/,/^\[/{/^[a-z_]* *=/s/^\([a-z_]*\) *= *\(.*\)$/-\1=\2/p}' "$file"
}

# "Done N runs" of a libFuzzer log, 0 when absent.
runs_of() { grep -oE "^Done [0-9]+ runs" "$1" | grep -oE "[0-9]+" || echo 0; }

fuzz_one() {
  local name=$1 target=$build/fuzz/fuzz_$1 out=$work/$1
  local corpus=$out.corpus
  mkdir -p "$corpus"
  # Seeds may be symlinks to fixtures elsewhere (-L copies what they point at). Fixtures of
  # different rules share file names: prefix each with its rule's directory.
  if [ -d "testdata/fuzz/$name" ]; then cp -rL "testdata/fuzz/$name/." "$corpus/"
  else for seed in testdata/sql/*/*.sql; do
    rule=$(basename "$(dirname "$seed")"); cp "$seed" "$corpus/$rule-$(basename "$seed")"
  done; fi
  local -a flags
  mapfile -t flags < <(options "$name")
  # -entropic=0: libFuzzer's entropic schedule (the default since LLVM 11) updates feature
  # frequencies on every run: 45 % of catalog_cycles' CPU time with pglens's coverage map
  # (perf); without it 1,500 runs took 5.1 s of CPU instead of 11.7, with the same coverage.
  flags+=(-entropic=0 -timeout=10 -rss_limit_mb=2048 -print_final_stats=0)
  local started runs seconds
  started=$(date +%s.%N)
  echo "-- $name ${flags[*]}"
  "$target" "${flags[@]}" -max_total_time="$PGLENS_FUZZ_SECONDS" "$corpus" 2>"$out.log" || {
    tail -50 "$out.log"; return 1; }
  runs=$(runs_of "$out.log")
  echo "   $runs runs in $PGLENS_FUZZ_SECONDS s"
  if [ "$runs" -lt "$PGLENS_FUZZ_MIN_RUNS" ]; then
    local left=$(( PGLENS_FUZZ_MAX_SECONDS - PGLENS_FUZZ_SECONDS ))
    "$target" "${flags[@]}" -runs=$((PGLENS_FUZZ_MIN_RUNS - runs)) -max_total_time="$left" "$corpus" \
      2>"$out.log" || { tail -50 "$out.log"; return 1; }
    runs=$(( runs + $(runs_of "$out.log") ))
    echo "   $runs runs in all (went on to reach $PGLENS_FUZZ_MIN_RUNS)"
  fi
  seconds=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  printf '%s %s %.0f\n' "$name" "$runs" "$seconds" > "$out.figures"
  local seeds=testdata/fuzz/$name
  [ -d "$seeds" ] || seeds=testdata/sql
  fuzz/large-inputs.sh "$target" "$seeds"
}

# PGLENS_FUZZ_JOBS at a time; each one's output is printed whole when it ends.
failed=0
report() {
  local name=$1
  cat "$work/$name.out"
  if [ "$(cat "$work/$name.rc")" != 0 ]; then failed=1; fi
}
pending=()
for name in "${names[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$PGLENS_FUZZ_JOBS" ]; do wait -n || true; done
  ( rc=0; fuzz_one "$name" >"$work/$name.out" 2>&1 || rc=$?; echo $rc >"$work/$name.rc" ) &
  pending+=("$name")
done
wait || true
for name in "${pending[@]}"; do report "$name"; done

echo "-- executions per target (at least $PGLENS_FUZZ_MIN_RUNS wanted; $PGLENS_FUZZ_JOBS at once)"
printf '%-20s %10s %8s %10s\n' target runs seconds runs/s
short=0
for name in "${pending[@]}"; do
  [ -f "$work/$name.figures" ] || continue
  read -r _ runs seconds <"$work/$name.figures"
  mark=""
  if [ "$runs" -lt "$PGLENS_FUZZ_MIN_RUNS" ]; then mark=" short of $PGLENS_FUZZ_MIN_RUNS"; short=$((short + 1)); fi
  printf '%-20s %10s %8s %10s%s\n' "$name" "$runs" "$seconds" "$(( runs / (seconds > 0 ? seconds : 1) ))" "$mark"
done
[ "$short" -eq 0 ] || echo "   $short target(s) stopped short of $PGLENS_FUZZ_MIN_RUNS runs after $PGLENS_FUZZ_MAX_SECONDS s"
exit "$failed"
