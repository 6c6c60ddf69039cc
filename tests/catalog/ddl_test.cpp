// The catalog from DDL: what each statement does to the model, and bad DDL that must
// leave a consistent catalog.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "catalog/ddl.hpp"
#include "pglens/catalog.hpp"
#include "support/fixtures.hpp"

namespace pglens {
namespace {

Catalog from_ddl(std::string_view sql) { return test::catalog_from_ddl(sql); }

std::vector<std::string> index_names(const Table& t) {
  std::vector<std::string> out;
  for (const auto& i : t.indexes) out.push_back(i.name);
  return out;
}

TEST(CatalogDdl, CreateTableColumnsKeysAndTheirIndexes) {
  Catalog c = from_ddl(
      "CREATE TABLE customers (id bigserial PRIMARY KEY, email varchar(200) NOT NULL UNIQUE, born date);\n"
      "CREATE TABLE orders (id int GENERATED ALWAYS AS IDENTITY, customer_id bigint REFERENCES customers,\n"
      "  amount numeric(12,2), at timestamp(3) with time zone, PRIMARY KEY (id));");
  const Table* customers = c.find_table("", "customers");
  ASSERT_TRUE(customers);
  ASSERT_EQ(customers->columns.size(), 3u);
  EXPECT_EQ(customers->columns[0].type, "bigint");
  EXPECT_TRUE(customers->columns[0].not_null);
  EXPECT_EQ(customers->columns[1].type, "character varying(200)");
  EXPECT_FALSE(customers->columns[2].not_null);
  EXPECT_EQ(index_names(*customers), (std::vector<std::string>{"customers_email_key", "customers_pkey"}));
  EXPECT_TRUE(customers->index("customers_pkey")->primary);
  EXPECT_EQ(customers->origin, "test.sql:1");

  const Table* orders = c.find_table("public", "orders");
  ASSERT_TRUE(orders);
  EXPECT_EQ(orders->column("at")->type, "timestamp(3) with time zone");
  EXPECT_EQ(orders->column("amount")->type, "numeric(12,2)");
  ASSERT_EQ(orders->constraints.size(), 2u);
  const Constraint& fk = orders->constraints[0];
  EXPECT_EQ(fk.name, "orders_customer_id_fkey");
  EXPECT_EQ(fk.kind, ConstraintKind::foreign_key);
  EXPECT_EQ(fk.ref_table, "customers");
  EXPECT_EQ(fk.ref_columns, std::vector<std::string>{"id"});  // REFERENCES t: its primary key
  EXPECT_EQ(orders->origin, "test.sql:2");
}

TEST(CatalogDdl, CreateIndexForms) {
  Catalog c = from_ddl(
      "CREATE TABLE t (a int, b text, c int, d jsonb);\n"
      "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_b ON t USING btree (lower(b), a DESC NULLS LAST, (a + c))"
      " INCLUDE (c) WHERE c IS NOT NULL AND b = 'x'::text;\n"
      "CREATE INDEX ON t (a); CREATE INDEX ON t (a); CREATE INDEX ON t USING gin (d);\n"
      "CREATE INDEX t_b ON t (c);");
  const Table* t = c.find_table("", "t");
  ASSERT_TRUE(t);
  EXPECT_EQ(index_names(*t), (std::vector<std::string>{"t_a_idx", "t_a_idx1", "t_b", "t_d_idx"}));
  const Index* i = t->index("t_b");
  ASSERT_EQ(i->keys.size(), 3u);
  EXPECT_EQ(i->keys[0].expression, "lower(b)");
  EXPECT_EQ(i->keys[1].column, "a");
  EXPECT_TRUE(i->keys[1].descending);
  EXPECT_FALSE(i->keys[1].nulls_first);
  EXPECT_EQ(i->keys[2].expression, "a + c");
  EXPECT_EQ(i->include, std::vector<std::string>{"c"});
  EXPECT_EQ(i->predicate, "c IS NOT NULL AND b = 'x'");  // the cast on the literal is dropped
  EXPECT_TRUE(i->unique);
  EXPECT_EQ(i->definition("public", "t"),
            "CREATE UNIQUE INDEX t_b ON public.t (lower(b), a DESC NULLS LAST, (a + c)) INCLUDE (c) "
            "WHERE c IS NOT NULL AND b = 'x'");
  EXPECT_EQ(t->index("t_d_idx")->method, "gin");
}

TEST(CatalogDdl, PartitionsInheritColumnsAndIndexes) {
  Catalog c = from_ddl(
      "CREATE TABLE m (id int NOT NULL, at date NOT NULL, v text) PARTITION BY RANGE (at);\n"
      "CREATE TABLE m1 PARTITION OF m FOR VALUES FROM ('2026-01-01') TO (MAXVALUE);\n"
      "CREATE TABLE md PARTITION OF m DEFAULT;\n"
      "CREATE INDEX m_v ON m (v);\n"
      "CREATE INDEX m_id ON ONLY m (id);\n"
      "CREATE TABLE l (k text, n int) PARTITION BY LIST (lower(k));\n"
      "CREATE TABLE l1 PARTITION OF l FOR VALUES IN ('a', 'b') PARTITION BY HASH (n);\n"
      "CREATE TABLE l1h0 PARTITION OF l1 FOR VALUES WITH (MODULUS 2, REMAINDER 0);\n");
  const Table* m = c.find_table("", "m");
  ASSERT_TRUE(m && m->is_partitioned());
  EXPECT_EQ(m->partitioning->strategy, "range");
  EXPECT_EQ(m->partitioning->keys, std::vector<std::string>{"at"});
  EXPECT_EQ(c.partitions_of(*m).size(), 2u);
  const Table* m1 = c.find_table("", "m1");
  EXPECT_EQ(m1->bound, "FOR VALUES FROM ('2026-01-01') TO (MAXVALUE)");
  EXPECT_EQ(m1->columns, m->columns);
  EXPECT_EQ(index_names(*m1), std::vector<std::string>{"m1_v_idx"});
  EXPECT_EQ(m1->indexes[0].parent_index, "public.m_v");
  EXPECT_EQ(c.find_table("", "md")->bound, "DEFAULT");
  EXPECT_FALSE(m->index("m_id")->valid);  // ON ONLY: invalid until the partitions' indexes are attached

  const Table* l = c.find_table("", "l");
  EXPECT_EQ(l->partitioning->keys, std::vector<std::string>{"lower(k)"});
  const Table* l1 = c.find_table("", "l1");
  EXPECT_TRUE(l1->is_partitioned());
  EXPECT_EQ(l1->bound, "FOR VALUES IN ('a', 'b')");
  EXPECT_EQ(c.find_table("", "l1h0")->bound, "FOR VALUES WITH (modulus 2, remainder 0)");
}

TEST(CatalogDdl, AttachIndexPartitionsMakesTheParentValid) {
  Catalog c = from_ddl(
      "CREATE TABLE m (id int, at date) PARTITION BY RANGE (at);\n"
      "CREATE TABLE m1 PARTITION OF m FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');\n"
      "CREATE TABLE m2 (id int, at date);\n"
      "ALTER TABLE m ATTACH PARTITION m2 FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');\n"
      "CREATE INDEX m_id ON ONLY m (id);\n"
      "CREATE INDEX CONCURRENTLY m1_id ON m1 (id);\n"
      "ALTER INDEX m_id ATTACH PARTITION m1_id;\n");
  EXPECT_FALSE(c.find_table("", "m")->index("m_id")->valid);
  load_ddl(c, "CREATE INDEX m2_id ON m2 (id); ALTER INDEX m_id ATTACH PARTITION m2_id;", "more.sql");
  EXPECT_TRUE(c.find_table("", "m")->index("m_id")->valid);
  EXPECT_EQ(c.find_table("", "m2")->parent_name, "m");
  load_ddl(c, "ALTER TABLE m DETACH PARTITION m2;", "more.sql");
  EXPECT_FALSE(c.find_table("", "m2")->is_partition());
  EXPECT_EQ(c.partitions_of(*c.find_table("", "m")).size(), 1u);
}

// An index on a partitioned table attaches an equivalent index a partition already has,
// instead of making another: an index made on the partition itself, one kept by a partition
// that was detached and attached again, one on a partition that was renamed meanwhile.
// (The loader searches only the partitions that may hold such an index.)
TEST(CatalogDdl, APartitionsOwnEquivalentIndexIsAttachedNotDoubled) {
  Catalog c = from_ddl(
      "CREATE TABLE m (id int, at date, v int) PARTITION BY RANGE (at);\n"
      "CREATE TABLE m1 PARTITION OF m FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');\n"
      "CREATE TABLE m2 PARTITION OF m FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');\n"
      "CREATE INDEX m1_own_id ON m1 (id);\n"
      "CREATE INDEX m_id ON m (id);\n");
  EXPECT_EQ(index_names(*c.find_table("", "m1")), std::vector<std::string>{"m1_own_id"});
  EXPECT_EQ(c.find_table("", "m1")->index("m1_own_id")->parent_index, "public.m_id");
  EXPECT_EQ(index_names(*c.find_table("", "m2")), std::vector<std::string>{"m2_id_idx"});

  load_ddl(c,
           "ALTER TABLE m DETACH PARTITION m2;\n"
           "ALTER TABLE m2 RENAME TO m2_old;\n"
           "ALTER TABLE m ATTACH PARTITION m2_old FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');\n"
           "CREATE INDEX m_v ON m (v);\n",
           "more.sql");
  const Table* m2 = c.find_table("", "m2_old");
  ASSERT_TRUE(m2 && m2->is_partition());
  EXPECT_EQ(index_names(*m2), (std::vector<std::string>{"m2_id_idx", "m2_old_v_idx"}));
  EXPECT_EQ(m2->index("m2_id_idx")->parent_index, "public.m_id");  // attached again, not doubled
  EXPECT_EQ(m2->index("m2_old_v_idx")->parent_index, "public.m_v");
  EXPECT_EQ(index_names(*c.find_table("", "m1")), (std::vector<std::string>{"m1_own_id", "m1_v_idx"}));
}

TEST(CatalogDdl, AlterRenameDropAndSchemas) {
  Catalog c = from_ddl(
      "CREATE SCHEMA app; CREATE TABLE app.t (a int, b int, c int);\n"
      "CREATE INDEX t_b ON app.t (b); CREATE INDEX t_ab ON app.t (a) WHERE b > 0;\n"
      "ALTER TABLE app.t ADD COLUMN d text NOT NULL, DROP COLUMN b, ALTER COLUMN c TYPE bigint,\n"
      "  ADD CONSTRAINT t_pk PRIMARY KEY (a);\n"
      "ALTER TABLE app.t RENAME COLUMN c TO cc;\n"
      "ALTER INDEX app.t_pk RENAME TO t_pkey;\n"
      "ALTER TABLE app.t RENAME TO u;\n"
      "ALTER TABLE app.u SET SCHEMA public;\n");
  EXPECT_FALSE(c.find_table("app", "t"));
  const Table* u = c.find_table("", "u");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->schema, "public");
  ASSERT_EQ(u->columns.size(), 3u);
  EXPECT_EQ(u->columns[1].name, "cc");
  EXPECT_EQ(u->columns[1].type, "bigint");
  EXPECT_TRUE(u->column("d")->not_null);
  EXPECT_TRUE(u->column("a")->not_null);  // by the primary key
  // Indexes on the dropped column went with it.
  EXPECT_EQ(index_names(*u), std::vector<std::string>{"t_pkey"});
  EXPECT_EQ(u->constraints[0].name, "t_pkey");

