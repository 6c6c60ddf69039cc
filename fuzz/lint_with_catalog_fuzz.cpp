// Fuzzes the schema-aware rules: any SQL linted against a catalog of large tables (one of
// them range-partitioned), so query facts, index advice and rewrites all run.
#include <cstddef>
#include <cstdint>
#include <string>

#include "pglens/catalog.hpp"
#include "pglens/lint.hpp"

namespace {

const char* const kSchema = R"sql(
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, country char(2), status text,
                        created_at timestamptz NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id), status text,
                     total_amount numeric(12,2), quantity int, created_at timestamptz NOT NULL, note text);
CREATE INDEX orders_status_idx ON orders (status) WHERE status = 'pending';
CREATE INDEX customers_lower_email_idx ON customers (lower(email));
CREATE TABLE events (id bigint, kind text, at timestamptz NOT NULL, payload jsonb) PARTITION BY RANGE (at);
CREATE TABLE events_2026_01 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
CREATE TABLE events_2026_02 PARTITION OF events FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');
CREATE TABLE events_default PARTITION OF events DEFAULT;
CREATE VIEW paid_orders AS SELECT id, total_amount FROM orders WHERE status = 'paid';
)sql";

struct Setup {
  pglens::Catalog catalog;
  pglens::Linter linter{pglens::Config{}};
  Setup() {
    pglens::load_ddl(catalog, kSchema, "fuzz-schema.sql");
    for (auto* name : {"customers", "orders", "events", "events_2026_01", "events_2026_02", "events_default"})
      if (auto* t = catalog.find_table("public", name)) t->size.rows = 5'000'000;
    catalog.normalize();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Setup setup;
  pglens::SourceFile file;
  pglens::DecodeError error;
  if (!pglens::decode_source("fuzz.sql", std::string(reinterpret_cast<const char*>(data), size), file, error)) return 0;
  for (const auto& d : setup.linter.lint(file, setup.catalog)) {
    if (d.span.begin > d.span.end || d.span.end > file.text.size()) __builtin_trap();
    if (d.fix_value)
      for (const auto& e : d.fix_value->edits)
        if (e.span.begin > e.span.end || e.span.end > file.text.size()) __builtin_trap();
  }
  return 0;
}
