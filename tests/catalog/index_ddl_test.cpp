// The DDL pglens suggests for an index: on a partitioned table, the parent's index ON ONLY,
// each partition's built CONCURRENTLY and attached, sub-partitions recursively; names quoted
// where they must be and qualified outside the default schema.
#include <gtest/gtest.h>

#include "catalog/index_advisor.hpp"
#include "pglens/catalog.hpp"
#include "support/fixtures.hpp"

namespace pglens::catalog {
namespace {

TEST(IndexDdl, PartitionedTableGetsEachPartitionsIndexAttached) {
  Catalog c = test::catalog_from_ddl(
      "CREATE SCHEMA sales;\n"
      "CREATE TABLE ev (id bigint, at date, \"user\" text) PARTITION BY RANGE (at);\n"
      "CREATE TABLE ev_2026 PARTITION OF ev FOR VALUES FROM ('2026-01-01') TO ('2027-01-01') PARTITION BY LIST (id);\n"
      "CREATE TABLE ev_2026_a PARTITION OF ev_2026 FOR VALUES IN (1);\n"
      "CREATE TABLE sales.\"Ev_Old\" PARTITION OF ev FOR VALUES FROM ('2020-01-01') TO ('2026-01-01');\n");
  const Table* ev = c.find_table("", "ev");
  ASSERT_TRUE(ev);
  Index idx;
  idx.name = "ev_user_at_idx";
  idx.keys = {{"user", {}, false, false}, {"at", {}, true, true}};
  idx.predicate = "id > 0";
  EXPECT_EQ(
      create_index_ddl(c, *ev, idx),
      "CREATE INDEX IF NOT EXISTS ev_user_at_idx ON ONLY ev (\"user\", at DESC) WHERE id > 0;\n"
      "CREATE INDEX IF NOT EXISTS ev_2026_user_at_idx ON ONLY ev_2026 (\"user\", at DESC) WHERE id > 0;\n"
      "CREATE INDEX CONCURRENTLY IF NOT EXISTS ev_2026_a_user_at_idx ON ev_2026_a (\"user\", at DESC) WHERE id > 0;\n"
      "ALTER INDEX ev_2026_user_at_idx ATTACH PARTITION ev_2026_a_user_at_idx;\n"
      "ALTER INDEX ev_user_at_idx ATTACH PARTITION ev_2026_user_at_idx;\n"
      "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"Ev_Old_user_at_idx\" ON sales.\"Ev_Old\" (\"user\", at DESC) WHERE id "
      "> 0;\n"
      "ALTER INDEX ev_user_at_idx ATTACH PARTITION sales.\"Ev_Old_user_at_idx\";");
  idx.unique = true;
  idx.name = "order";
  idx.predicate.clear();
  std::string ddl = create_index_ddl(c, *ev, idx);
  EXPECT_EQ(ddl.substr(0, ddl.find('\n')),
            "CREATE UNIQUE INDEX IF NOT EXISTS \"order\" ON ONLY ev (\"user\", at DESC);");
  EXPECT_NE(ddl.find("ALTER INDEX \"order\" ATTACH PARTITION ev_2026_user_at_idx;\n"), std::string::npos);
}

}  // namespace
}  // namespace pglens::catalog
