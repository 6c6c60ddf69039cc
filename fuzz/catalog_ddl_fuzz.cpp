// Fuzzes the DDL -> catalog builder: any text applied to a catalog that already holds a
// schema (so ALTER / DROP / PARTITION OF / CREATE INDEX find tables to change), then the
// catalog is normalised, dumped and read back: no crash, and it stays one consistent catalog.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog_round_trip.hpp"
#include "pglens/catalog.hpp"

namespace {

const char* const kBase = R"sql(
CREATE SCHEMA sales;
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE sales.orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id),
                           created_at timestamptz NOT NULL, total numeric(12,2)) PARTITION BY RANGE (created_at);
CREATE TABLE sales.orders_2026 PARTITION OF sales.orders FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX orders_customer_idx ON ONLY sales.orders (customer_id);
CREATE VIEW big_customers AS SELECT id, email FROM customers;
)sql";

// The base schema loaded once and copied each run: parsing it again was harness work, not
// the code under test (the copy is what load_ddl would have built from it).
const pglens::Catalog& base_catalog() {
  static const pglens::Catalog base = [] {
    pglens::Catalog c;
    pglens::load_ddl(c, kBase, "base.sql");
    return c;
  }();
  return base;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pglens::Catalog catalog = base_catalog();
  pglens::load_ddl(catalog, std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.sql");
  catalog.normalize();
  for (const auto& table : catalog.tables()) {
    // Every partition's parent and every index's table resolve, whatever the DDL did.
    (void)catalog.parent_of(table);
    (void)catalog.partitions_of(table);
    (void)catalog.find_table(table.schema, table.name);
  }
  expect_snapshot_round_trip(catalog);
  return 0;
}
