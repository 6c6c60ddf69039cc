// The catalog read from a live PostgreSQL equals the one its DDL gives.
#include <gtest/gtest.h>

#include "pglens/catalog.hpp"
#include "support/fixtures.hpp"
#include "support/pg_cluster.hpp"

namespace pglens {
namespace {

// What both sources know: structure. Origins, sizes, statistics and functions' volatility
// (pg_stats, pg_proc) differ by nature.
Catalog structure(Catalog c) {
  c.set_functions({}, {});
  for (auto& t : c.tables()) {
    t.origin.clear();
    t.size = {};
    t.stats = {};
    for (auto& i : t.indexes) i.origin.clear();
  }
  c.normalize();
  return c;
}

TEST(CatalogLive, LiveCatalogEqualsTheDdlCatalog) {
  PGLENS_REQUIRE_CLUSTER(pg);
  std::string ddl = test::read_file(test::testdata("catalog/shop.sql"));
  pg->exec("DROP SCHEMA IF EXISTS sales CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
  pg->exec(ddl);
  Catalog from_ddl;
  load_ddl(from_ddl, ddl, "shop.sql");
  Catalog live;
  LiveOptions options;
  options.url = pg->conninfo();
  auto err = load_live(options, live);
  ASSERT_FALSE(err) << *err;
  // Only the schemas of shop.sql: another live test of the same process may keep its own.
  std::vector<std::string> others;
  for (const auto& schema : live.schemas())
    if (schema != "public" && schema != "sales") others.push_back(schema);
  for (const auto& schema : others) live.drop_schema(schema);
  Catalog a = structure(from_ddl), b = structure(live);
  EXPECT_EQ(dump_snapshot(a), dump_snapshot(b));
  pg->exec("DROP SCHEMA IF EXISTS sales CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
}

TEST(CatalogLive, RefusedPasswordIsAClearErrorWithoutThePassword) {
  PGLENS_REQUIRE_CLUSTER(pg);
  Catalog live;
  LiveOptions options;
  options.url = pg->conninfo() + " user=no_such_role password=hunter2-secret dbname=shop";
  auto err = load_live(options, live);
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("port " + std::to_string(pg->port())), std::string::npos) << *err;
  EXPECT_NE(err->find("database shop"), std::string::npos) << *err;
  EXPECT_EQ(err->find("hunter2-secret"), std::string::npos) << *err;
}

}  // namespace
}  // namespace pglens
