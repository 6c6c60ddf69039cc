#!/usr/bin/env python3
"""A DBA-style trial of `pglens explain` on analyzed plans of a schema it has never seen.

    python3 bench/plan_trial.py --setup pagila-schema.sql CONNINFO   # once: schema + data
    python3 bench/plan_trial.py [--pglens build/pglens] [--out DIR] CONNINFO

CONNINFO is handed to psql (e.g. "host=/tmp/pg port=5432 user=postgres dbname=trial").
The schema is pagila's (github.com/devrimgunduz/pagila, pagila-schema.sql, a PostgreSQL 18
dump): --setup adapts it to PostgreSQL 15 and fills it with bench/plan_trial/data.sql
(2 M rentals and payments, 300 k customers, skewed). Each query of bench/plan_trial/queries
is run with EXPLAIN (ANALYZE, BUFFERS) in TEXT (twice, the second run kept: a warm cache) and
JSON (DML inside BEGIN ... ROLLBACK); `pglens explain --format json` reads the TEXT plan. Then each
CREATE INDEX pglens prints is created inside a transaction, the query re-run, and the index
is "used" when the new plan names it and "faster" when the plan touched fewer blocks (shared
hit + read + temp) and took less time; the transaction is rolled back.

A DBA's verdict for each query is written in its file as
`-- dba: slow|healthy | text the bottleneck's label must hold (- any) | what a DBA would do`;
the table compares pglens' bottleneck and findings with it: "slow called healthy" is a slow
query with no warning, "healthy warned" the reverse.
"""
import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
QUERIES = os.path.join(HERE, "plan_trial", "queries")


def psql(args, sql, check=True):
    proc = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"] + args,
                          input=sql, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip())
    return proc


def setup(args, schema_path):
    schema = open(schema_path, encoding="utf-8").read()
    # PostgreSQL 18 → 15: no uuidv7(), no virtual generated columns, no pgvector here.
    schema = schema.replace("uuidv7()", "gen_random_uuid()").replace(") VIRTUAL", ") STORED")
    schema = schema.replace("public.vector(20)", "real[]")
    schema = "\n".join(l for l in schema.splitlines()
                       if "EXTENSION IF NOT EXISTS vector" not in l and "EXTENSION vector" not in l
                       and "USING hnsw" not in l)
    psql(args, schema, check=False)
    psql(args, open(os.path.join(HERE, "plan_trial", "data.sql"), encoding="utf-8").read())


def is_dml(sql):
    return re.match(r"\s*(WITH\b.*?\)\s*)?(INSERT|UPDATE|DELETE|MERGE)\b", strip_comments(sql),
                    re.I | re.S) is not None


def strip_comments(sql):
    return "\n".join(l for l in sql.splitlines() if not l.lstrip().startswith("--"))


def explain(args, sql, fmt, before="", runs=1):
    body = strip_comments(sql).strip().rstrip(";")
    opts = "ANALYZE, BUFFERS" + (", FORMAT JSON" if fmt == "json" else "")
    wrap = is_dml(sql) or before
    text = ""
    for _ in range(runs):  # the last run is kept
        script = ("BEGIN;\n" + before if wrap else "") + f"EXPLAIN ({opts}) {body};\n" + ("ROLLBACK;\n" if wrap else "")
        text = psql(args, script).stdout
    return text


def plan_json_summary(text):
    doc = json.loads(text)[0]
    plan = doc["Plan"]
    blocks = sum(plan.get(k, 0) for k in ("Shared Hit Blocks", "Shared Read Blocks", "Temp Read Blocks",
                                         "Temp Written Blocks"))
    triggers = sum(t.get("Time", 0.0) for t in doc.get("Triggers", []))
    return blocks, doc.get("Execution Time", 0.0), triggers


def index_names(text):
    return set(re.findall(r'"Index Name": "([^"]+)"', text))


def dba_verdict(sql):
    """`-- dba: slow|healthy | what the bottleneck label contains (- any) | the index a DBA adds`"""
    m = re.search(r"^-- dba: (.*)$", sql, re.M)
    parts = [x.strip() for x in (m.group(1) if m else "? | - | -").split("|")]
    return {"slow": parts[0] == "slow", "bottleneck": parts[1], "index": parts[2]}