  load_ddl(c, "DROP INDEX t_pkey; ALTER TABLE u DROP CONSTRAINT t_pkey; DROP SCHEMA app CASCADE;", "x.sql");
  EXPECT_TRUE(c.find_table("", "u")->indexes.empty());
  EXPECT_EQ(c.schemas(), Catalog::SchemaSet{"public"});
  load_ddl(c, "DROP TABLE IF EXISTS u, nope;", "x.sql");
  EXPECT_TRUE(c.empty());
}

// PostgreSQL refuses to drop a column the table does not have, with or without IF EXISTS:
// nothing changes, not even an index whose expression happens to use the name.
TEST(CatalogDdl, DroppingAColumnTheTableDoesNotHaveChangesNothing) {
  Catalog c = from_ddl(
      "CREATE TABLE t (a text, b int) PARTITION BY LIST (b); CREATE TABLE t1 PARTITION OF t DEFAULT;\n"
      "CREATE INDEX t_md5 ON t (md5(a)); CREATE INDEX t_b ON t (b) WHERE md5 IS NULL;\n"
      "ALTER TABLE t DROP COLUMN md5; ALTER TABLE t DROP COLUMN IF EXISTS md5;\n");
  EXPECT_EQ(index_names(*c.find_table("", "t")), (std::vector<std::string>{"t_b", "t_md5"}));
  EXPECT_EQ(index_names(*c.find_table("", "t1")), (std::vector<std::string>{"t1_b_idx", "t1_md5_idx"}));
  load_ddl(c, "ALTER TABLE t DROP COLUMN a;", "x.sql");  // a column it has: its index goes
  EXPECT_EQ(index_names(*c.find_table("", "t")), std::vector<std::string>{"t_b"});
  EXPECT_EQ(index_names(*c.find_table("", "t1")), std::vector<std::string>{"t1_b_idx"});
}

// Names chosen for indexes: the lowest free of base, base1, base2 ..., as PostgreSQL picks
// them, also once a name in the middle is free again.
TEST(CatalogDdl, ChosenIndexNamesTakeTheLowestFreeNumber) {
  Catalog c = from_ddl(
      "CREATE TABLE p (a int, b int) PARTITION BY RANGE (a); CREATE TABLE p1 PARTITION OF p DEFAULT;\n"
      "CREATE INDEX ON p (b); CREATE INDEX ON p (b); CREATE INDEX ON p (b);\n");
  EXPECT_EQ(index_names(*c.find_table("", "p")), (std::vector<std::string>{"p_b_idx", "p_b_idx1", "p_b_idx2"}));
  EXPECT_EQ(index_names(*c.find_table("", "p1")), (std::vector<std::string>{"p1_b_idx", "p1_b_idx1", "p1_b_idx2"}));
  load_ddl(c, "DROP INDEX p_b_idx1; CREATE INDEX ON p (b); CREATE INDEX ON p (b);", "x.sql");
  // In the order they were made.
  EXPECT_EQ(index_names(*c.find_table("", "p")),
            (std::vector<std::string>{"p_b_idx", "p_b_idx2", "p_b_idx1", "p_b_idx3"}));
  EXPECT_EQ(index_names(*c.find_table("", "p1")),
            (std::vector<std::string>{"p1_b_idx", "p1_b_idx2", "p1_b_idx1", "p1_b_idx3"}));
}

TEST(CatalogDdl, ViewsAreKnownByNameAndColumns) {
  Catalog c = from_ddl(
      "CREATE TABLE t (a int, b text);\n"
      "CREATE VIEW v (x) AS SELECT a, lower(b) FROM t;\n"
      "CREATE MATERIALIZED VIEW mv AS SELECT a AS id, b FROM t;\n");
  const Table* v = c.find_table("", "v");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->kind, RelationKind::view);
  ASSERT_EQ(v->columns.size(), 2u);
  EXPECT_EQ(v->columns[0].name, "x");
  EXPECT_EQ(v->columns[1].name, "lower");
  const Table* mv = c.find_table("", "mv");
  EXPECT_EQ(mv->kind, RelationKind::materialized_view);
  EXPECT_EQ(mv->columns[0].name, "id");
}

