#!/usr/bin/env python3
"""Plans at the scale limits of `pglens explain` (issue 19, "Scale without cliffs").

    gen_scale_plans.py wide  N OUT   one-line (minified) JSON: an Append of N-1 Seq Scans
    gen_scale_plans.py deep  N OUT   one-line JSON: a chain of N nodes, each the only child of the one above

Both are EXPLAIN (ANALYZE, FORMAT JSON) as a tool that minifies JSON would pass them on.
"""
import sys


def scan(i, relationship):
    return ('{"Node Type":"Seq Scan","Parent Relationship":"%s","Parallel Aware":false,'
            '"Relation Name":"events_p%d","Alias":"events_p%d","Startup Cost":0.00,"Total Cost":35.50,'
            '"Plan Rows":2550,"Plan Width":4,"Actual Startup Time":0.004,"Actual Total Time":0.010,'
            '"Actual Rows":12,"Actual Loops":1,"Filter":"(kind = 3)","Rows Removed by Filter":40}'
            % (relationship, i, i))


def wide(n, out):
    out.write('[{"Plan":{"Node Type":"Append","Parallel Aware":false,"Startup Cost":0.00,'
              '"Total Cost":%.2f,"Plan Rows":%d,"Plan Width":4,"Actual Startup Time":0.010,'
              '"Actual Total Time":%.3f,"Actual Rows":%d,"Actual Loops":1,"Plans":['
              % (35.5 * (n - 1), 2550 * (n - 1), 0.012 * (n - 1), 12 * (n - 1)))
    for i in range(1, n):
        if i > 1:
            out.write(',')
        out.write(scan(i, "Member"))
    out.write(']},"Planning Time":12.345,"Execution Time":%.3f}]\n' % (0.012 * n + 1))


def deep(n, out):
    out.write('[{"Plan":')
    for i in range(n - 1):
        out.write('{"Node Type":"Limit","Parent Relationship":"Outer","Parallel Aware":false,'
                  '"Startup Cost":0.00,"Total Cost":35.50,"Plan Rows":12,"Plan Width":4,'
                  '"Actual Startup Time":0.004,"Actual Total Time":%.3f,"Actual Rows":12,"Actual Loops":1,'
                  '"Plans":[' % (0.010 + 0.001 * (n - 1 - i)))
    out.write(scan(n, "Outer"))
    out.write(']}' * (n - 1))
    out.write(',"Planning Time":1.0,"Execution Time":%.3f}]\n' % (0.010 + 0.001 * n + 1))


if __name__ == "__main__":
    kind, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(path, "w") as f:
        {"wide": wide, "deep": deep}[kind](n, f)
