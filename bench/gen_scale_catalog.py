#!/usr/bin/env python3
"""Writes the DDL of a schema-per-tenant database for the catalog scale figures in README.md:
TABLES tables spread over SCHEMAS schemas, each with a primary key, a foreign key to the
first table of its schema, and an index. Usage: gen_scale_catalog.py TABLES SCHEMAS OUT.sql"""
import sys

tables, schemas, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
per_schema = max(1, tables // schemas)
with open(out, "w") as f:
    for s in range(schemas):
        f.write(f"CREATE SCHEMA tenant_{s};\n")
    for t in range(tables):
        s, k = t % schemas, t // schemas
        name = f"tenant_{s}.orders_{k}"
        f.write(f"CREATE TABLE {name} (id bigint PRIMARY KEY, customer_id bigint NOT NULL, "
                f"status text, created_at timestamptz NOT NULL DEFAULT now());\n")
        f.write(f"CREATE INDEX orders_{k}_customer_idx ON {name} (customer_id, created_at);\n")