TEST(CatalogDdl, SearchPathDecidesWhereUnqualifiedNamesGo) {
  Catalog c;
  c.set_search_path({"app", "public"});
  load_ddl(c, "CREATE TABLE t (a int); CREATE TABLE public.p (a int); CREATE INDEX ON p (a);", "x.sql");
  EXPECT_TRUE(c.find_table("app", "t"));
  EXPECT_EQ(c.find_table("", "p")->schema, "public");
  EXPECT_EQ(c.find_table("public", "p")->indexes.size(), 1u);
}

// DDL that PostgreSQL would reject: missing tables, altering twice, re-creating. No crash,
// and the catalog stays what the valid statements made it.
TEST(CatalogDdl, BadDdlLeavesAConsistentCatalog) {
  Catalog c = from_ddl(
      "ALTER TABLE nope ADD COLUMN a int;\n"
      "CREATE INDEX ON nope (a);\n"
      "CREATE TABLE p1 PARTITION OF nope DEFAULT;\n"
      "CREATE TABLE t (a int, b int);\n"
      "CREATE TABLE t (x int);\n"
      "ALTER TABLE t ADD COLUMN c int; ALTER TABLE t ADD COLUMN c text;\n"
      "ALTER TABLE t DROP COLUMN zz; ALTER TABLE t RENAME COLUMN zz TO yy; ALTER TABLE t RENAME COLUMN a TO b;\n"
      "ALTER TABLE t ADD PRIMARY KEY (missing); ALTER TABLE t ADD PRIMARY KEY (a); ALTER TABLE t ADD PRIMARY KEY (b);\n"
      "ALTER TABLE t ATTACH PARTITION t FOR VALUES IN (1);\n"
      "ALTER INDEX nope RENAME TO x; ALTER INDEX t_pkey ATTACH PARTITION nope;\n"
      "DROP INDEX nope; DROP TABLE nope; ALTER TABLE nope RENAME TO t; ALTER TABLE t RENAME TO t;\n"
      "CREATE TABLE q (a int REFERENCES nope); CREATE TABLE q2 (LIKE nope);\n"
      "SELECT 1; CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'; CREATE TABLE broken (;\n");
  const Table* t = c.find_table("", "t");
  ASSERT_TRUE(t);
  ASSERT_EQ(t->columns.size(), 3u);
  EXPECT_EQ(t->columns[2].type, "integer");
  EXPECT_EQ(t->constraints.size(), 1u);
  EXPECT_EQ(t->constraints[0].columns, std::vector<std::string>{"a"});
  EXPECT_FALSE(t->is_partition());
  EXPECT_TRUE(c.find_table("", "q"));
  EXPECT_TRUE(c.find_table("", "q2"));
  EXPECT_FALSE(c.find_table("", "p1"));
  EXPECT_FALSE(c.find_table("", "broken"));
  // Every index of every table names columns the table has.
  for (const auto& table : c.tables())
    for (const auto& i : table.indexes)
      for (const auto& k : i.keys)
        if (!k.is_expression()) { EXPECT_TRUE(table.column(k.column)) << table.name << "." << i.name; }
}