def judge(row, plan):
    dba = row["dba"]
    label = row["bottleneck"].lower()
    row["bottleneck_right"] = dba["bottleneck"] == "-" or dba["bottleneck"].lower() in label
    warned = any(sev in ("warning", "error") for _, sev in row["findings"])
    row["slow_called_healthy"] = dba["slow"] and not warned
    row["healthy_warned"] = not dba["slow"] and warned


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pglens", default="build/pglens")
    ap.add_argument("--out", default="/tmp/plan-trial")
    ap.add_argument("--setup", metavar="PAGILA_SCHEMA_SQL")
    ap.add_argument("--only", help="run the queries whose file name contains this")
    ap.add_argument("psql_args", nargs=argparse.REMAINDER)
    opt = ap.parse_args()
    if opt.setup:
        setup(opt.psql_args, opt.setup)
    os.makedirs(opt.out, exist_ok=True)
    rows = []
    for name in sorted(os.listdir(QUERIES)):
        if not name.endswith(".sql") or (opt.only and opt.only not in name):
            continue
        q = name[:-4]
        sql = open(os.path.join(QUERIES, name), encoding="utf-8").read()
        text_plan = explain(opt.psql_args, sql, "text", runs=2)  # warm cache, as a DBA re-runs
        json_plan = explain(opt.psql_args, sql, "json")
        open(os.path.join(opt.out, q + ".txt"), "w").write(text_plan)
        open(os.path.join(opt.out, q + ".json"), "w").write(json_plan)
        sql_path = os.path.join(QUERIES, name)
        res = subprocess.run([opt.pglens, "explain", "--format", "json", "--sql", sql_path,
                              os.path.join(opt.out, q + ".txt")], capture_output=True, text=True)
        open(os.path.join(opt.out, q + ".pglens.json"), "w").write(res.stdout)
        subprocess.run([opt.pglens, "explain", "--color", "never", "--sql", sql_path, "-o",
                        os.path.join(opt.out, q + ".pglens.txt"), os.path.join(opt.out, q + ".txt")])
        report = json.loads(res.stdout)
        p = report["plans"][0]
        bott = p.get("bottleneck") or {}
        findings = p.get("findings", [])
        blocks, ms, trig = plan_json_summary(json_plan)
        row = {"query": q, "ms": ms, "blocks": blocks, "dba": dba_verdict(sql),
               "bottleneck": bott.get("label", "") or "",
               "findings": [(f.get("rule"), f.get("severity")) for f in findings], "indexes": []}
        for ddl in [i["ddl"] for i in p.get("indexes", [])]:
            stmt = ddl.replace(" CONCURRENTLY", "")
            made = set(re.findall(r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF NOT EXISTS\s+)?(\w+)", stmt, re.I))
            try:
                tables = dict.fromkeys(re.findall(r"\bON\s+(?:ONLY\s+)?([\w.\"]+)", stmt, re.I))
                analyze = "".join(f"ANALYZE {t};\n" for t in tables)
                after = explain(opt.psql_args, sql, "json", before=stmt + "\n" + analyze)
            except RuntimeError as e:
                row["indexes"].append({"ddl": ddl, "error": str(e).splitlines()[0]})
                continue
            b2, ms2, _ = plan_json_summary(after)
            used = bool(index_names(after) & made)
            row["indexes"].append({"ddl": ddl, "used": used, "blocks": [blocks, b2], "ms": [ms, ms2],
                                   "faster": used and b2 < blocks and ms2 < ms})
        judge(row, p)
        rows.append(row)
        print(f"{q}: {ms:.1f} ms, {blocks} blocks; dba: {row['dba']}; pglens: {row['bottleneck']}; "
              f"{', '.join(r + '/' + s for r, s in row['findings']) or 'no findings'}", flush=True)
        for i in row["indexes"]:
            print("   ", json.dumps(i), flush=True)
    json.dump(rows, open(os.path.join(opt.out, "trial.json"), "w"), indent=1)
    n_idx = sum(len(r["indexes"]) for r in rows)
    n_used = sum(1 for r in rows for i in r["indexes"] if i.get("used"))
    n_faster = sum(1 for r in rows for i in r["indexes"] if i.get("faster"))
    print("\n| query | ms | DBA | pglens bottleneck | right | findings | index: used, blocks before → after |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        idx = "; ".join(("error: " + i["error"]) if "error" in i else
                        f"{'used' if i['used'] else 'NOT used'}, {i['blocks'][0]:,} → {i['blocks'][1]:,}"
                        for i in r["indexes"]) or "-"
        verdict = ("slow: " if r["dba"]["slow"] else "healthy: ") + r["dba"]["index"]
        flag = "yes" if r["bottleneck_right"] else "NO"
        if r["slow_called_healthy"]:
            flag += ", slow called healthy"
        if r["healthy_warned"]:
            flag += ", healthy warned"
        finds = ", ".join(f"{rule} ({sev})" for rule, sev in r["findings"]) or "none"
        print(f"| {r['query']} | {r['ms']:,.0f} | {verdict} | {r['bottleneck']} | {flag} | {finds} | {idx} |")
    right = sum(r["bottleneck_right"] for r in rows)
    missed = sum(r["slow_called_healthy"] for r in rows)
    noisy = sum(r["healthy_warned"] for r in rows)
    print(f"\n{len(rows)} plans; bottleneck right in {right}; slow called healthy {missed}; healthy warned {noisy}; "
          f"indexes suggested {n_idx}, used {n_used}, used and faster {n_faster}")


if __name__ == "__main__":
    sys.exit(main())
