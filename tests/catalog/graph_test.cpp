// The catalog's graphs (partitions of partitions, indexes of partitioned indexes) stay trees
// whatever the DDL, snapshot or sources say, and every walk over them ends; the DDL applies
// whatever order the schema files come in.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "pglens/catalog.hpp"
#include "pglens/config.hpp"
#include "support/fixtures.hpp"

namespace pglens {
namespace {

Catalog from_ddl(std::string_view sql) { return test::catalog_from_ddl(sql); }

// PostgreSQL's alter_table.sql does this: the second ATTACH fails ("circular inheritance
// not allowed"), and the ALTER after it walked the partition tree round and round.
TEST(CatalogGraphs, AttachingTwoPartitionedTablesToEachOtherIsRefused) {
  Catalog c = from_ddl(
      "CREATE TABLE list_parted (a int, b text) PARTITION BY LIST (a);\n"
      "CREATE TABLE list_parted2 (a int, b text) PARTITION BY LIST (a);\n"
      "ALTER TABLE list_parted ATTACH PARTITION list_parted2 FOR VALUES IN (1);\n"
      "ALTER TABLE list_parted2 ATTACH PARTITION list_parted FOR VALUES IN (2);\n"
      "ALTER TABLE list_parted ADD COLUMN c int;\n"
      "CREATE INDEX ON list_parted (b);\n"
      "ALTER TABLE list_parted ALTER COLUMN c SET NOT NULL;");
  const Table* parent = c.find_table("", "list_parted");
  const Table* child = c.find_table("", "list_parted2");
  ASSERT_TRUE(parent && child);
  EXPECT_FALSE(parent->is_partition());
  EXPECT_EQ(child->parent_name, "list_parted");
  ASSERT_TRUE(child->column("c"));
  EXPECT_TRUE(child->column("c")->not_null);
  EXPECT_EQ(parent->indexes.size(), 1u);
  EXPECT_EQ(child->indexes.size(), 1u);
}

TEST(CatalogGraphs, AttachingAnAncestorDeeperDownIsRefused) {
  Catalog c = from_ddl(
      "CREATE TABLE a (k int) PARTITION BY RANGE (k);\n"
      "CREATE TABLE b PARTITION OF a FOR VALUES FROM (0) TO (100) PARTITION BY RANGE (k);\n"
      "CREATE TABLE c PARTITION OF b FOR VALUES FROM (0) TO (50) PARTITION BY RANGE (k);\n"
      "ALTER TABLE a DETACH PARTITION b;\n"
      "ALTER TABLE c ATTACH PARTITION a FOR VALUES FROM (0) TO (10);\n"   // c is under b, not a: allowed
      "ALTER TABLE a ATTACH PARTITION b FOR VALUES FROM (0) TO (100);\n"  // b is a's ancestor now: refused
      "ALTER TABLE b ADD COLUMN note text;");
  EXPECT_EQ(c.find_table("", "a")->parent_name, "c");
  EXPECT_FALSE(c.find_table("", "b")->is_partition());
  for (const auto& t : c.tables()) EXPECT_TRUE(t.column("note")) << t.name;
}

TEST(CatalogGraphs, DroppingASchemaTakesPartitionsElsewhereWithIt) {
  // No partition is left naming a parent that is gone, which a later table of that name
  // would close into a loop.
  Catalog c = from_ddl(
      "CREATE SCHEMA s;\n"
      "CREATE TABLE s.p (k int) PARTITION BY LIST (k);\n"
      "CREATE TABLE public.p1 PARTITION OF s.p FOR VALUES IN (1) PARTITION BY LIST (k);\n"
      "CREATE TABLE public.p11 PARTITION OF public.p1 FOR VALUES IN (1);\n"
      "CREATE TABLE public.kept (k int);\n"
      "DROP SCHEMA s CASCADE;");
  EXPECT_FALSE(c.find_table("public", "p1"));
  EXPECT_FALSE(c.find_table("public", "p11"));
  EXPECT_TRUE(c.find_table("public", "kept"));
}

TEST(CatalogGraphs, ASnapshotWithALoopLoadsAsATree) {
  // A hand-edited catalog.json: a and b each the other's partition.
  Catalog edited;
  for (auto [name, parent] : {std::pair{"a", "b"}, std::pair{"b", "a"}}) {
    Table t;
    t.schema = "public";
    t.name = name;
    t.kind = RelationKind::partitioned_table;
    t.columns.push_back({"k", "integer", false});
    t.partitioning = Partitioning{"list", {"k"}};
    t.parent_schema = "public";
    t.parent_name = parent;
    t.bound = "FOR VALUES IN (1)";
    edited.add_table(std::move(t));
  }
  std::string json = dump_snapshot(edited);
  Catalog c;
  auto error = parse_snapshot(json, "loop.json", c);
  ASSERT_FALSE(error) << *error;
  size_t partitions = 0;
  for (const auto& t : c.tables()) partitions += t.is_partition();
  EXPECT_EQ(partitions, 1u);  // one link of the loop cut, the other kept
  // The walks end: each table has one chain of parents, ending at a root.
  for (const auto& t : c.tables()) {
    const Table* at = &t;
    for (int steps = 0; at && steps < 3; ++steps) at = c.parent_of(*at);
    EXPECT_FALSE(at) << t.name;
  }
}

TEST(CatalogGraphs, ContradictingSourcesAreDetachedOnMerge) {
  // The DDL says b is a partition of a; a live database (or snapshot) says a is one of b.
  Catalog ddl = from_ddl(
      "CREATE TABLE a (k int) PARTITION BY LIST (k);\n"
      "CREATE TABLE b PARTITION OF a FOR VALUES IN (1) PARTITION BY LIST (k);");
  Catalog live;
  Table a = *ddl.find_table("", "a");
  a.parent_schema = "public";
  a.parent_name = "b";
  a.bound = "FOR VALUES IN (2)";
  live.add_table(a);
  ddl.merge_from(live);
  EXPECT_EQ(ddl.detach_partition_cycles(), 1u);
  for (const auto& t : ddl.tables()) {
    const Table* at = &t;
    for (int steps = 0; at && steps < 3; ++steps) at = ddl.parent_of(*at);
    EXPECT_FALSE(at) << t.name;
  }
}

// The schema files of a project, read in path order: the indexes file sorts first.
class OrderFreeSchema : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
        ("pglens-order-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "db");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  Catalog load() {
    Catalog c;
    auto error = load_ddl_paths(c, {"db"}, dir_);
    EXPECT_FALSE(error) << *error;
    c.normalize();
    return c;
  }
  std::filesystem::path dir_;
};

TEST_F(OrderFreeSchema, AnIndexReadBeforeItsTableAppliesOnceTheTableExists) {
  write("db/indexes.sql",
        "CREATE INDEX index_orders_on_customer_id ON public.orders USING btree (customer_id);\n"
        "ALTER TABLE ONLY public.orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);\n"
        "ALTER TABLE ONLY public.orders ADD CONSTRAINT fk_rails_customer FOREIGN KEY (customer_id) REFERENCES "
        "public.customers(id);\n"
        "CREATE INDEX index_ghosts_on_id ON public.ghosts (id);\n");
  write("db/tables.sql",
        "CREATE TABLE public.customers (id bigint NOT NULL);\n"
        "CREATE TABLE public.orders (id bigint NOT NULL, customer_id bigint NOT NULL);\n");
  Catalog c = load();
  const Table* orders = c.find_table("public", "orders");
  ASSERT_TRUE(orders);
  ASSERT_TRUE(orders->index("index_orders_on_customer_id"));
  EXPECT_EQ(orders->index("index_orders_on_customer_id")->origin, "db/indexes.sql:1");
  EXPECT_TRUE(orders->index("orders_pkey"));
  ASSERT_EQ(orders->constraints.size(), 2u);
  EXPECT_FALSE(c.find_table("public", "ghosts"));  // never created: its index is nowhere
}

TEST_F(OrderFreeSchema, AStatementOnADroppedTableDoesNotWaitForTheNextOfThatName) {
  write("db/001.sql",
        "CREATE TABLE events (id bigint, kind text);\nDROP TABLE events;\n"
        "CREATE INDEX events_kind_idx ON events (kind);\n");  // fails in PostgreSQL
  write("db/002.sql", "CREATE TABLE events (id bigint, kind text);\n");
  Catalog c = load();
  ASSERT_TRUE(c.find_table("public", "events"));
  EXPECT_TRUE(c.find_table("public", "events")->indexes.empty());
}

TEST(CatalogRetired, ATableCreatedAndDroppedIsKeptForTheFileThatMadeIt) {
  Catalog c;
  load_ddl(c,
           "CREATE TABLE tmp_backfill (id bigint, account_id bigint);\n"
           "DROP TABLE tmp_backfill;\n",
           "db/migrate/20240101_backfill.sql");
  EXPECT_FALSE(c.find_table("", "tmp_backfill"));
  ASSERT_EQ(c.retired_tables().size(), 1u);
  auto with = c.with_retired("/app/db/migrate/20240101_backfill.sql", "SELECT * FROM tmp_backfill WHERE id = 1");
  ASSERT_TRUE(with);
  EXPECT_TRUE(with->find_table("", "tmp_backfill"));
  EXPECT_FALSE(c.with_retired("/app/db/queries.sql", "SELECT * FROM tmp_backfill"));  // another file
  EXPECT_FALSE(c.with_retired("/app/db/migrate/20240101_backfill.sql", "SELECT 1"));  // not named
}

}  // namespace
}  // namespace pglens