TEST(CatalogDdl, DefinitionsAsPostgresPrintsThemReadLikeTheDdl) {
  auto idx = catalog::index_from_definition(
      "CREATE UNIQUE INDEX customers_active_idx ON public.customers USING btree (created_at DESC) "
      "WHERE ((status)::text = 'active'::text)");
  ASSERT_TRUE(idx);
  EXPECT_EQ(idx->name, "customers_active_idx");
  EXPECT_EQ(idx->keys[0].column, "created_at");
  EXPECT_TRUE(idx->keys[0].nulls_first);           // DESC defaults to NULLS FIRST
  EXPECT_EQ(idx->predicate, "status = 'active'");  // as the DDL wrote it
  auto part = catalog::partitioning_from_definition("LIST (lower(k))");
  ASSERT_TRUE(part);
  EXPECT_EQ(part->strategy, "list");
  EXPECT_EQ(part->keys, std::vector<std::string>{"lower(k)"});
  EXPECT_EQ(catalog::bound_from_definition("FOR VALUES FROM ('2026-01-01') TO ('2026-02-01')"),
            "FOR VALUES FROM ('2026-01-01') TO ('2026-02-01')");
  EXPECT_EQ(catalog::bound_from_definition("DEFAULT"), "DEFAULT");
}

TEST(CatalogDdl, SchemaPathsApplyMigrationsInPathOrder) {
  test::TempDir dir;
  test::write_file(dir / "migrations/002_index.sql", "CREATE INDEX t_a ON t (a);");
  test::write_file(dir / "migrations/001_table.sql", "CREATE TABLE t (a int);");
  test::write_file(dir / "migrations/003_rename.sql", "ALTER INDEX t_a RENAME TO t_a_idx;");
  Catalog c;
  ASSERT_FALSE(load_ddl_paths(c, {"migrations"}, dir.path()));
  ASSERT_TRUE(c.find_table("", "t"));
  EXPECT_TRUE(c.find_table("", "t")->index("t_a_idx"));
  EXPECT_EQ(c.find_table("", "t")->index("t_a_idx")->origin, "migrations/002_index.sql:1");
  auto err = load_ddl_paths(c, {"missing.sql"}, dir.path());
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("missing.sql"), std::string::npos);
}

