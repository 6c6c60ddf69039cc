#!/usr/bin/env python3
"""Writes a PostgreSQL stderr log (log_min_duration_statement = 0, log_line_prefix =
'%m [%p] %c ') of about SIZE MB, seeded: web sessions with N+1 loops, row-by-row loads,
a long-tail report query and ~60 other statement shapes, some through the extended
protocol with their parameters. For bench/log.sh: pglens log against pgbadger."""
import random
import sys

out_path = sys.argv[1]
size_mb = float(sys.argv[2]) if len(sys.argv) > 2 else 50
rng = random.Random(21)
target = int(size_mb * 1024 * 1024)

tables = ["customers", "orders", "order_items", "products", "shipments", "invoices", "carts", "reviews"]
shapes = []
for t in tables:
    shapes.append(f"SELECT id, created_at, status FROM {t} WHERE id = {{n}}")
    shapes.append(f"SELECT count(*) FROM {t} WHERE created_at >= '2026-03-{{d:02d}}' AND status = 'open'")
    shapes.append(f"UPDATE {t} SET updated_at = now(), status = 'seen' WHERE id = {{n}}")
    shapes.append(f"SELECT t.*\n\tFROM {t} t\n\tWHERE t.owner_id = {{n}}\n\tORDER BY t.created_at DESC\n\tLIMIT 50")
    shapes.append(f"DELETE FROM {t} WHERE expires_at < now() - interval '{{d}} days'")
    shapes.append(f"SELECT id FROM {t} WHERE tags && ARRAY['a{{n}}', 'b'] AND id IN ({{n}}, {{m}}, 7)")
    shapes.append(f"INSERT INTO {t}_audit (ref_id, note) VALUES ({{n}}, 'changed by job {{d}}')")

t_us = 1_772_438_400_000_000  # 2026-03-02 08:00 UTC
def stamp():
    s, us = divmod(t_us, 1_000_000)
    import time
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(s)) + ".%03d UTC" % (us // 1000)

written = 0
with open(out_path, "w") as f:
    def log(pid, sess, msg, detail=None):
        global written, t_us
        t_us += rng.randint(50, 3000)
        prefix = f"{stamp()} [{pid}] {sess} "
        line = f"{prefix}LOG:  {msg}\n"
        if detail:
            line += f"{prefix}DETAIL:  {detail}\n"
        f.write(line)
        written += len(line)
    pid = 20000
    while written < target:
        pid += 1
        sess = "%x.%x" % (t_us // 1_000_000, pid)
        log(pid, sess, "connection authorized: user=app database=shop application_name=web")
        for _ in range(rng.randint(5, 40)):
            r = rng.random()
            if r < 0.08:
                cust = rng.randint(1, 10**6)
                log(pid, sess, f"duration: {rng.uniform(0.5, 4):.3f} ms  statement: SELECT id, total FROM orders WHERE customer_id = {cust} ORDER BY id LIMIT 20")
                for _ in range(rng.randint(10, 30)):
                    log(pid, sess, f"duration: {rng.uniform(0.05, 0.4):.3f} ms  execute <unnamed>: SELECT sku, qty, price FROM order_items WHERE order_id = $1",
                        f"parameters: $1 = '{rng.randint(1, 10**7)}'")
            elif r < 0.10:
                for i in range(rng.randint(10, 50)):
                    log(pid, sess, f"duration: {rng.uniform(0.03, 0.2):.3f} ms  statement: INSERT INTO events (kind, payload) VALUES ('click', '{{\"i\": {i}}}')")
            elif r < 0.2:
                d = rng.lognormvariate(1.0, 1.5)
                log(pid, sess, f"duration: {d:.3f} ms  statement: SELECT region, sum(total) FROM orders o JOIN customers c ON c.id = o.customer_id\n\tWHERE o.placed_at >= '2026-03-{rng.randint(1, 28):02d}'\n\tGROUP BY region")
            else:
                shape = rng.choice(shapes)
                sql = shape.format(n=rng.randint(1, 10**6), m=rng.randint(1, 999), d=rng.randint(1, 28))
                log(pid, sess, f"duration: {rng.lognormvariate(-1, 1):.3f} ms  statement: {sql}")
        log(pid, sess, "disconnection: session time: 0:00:01.234 user=app database=shop host=10.0.0.9 port=5000")
