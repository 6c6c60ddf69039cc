// DDL files parsed on several threads build exactly the catalog one thread builds: the
// statements still apply in path order, one at a time.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "pglens/catalog.hpp"
#include "pglens/config.hpp"
#include "support/fixtures.hpp"

namespace pglens {
namespace {

// Migrations whose result depends on their order: generated index names that probe for a
// free name, renames, dropped columns taking their indexes along, partitions attached
// later; queries between the DDL, a file with no DDL, a file larger than a parse piece and
// a statement that does not parse.
void write_migrations(const test::TempDir& dir) {
  for (int m = 0; m < 24; ++m) {
    std::string sql = fmt::format("-- migration {}\nBEGIN;\nSET lock_timeout = '5s';\n", m);
    int t = m % 5;
    sql += fmt::format(
        "CREATE TABLE IF NOT EXISTS events_{0} (id bigint NOT NULL, at timestamptz NOT NULL, kind text, ref bigint)\n"
        "  PARTITION BY RANGE (at);\n"
        "CREATE TABLE IF NOT EXISTS events_{0}_p{1} PARTITION OF events_{0}\n"
        "  FOR VALUES FROM ('2026-{2:02}-01') TO ('2026-{2:02}-02');\n"
        "SELECT count(*) FROM events_{0} WHERE kind = 'x';\n"
        "CREATE INDEX ON events_{0} (kind);\n"
        "CREATE INDEX ON events_{0} (kind, at);\n",
        t, m, m % 12 + 1);
    if (m % 3 == 0) sql += fmt::format("ALTER TABLE events_{} DROP COLUMN ref;\nALTER TABLE events_{} ADD COLUMN ref bigint;\n", t, t);
    if (m % 4 == 1) sql += fmt::format("ALTER INDEX events_{}_kind_idx RENAME TO events_{}_kind_idx_r{};\n", t, t, m);
    if (m % 5 == 2) sql += fmt::format("CREATE VIEW recent_{0} AS SELECT id, at FROM events_{1};\n", m, t);
    if (m % 7 == 3) sql += "CREATE TABLE broken (id int,);\n";
    if (m == 10) {  // several pieces in one file
      for (int i = 0; i < 120; ++i)
        sql += fmt::format("CREATE TABLE wide_{0} (id bigint PRIMARY KEY, a_long_column_name_{0} text UNIQUE);\n", i);
    }
    sql += "COMMIT;\n";
    test::write_file(dir / fmt::format("migrations/{:03}_step.sql", m), sql);
  }
  test::write_file(dir / "migrations/050_queries_only.sql", "SELECT 1;\nUPDATE events_1 SET kind = 'y';\n");
  test::write_file(dir / "schema/base.sql", "CREATE SCHEMA audit;\nCREATE TABLE audit.log (id bigint PRIMARY KEY);\n");
}

size_t index_count(const Catalog& c) {
  size_t n = 0;
  for (const auto& t : c.tables()) n += t.indexes.size();
  return n;
}

TEST(CatalogParallelLoad, SameCatalogOnAnyNumberOfThreads) {
  test::TempDir dir;
  write_migrations(dir);
  Catalog one;
  ASSERT_FALSE(load_ddl_paths(one, {"schema", "migrations"}, dir.path(), 1));
  ASSERT_TRUE(one.find_table("audit", "log"));
  ASSERT_TRUE(one.find_table("", "wide_119"));
  EXPECT_GT(index_count(one), 300u);
  for (unsigned threads : {2u, 3u, 8u}) {
    Catalog many;
    ASSERT_FALSE(load_ddl_paths(many, {"schema", "migrations"}, dir.path(), threads));
    EXPECT_TRUE(many == one) << threads << " threads";
  }
}

TEST(CatalogParallelLoad, StopsAtTheFirstPathThatCannotBeRead) {
  test::TempDir dir;
  write_migrations(dir);
  for (unsigned threads : {1u, 2u, 4u}) {
    Catalog c;
    auto err = load_ddl_paths(c, {"migrations", "missing.sql", "schema"}, dir.path(), threads);
    ASSERT_TRUE(err) << threads << " threads";
    EXPECT_EQ(*err, fmt::format("schema path {}: no such file or directory", (dir / "missing.sql").string()));
  }
}

TEST(CatalogParallelLoad, BuildCatalogTakesTheThreadCount) {
  test::TempDir dir;
  write_migrations(dir);
  Config config;
  config.root = dir.path();
  CatalogSources sources{.extra_ddl = {}, .db_url = {}, .use_environment = false, .threads = 1};
  for (int m = 0; m < 24; ++m) sources.extra_ddl.push_back(dir / fmt::format("migrations/{:03}_step.sql", m));
  Catalog one, two;
  ASSERT_FALSE(build_catalog(config, sources, one));
  sources.threads = 2;
  ASSERT_FALSE(build_catalog(config, sources, two));
  EXPECT_FALSE(one.empty());
  EXPECT_TRUE(one == two);
}

}  // namespace
}  // namespace pglens