// Files without the word CREATE, ALTER or DROP are not lexed for DDL; the words count in any
// case and next to any punctuation, and a longer name (created_at) is not one of them.
TEST(CatalogDdl, DdlIsFoundInAnyCaseAndNextToAnyPunctuation) {
  test::TempDir dir;
  test::write_file(dir / "a.sql", "create table a (x int);");
  test::write_file(dir / "b.sql", "SELECT created_at, dropped FROM a;\nCrEaTe/**/TABLE b (x int);");
  test::write_file(dir / "c.sql", "SELECT 1;\n(ALTER TABLE a ADD COLUMN y int);\nalter\tTABLE a ADD COLUMN z int;");
  test::write_file(dir / "d.sql", "SELECT created_at, altered, dropped FROM a; -- nothing here\nDROP\nTABLE b;");
  test::write_file(dir / "e.sql", "SELECT created_at FROM a WHERE alter_ego AND drop_ship;");
  Catalog c;
  ASSERT_FALSE(load_ddl_paths(c, {"a.sql", "b.sql", "c.sql"}, dir.path()));
  ASSERT_TRUE(c.find_table("", "a"));
  EXPECT_TRUE(c.find_table("", "b"));
  EXPECT_TRUE(c.find_table("", "a")->column("z"));
  EXPECT_FALSE(c.find_table("", "a")->column("y"));  // not a statement of its own: PostgreSQL rejects it
  ASSERT_FALSE(load_ddl_paths(c, {"d.sql", "e.sql"}, dir.path()));
  EXPECT_FALSE(c.find_table("", "b"));
  EXPECT_EQ(c.tables().size(), 1u);
}

