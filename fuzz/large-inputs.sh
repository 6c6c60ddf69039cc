#!/usr/bin/env bash
# Runs a fuzz target on inputs far above libFuzzer's -max_len, which fuzzing never tries:
# its seeds repeated to a few MiB, and a few shapes that only size makes dangerous (a
# nesting of 100,000 levels, one line of 4 MiB). A file given to a libFuzzer binary runs
# whole, with the same sanitizers. Usage: large-inputs.sh TARGET SEED_DIR
set -euo pipefail
target=$1 seeds=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$seeds" "$work" <<'PY'
import os, sys
seeds, work = sys.argv[1], sys.argv[2]
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(seeds) for f in fs)
data = [open(f, 'rb').read() for f in files]
def write(name, blob):
    open(os.path.join(work, name), 'wb').write(blob)
def repeat(blob, size):
    return (blob * (size // max(len(blob), 1) + 1))[:size] if blob else b''
mib = 1 << 20
joined = b'\n'.join(data)
write('seeds-joined-4mib', repeat(joined, 4 * mib))
if data:
    largest = max(data, key=len)
    write('largest-seed-repeated-2mib', repeat(largest + b'\n', 2 * mib))
    # The first seed cut at every power of two past max_len: truncations inside a token.
    for k in range(13, 22, 4):
        write('first-seed-cut-%d' % k, repeat(data[0], (1 << k) + 7))
write('nested-parens-100k', b'SELECT ' + b'(' * 100000 + b'1' + b')' * 100000 + b';\n')
write('nested-brackets-100k', b'[' * 100000 + b']' * 100000)
write('nested-braces-100k', b'{"a":' * 100000 + b'1' + b'}' * 100000)
write('one-line-4mib', b'SELECT ' + b'a, ' * (4 * mib // 3) + b'1;')
PY
# -runs=0 is not "none" for files: each file given runs once.
"$target" -timeout=120 -rss_limit_mb=4096 "$work"/* 2>"$work.log" || { tail -50 "$work.log"; rm -f "$work.log"; exit 1; }
echo "   large inputs: $(ls "$work" | wc -l) files, $(du -sh "$work" | cut -f1), passed"
rm -f "$work.log"
