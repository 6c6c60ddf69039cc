#!/usr/bin/env bash
# scripts/new-rule on a throwaway copy of rules/, testdata/ and docs/: it writes the rule,
# its registry lines and its fixtures, refuses a bad or taken id, and what it writes
# compiles with the project's warnings (syntax only: a second full build costs CI too much).
# Usage: new-rule-test.sh SOURCE_DIR CXX COMPILE_FLAGS...
set -euo pipefail
src=$1 cxx=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$src/rules" "$src/testdata" "$src/docs" "$tmp/"

fail() { echo "FAIL: $*" >&2; exit 1; }
new_rule() { "$src/scripts/new-rule" "$@" --root "$tmp"; }
compile_flags=("$@")
compiles() { "$cxx" -fsyntax-only -std=c++20 -Werror "${compile_flags[@]}" -I"$tmp/rules" -I"$src" -I"$src/src" -I"$src/include" "$1"; }

new_rule scaffold-probe --sql >/dev/null
new_rule scaffold-plan-probe --plan >/dev/null
for f in rules/sql/scaffold-probe.cpp testdata/sql/scaffold-probe/examples.sql \
         rules/plan/scaffold-plan-probe.cpp testdata/plan-rules/scaffold-plan-probe/example.txt \
         testdata/plan-rules/scaffold-plan-probe/example.expect \
         testdata/plan-rules/scaffold-plan-probe/healthy-ok.txt \
         testdata/plan-rules/scaffold-plan-probe/healthy-ok.expect; do
  [ -s "$tmp/$f" ] || fail "$f not written"
done
grep -q '\.id = "scaffold-probe"' "$tmp/rules/sql/scaffold-probe.cpp" || fail "SQL rule without its id"
grep -q '\.id = "scaffold-plan-probe"' "$tmp/rules/plan/scaffold-plan-probe.cpp" || fail "plan rule without its id"
grep -q -- '-- expect: scaffold-probe$' "$tmp/testdata/sql/scaffold-probe/examples.sql" || fail "no positive case"
grep -q -- '^-- ok:' "$tmp/testdata/sql/scaffold-probe/examples.sql" || fail "no negative case"
grep -q '^scaffold-plan-probe node 1$' "$tmp/testdata/plan-rules/scaffold-plan-probe/example.expect" ||
  fail "no positive plan case"
# Declared once each, in the right list: the SQL rule before sql_rules(), the plan rule before plan_rules().
[ "$(grep -c 'scaffold_probe()' "$tmp/rules/registry.hpp")" = 1 ] || fail "registry.hpp: SQL rule not declared once"
[ "$(grep -c 'scaffold_probe()' "$tmp/rules/registry.cpp")" = 1 ] || fail "registry.cpp: SQL rule not listed once"
awk '/scaffold_probe\(\)/{seen=1} /sql_rules\(\)/{exit !seen}' "$tmp/rules/registry.hpp" ||
  fail "registry.hpp: SQL rule declared after sql_rules()"
awk '/sql_rules\(\) \{/{in_list=1} in_list && /&scaffold_probe\(\)/{found=1} /plan_rules\(\) \{/{exit !found}' \
  "$tmp/rules/registry.cpp" || fail "registry.cpp: SQL rule not in the sql_rules() list"
awk '/plan_rules\(\) \{/{in_list=1} in_list && /&scaffold_plan_probe\(\)/{found=1} END{exit !found}' \
  "$tmp/rules/registry.cpp" || fail "registry.cpp: plan rule not in the plan_rules() list"

for bad in Bad_Id -leading trailing- double--dash 9lives scaffold-probe large-offset jit-overhead; do
  if new_rule "$bad" --sql >/dev/null 2>&1; then fail "accepted the id $bad"; fi
done
# A refused id changes nothing.
[ "$(grep -c 'large_offset()' "$tmp/rules/registry.cpp")" = 1 ] || fail "a refused id edited registry.cpp"

compiles "$tmp/rules/sql/scaffold-probe.cpp" || fail "the SQL rule template does not compile"
compiles "$tmp/rules/plan/scaffold-plan-probe.cpp" || fail "the plan rule template does not compile"
compiles "$tmp/rules/registry.cpp" || fail "the edited registry.cpp does not compile"
echo "ok"