// With more threads, each parses files while the caller's applies them, and parses too when
// nothing is ready to apply: the catalog is the one a single thread builds, statement for
// statement, and so is the first error. The migrations are more text than the threads may
// hold parsed ahead of the applier, so they wait for it too.
TEST(CatalogDdl, MoreThreadsBuildTheSameCatalog) {
  test::TempDir dir;
  std::vector<std::string> paths;
  size_t bytes = 0;
  for (int f = 0; f < 80; ++f) {
    std::string sql;
    for (int t = 0; t < 6; ++t) {
      std::string name = "t" + std::to_string(f) + "_" + std::to_string(t);
      sql +=
          "CREATE TABLE " + name + " (id bigint PRIMARY KEY, a int, b text, at timestamptz) PARTITION BY RANGE (at);\n";
      for (int p = 0; p < 12; ++p)
        sql += "CREATE TABLE " + name + "_p" + std::to_string(p) + " PARTITION OF " + name +
            " FOR VALUES FROM ('2026-" + std::to_string(p + 1) + "-01') TO ('2026-" + std::to_string(p + 1) +
            "-02');\n";
      sql += "CREATE INDEX ON " + name + " (a);\nCREATE INDEX ON " + name + " (a) WHERE b IS NOT NULL;\n";
      sql += "ALTER TABLE " + name + " RENAME COLUMN b TO c;\nALTER TABLE " + name + " DROP COLUMN a;\n";
      sql += "SELECT * FROM " + name + " WHERE c = 'x';\n";
    }
    if (f > 0) sql += "DROP TABLE t" + std::to_string(f - 1) + "_0;\n";
    // Small files without DDL between the migrations: a thread takes several while another
    // parses one migration.
    if (f % 3 == 0) test::write_file(dir / fmt::format("m/{:03}_query.sql", f), "SELECT 1;\n");
    std::string file = fmt::format("m/{:03}.sql", f);
    test::write_file(dir / file, sql);
    paths.push_back(file);
    bytes += sql.size();
  }
  ASSERT_GT(bytes, 600u * 1024u);
  Catalog one;
  ASSERT_FALSE(load_ddl_paths(one, {"m"}, dir.path(), UnreadableDdl::fail, 1));
  EXPECT_EQ(one.tables().size(), 80u * 6u * 13u - 79u * 13u);
  paths.push_back("missing.sql");
  Catalog one_failed;
  auto err1 = load_ddl_paths(one_failed, paths, dir.path(), UnreadableDdl::fail, 1);
  ASSERT_TRUE(err1);
  for (unsigned threads : {2u, 3u, 8u}) {
    SCOPED_TRACE(threads);
    Catalog more;
    ASSERT_FALSE(load_ddl_paths(more, {"m"}, dir.path(), UnreadableDdl::fail, threads));
    EXPECT_TRUE(one == more);
    // An error ends the load at the same place: the missing path after every file is read.
    Catalog failed;
    auto err = load_ddl_paths(failed, paths, dir.path(), UnreadableDdl::fail, threads);
    ASSERT_TRUE(err);
    EXPECT_EQ(*err1, *err);
    EXPECT_TRUE(one_failed == failed);
  }
  // An error in a file halfway applies what comes before it and nothing after, however many
  // files the other threads parsed meanwhile.
  test::write_file(dir / "m/040.sql", "CREATE TABLE bad\xff (a int);");
  Catalog half_one;
  auto half_err = load_ddl_paths(half_one, {"m"}, dir.path(), UnreadableDdl::fail, 1);
  ASSERT_TRUE(half_err);
  EXPECT_NE(half_err->find("040.sql:1:"), std::string::npos) << *half_err;
  EXPECT_TRUE(half_one.find_table("", "t39_1"));
  EXPECT_FALSE(half_one.find_table("", "t41_1"));
  for (unsigned threads : {2u, 3u}) {
    Catalog half;
    auto err = load_ddl_paths(half, {"m"}, dir.path(), UnreadableDdl::fail, threads);
    ASSERT_TRUE(err);
    EXPECT_EQ(*half_err, *err);
    EXPECT_TRUE(half_one == half) << threads;
  }
  // And an error in the first file stops the other threads well before the end.
  test::write_file(dir / "m/000.sql", "CREATE TABLE bad\xff (a int);");
  Catalog early;
  auto err3 = load_ddl_paths(early, {"m"}, dir.path(), UnreadableDdl::fail, 2);
  ASSERT_TRUE(err3);
  EXPECT_NE(err3->find("000.sql:1:"), std::string::npos) << *err3;
  EXPECT_TRUE(early.tables().empty());
}

