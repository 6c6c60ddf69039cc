#!/usr/bin/env python3
"""Reads every EXPLAIN output in PostgreSQL's regression tests' expected files with
`pglens explain` and counts what it makes of them: plans read, read errors, plans not read
as one tree, findings (listed, to be judged by hand). The expected files come with the
PostgreSQL source (`apt-get source postgresql-15`: src/test/regress/expected/).
Usage: regress_plans.py EXPECTED_DIR PGLENS [OUT_DIR]"""
import collections, glob, json, os, re, subprocess, sys, tempfile

expected, pglens = sys.argv[1], sys.argv[2]
out = sys.argv[3] if len(sys.argv) > 3 else tempfile.mkdtemp(prefix="regress-plans-")
os.makedirs(out, exist_ok=True)
header = re.compile(r"^\s+(QUERY PLAN|explain_[a-z_]+)\s*$")  # EXPLAIN, or a test's wrapper function
blocks = []
for path in sorted(glob.glob(os.path.join(expected, "*.out"))):
    lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
    i = 0
    while i < len(lines):
        if header.match(lines[i]) and i + 1 < len(lines) and re.match(r"^-+$", lines[i + 1]):
            k = i + 2
            while k < len(lines) and not re.match(r"^\(\d+ rows?\)$", lines[k]):
                k += 1
            name = "%s_%04d.txt" % (os.path.basename(path)[:-4], len(blocks) + 1)
            with open(os.path.join(out, name), "w") as f:
                f.write("\n".join(lines[i:k + 1]) + "\n")  # as psql printed it: header, rows, footer
            blocks.append((name, lines[i + 2:k]))
            i = k + 1
        else:
            i += 1
counts = collections.Counter()
for name, body in blocks:
    if not any(l.strip() for l in body) or all(l.strip() in ("t", "f") for l in body):
        counts["not a plan (0 rows, or a test's boolean)"] += 1
        continue
    run = subprocess.run([pglens, "explain", "--format", "json", "--color", "never", os.path.join(out, name)],
                         capture_output=True, text=True, timeout=60)
    if run.returncode != 0:
        counts["exit %d" % run.returncode] += 1
        print(name, "exit", run.returncode, run.stderr.strip()[:200])
        continue
    counts["read"] += 1
    doc = json.loads(run.stdout)
    if doc.get("errors"):
        counts["read with errors"] += 1
        print(name, "errors", str(doc["errors"])[:200])
    text = "\n".join(body)
    for plan in doc["plans"]:
        roots = sum(1 for n in plan["nodes"] if n["parent"] is None)
        # Text plans: a node per "->" line, plus the root (several plans: a rule's actions).
        arrows = len(re.findall(r"^\s*->  ", text, re.M))
        if roots != 1:
            counts["not one tree"] += 1
            print(name, "roots", roots)
        for f in plan["findings"]:
            counts["findings"] += 1
            print(name, "finding", f.get("rule"), f.get("severity"), f.get("message", "")[:160])
    if doc["format"] == "text" and sum(len(p["nodes"]) for p in doc["plans"]) != arrows + len(doc["plans"]):
        counts["node count differs from the text"] += 1
        print(name, "nodes", sum(len(p["nodes"]) for p in doc["plans"]), "arrows", arrows)
print("blocks %d:" % len(blocks), dict(counts))
