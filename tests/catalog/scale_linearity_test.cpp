// Issue 19, "Scale without cliffs": the catalog's costs grow linearly with the schema. Each
// test counts the allocations (number, bytes asked for, peak held) of the same work at n, 2n
// and 4n tables or schemas and checks growth(): (c(4n) - c(2n)) / (c(2n) - c(n)) is 2 for a
// linear cost and 4 for a quadratic one, whatever the machine or its load. No time is measured.
#include <gtest/gtest.h>

#include <string>

#include "pglens/catalog.hpp"
#include "support/pg_cluster.hpp"
#include "tests/catalog/alloc_count.hpp"

namespace pglens {
namespace {

using test::AllocCount;
using test::count_allocations;
using test::growth;

// Linear within 10 %: 2 is exact proportion, a quadratic cost gives 4.
constexpr double kLinear = 2.2;

void expect_linear(const AllocCount& n, const AllocCount& n2, const AllocCount& n4, const std::string& what) {
  EXPECT_LE(growth(n.allocations, n2.allocations, n4.allocations), kLinear)
      << what << ": allocations " << n.allocations << ", " << n2.allocations << ", " << n4.allocations;
  EXPECT_LE(growth(n.bytes, n2.bytes, n4.bytes), kLinear)
      << what << ": bytes " << n.bytes << ", " << n2.bytes << ", " << n4.bytes;
  EXPECT_LE(growth(n.peak_live, n2.peak_live, n4.peak_live), kLinear)
      << what << ": peak bytes " << n.peak_live << ", " << n2.peak_live << ", " << n4.peak_live;
}

// bench/gen_scale_catalog.py's schema-per-tenant database: a schema per table, created in
// numeric order (tenant_1, tenant_2, ... tenant_10), which is not the names' sorted order.
std::string tenants_ddl(int tenants) {
  std::string ddl;
  for (int s = 0; s < tenants; ++s) ddl += "CREATE SCHEMA tenant_" + std::to_string(s) + ";\n";
  for (int s = 0; s < tenants; ++s) {
    std::string name = "tenant_" + std::to_string(s) + ".orders";
    ddl += "CREATE TABLE " + name +
        " (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text, created_at timestamptz NOT NULL);\n";
    ddl += "CREATE INDEX orders_customer_idx ON " + name + " (customer_id, created_at);\n";
  }
  return ddl;
}

#define PGLENS_REQUIRE_ALLOC_COUNT() \
  if (!test::alloc_counting_available()) GTEST_SKIP() << "allocations are counted in the release build only"

TEST(CatalogScaleLinearity, SchemaPerTenantDdlDumpAndLoadGrowLinearly) {
  PGLENS_REQUIRE_ALLOC_COUNT();
  constexpr int kN = 500;
  AllocCount load[3], dump[3], reload[3];
  for (int k = 0; k < 3; ++k) {
    std::string ddl = tenants_ddl(kN << k);
    Catalog catalog;
    load[k] = count_allocations([&] {
      load_ddl(catalog, ddl, "tenants.sql");
      catalog.normalize();
      catalog.index_names();
      for (const auto& t : catalog.tables()) ASSERT_EQ(catalog.find_table(t.schema, t.name), &t);
    });
    ASSERT_EQ(catalog.schemas().size(), static_cast<size_t>(kN << k) + 1);  // and public
    std::string json;
    dump[k] = count_allocations([&] { json = dump_snapshot(catalog); });
    Catalog back;
    reload[k] = count_allocations([&] { ASSERT_FALSE(parse_snapshot(json, "catalog.json", back)); });
    EXPECT_EQ(back.tables().size(), static_cast<size_t>(kN << k));
  }
  expect_linear(load[0], load[1], load[2], "DDL load");
  expect_linear(dump[0], dump[1], dump[2], "snapshot dump");
  expect_linear(reload[0], reload[1], reload[2], "snapshot load");
}

// Schemas added in every order, then merged into another catalog and dropped one by one.
TEST(CatalogScaleLinearity, SchemasAddedMergedAndDroppedGrowLinearly) {
  PGLENS_REQUIRE_ALLOC_COUNT();
  constexpr int kN = 2000;
  AllocCount counts[3];
  for (int k = 0; k < 3; ++k) {
    int n = kN << k;
    counts[k] = count_allocations([&] {
      Catalog a, b;
      for (int i = n; i-- > 0;) a.add_schema("tenant_" + std::to_string(i));
      for (int i = 0; i < n; ++i) b.add_schema("tenant_" + std::to_string((i * 7919) % n));
      b.merge_from(a);
      ASSERT_EQ(b.schemas().size(), static_cast<size_t>(n) + 1);
      for (int i = 0; i < n; i += 2) b.drop_schema("tenant_" + std::to_string(i));
      ASSERT_EQ(b.schemas().size(), static_cast<size_t>(n / 2) + 1);
    });
  }
  expect_linear(counts[0], counts[1], counts[2], "schemas");
}

// The database reader (`catalog dump --db`): tables, columns, constraints and indexes of n,
// 2n and 4n tables, read from the throwaway server.
TEST(CatalogScaleLinearity, LiveCatalogReadGrowsLinearly) {
  PGLENS_REQUIRE_ALLOC_COUNT();
  PGLENS_REQUIRE_CLUSTER(pg);
  constexpr int kN = 100;
  pg->exec("DROP SCHEMA IF EXISTS scale_linear CASCADE; CREATE SCHEMA scale_linear;");
  AllocCount counts[3];
  int made = 0;
  for (int k = 0; k < 3; ++k) {
    std::string ddl;
    for (; made < (kN << k); ++made) {
      std::string name = "scale_linear.t" + std::to_string(made);
      ddl += "CREATE TABLE " + name + " (id bigint PRIMARY KEY, customer_id bigint NOT NULL, note text);\n";
      ddl += "CREATE INDEX ON " + name + " (customer_id);\n";
    }
    pg->exec(ddl);
    Catalog live;
    LiveOptions options;
    options.url = pg->conninfo();
    counts[k] = count_allocations([&] {
      auto err = load_live(options, live);
      ASSERT_FALSE(err) << *err;
    });
    size_t mine = 0;
    for (const auto& t : live.tables()) mine += t.schema == "scale_linear";
    EXPECT_EQ(mine, static_cast<size_t>(kN << k));
  }
  pg->exec("DROP SCHEMA scale_linear CASCADE;");
  expect_linear(counts[0], counts[1], counts[2], "live catalog read");
}

}  // namespace
}  // namespace pglens