// A schema file is read as the linter reads SQL: bytes that are not UTF-8 are an error naming
// the file and the place; as the linted files themselves (UnreadableDdl::skip) it adds nothing,
// so the lint reports it and goes on with the rest. Text that bypasses the file reader
// (load_ddl) is refused by the parser: no name that is not UTF-8 reaches the catalog.
TEST(CatalogDdl, DdlThatIsNotUtf8IsAnErrorOrSkippedNeverInTheCatalog) {
  test::TempDir dir;
  test::write_file(dir / "a_good.sql", "CREATE TABLE good (a int);");
  test::write_file(dir / "b_bad.sql", "CREATE TABLE ok (a int);\nCREATE TABLE caf\xff (a int);");
  Catalog c;
  auto err = load_ddl_paths(c, {"a_good.sql", "b_bad.sql"}, dir.path());
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("b_bad.sql:2:17"), std::string::npos) << *err;
  EXPECT_NE(err->find("not valid UTF-8"), std::string::npos) << *err;

  Catalog skipped;
  ASSERT_FALSE(load_ddl_paths(skipped, {"a_good.sql", "b_bad.sql", "missing.sql"}, dir.path(), UnreadableDdl::skip));
  EXPECT_TRUE(skipped.find_table("", "good"));
  EXPECT_FALSE(skipped.find_table("", "ok"));  // nothing of the file that is not text
  Catalog direct;
  load_ddl(direct, "CREATE TABLE caf\xff (a int);\nCREATE TABLE fine (a int);", "buffer");
  EXPECT_TRUE(direct.find_table("", "fine"));
  ASSERT_EQ(direct.tables().size(), 1u);
  std::string dump = dump_snapshot(direct);  // threw on a name that is not UTF-8
  EXPECT_NE(dump.find("fine"), std::string::npos);
}

TEST(CatalogDdl, DoBlocksApplyTheirDdlAsIfItRan) {
  Catalog c = from_ddl(
      "CREATE TABLE accounts (id bigint PRIMARY KEY);\n"
      "DO $$\n"
      "BEGIN\n"
      "  IF NOT EXISTS (SELECT 1 FROM information_schema.columns\n"
      "                 WHERE table_name = 'accounts' AND column_name = 'plan') THEN\n"
      "    ALTER TABLE accounts ADD COLUMN plan text NOT NULL DEFAULT 'free';\n"
      "  END IF;\n"
      "  CREATE TABLE IF NOT EXISTS invoices (id bigint PRIMARY KEY, account_id bigint REFERENCES accounts);\n"
      "  EXECUTE 'CREATE INDEX invoices_account_id_idx ON invoices (account_id)';\n"
      "  EXECUTE format('CREATE INDEX %I ON invoices (id)', 'built_at_run_time');\n"
      "EXCEPTION WHEN duplicate_object THEN NULL;\n"
      "END\n"
      "$$;\n"
      "do language plpgsql 'begin drop table if exists scratch; end';\n"
      "CREATE TABLE scratch (id int);\n"
      "DO $body$ BEGIN DROP TABLE scratch; END $body$;\n");
  const Table* accounts = c.find_table("", "accounts");
  ASSERT_TRUE(accounts);
  ASSERT_TRUE(accounts->column("plan"));
  EXPECT_TRUE(accounts->column("plan")->not_null);
  const Table* invoices = c.find_table("", "invoices");
  ASSERT_TRUE(invoices);
  EXPECT_EQ(index_names(*invoices), (std::vector<std::string>{"invoices_account_id_idx", "invoices_pkey"}));
  EXPECT_FALSE(c.find_table("", "scratch"));  // created, then dropped by the last block
}

TEST(CatalogDdl, DoBlocksThatAreNotPlpgsqlOrDoNotCompileChangeNothing) {
  Catalog c = from_ddl(
      "CREATE TABLE t (id int);\n"
      "DO LANGUAGE plperl $$ spi_exec_query('ALTER TABLE t ADD COLUMN a int'); $$;\n"
      "DO $$ BEGIN ALTER TABLE t ADD COLUMN b int; $$;\n"  // no END: PostgreSQL refuses it
      "DO $$ BEGIN PERFORM 1; END $$;\n"
      "DO $$ BEGIN ALTER TABLE t ADD COLUMN c int; END $$;\n");
  const Table* t = c.find_table("", "t");
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->column("a"));
  EXPECT_FALSE(t->column("b"));
  EXPECT_TRUE(t->column("c"));
}

}  // namespace
}  // namespace pglens
