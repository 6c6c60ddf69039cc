// sql::Node reads PostgreSQL's parse tree through a table generated from libpg_query's
// protocol. Every rule was written against libpg_query's JSON output, so the tree must read
// exactly as that JSON: every statement of every SQL file in the repository, and a set of
// statements that use the unusual corners of the table (embedded structs, negative enum
// values, value unions, lists of lists, char fields), read through sql::Node and written as
// JSON, equals what pg_query_parse writes for it.
#include <gtest/gtest.h>

#include <filesystem>

#include "sql/lexer.hpp"
#include "sql/parser.hpp"
#include "sql/tree_check.hpp"
#include "support/fixtures.hpp"

namespace pglens::sql {
namespace {

void expect_same_tree(const std::string& text, const std::string& where) {
  auto mismatch = tree_mismatch(text);
  EXPECT_FALSE(mismatch) << where << ": " << text << "\n" << mismatch.value_or("");
}

TEST(RawTree, ReadsAsLibpgQueryJsonForEveryStatementInTheRepository) {
  size_t statements = 0;
  std::vector<std::filesystem::path> files;
  for (const char* dir : {"testdata", "examples"})
    for (const auto& e : std::filesystem::recursive_directory_iterator(test::source_dir() / dir))
      if (e.is_regular_file() && e.path().extension() == ".sql") files.push_back(e.path());
  ASSERT_GT(files.size(), 30u);
  for (const auto& path : files) {
    std::string text = test::read_file(path);
    for (const StatementSpan& s : lex(text).statements) {
      std::string stmt = text.substr(s.span.begin, s.end - s.span.begin);
      expect_same_tree(stmt, path.string());
      ++statements;
    }
  }
  EXPECT_GT(statements, 400u);
}

TEST(RawTree, ReadsTheUnusualCornersAsLibpgQueryJson) {
  const char* statements[] = {
      // A_Const's value union: every kind of constant, zero, NULL.
      "SELECT 0, 1, -2, 1.5, 'x', true, false, NULL, B'0101', X'1f', 9999999999999999999",
      // Negative enum values (PARTITION_RANGE_DATUM_MINVALUE = -1), partition bounds.
      "CREATE TABLE m PARTITION OF t FOR VALUES FROM (MINVALUE) TO (MAXVALUE)",
      "CREATE TABLE p (a int, b text) PARTITION BY RANGE (a, lower(b))",
      // A node struct held by value: CreateForeignTableStmt.base is a CreateStmt.
      "CREATE FOREIGN TABLE f (a int NOT NULL) SERVER s OPTIONS (table_name 'x')",
      // Lists of lists, char fields, DEFAULT in VALUES.
      "INSERT INTO t (a, b) VALUES (1, DEFAULT), (2, 'y') ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b",
      "CREATE UNLOGGED TABLE u (a int) WITH (fillfactor = 70)",
      "CREATE TEMP TABLE tt AS SELECT 1",
      // Window frames, FETCH ... WITH TIES, locking, set operations.
      "SELECT a, sum(b) OVER (PARTITION BY c ORDER BY d ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t",
      "SELECT * FROM t ORDER BY a FETCH FIRST 5 ROWS WITH TIES",
      "SELECT * FROM t FOR UPDATE SKIP LOCKED",
      "(SELECT 1 UNION ALL SELECT 2) INTERSECT SELECT 3 EXCEPT SELECT 4",
      // Subscripts, indirection, row comparisons, arrays, JSON operators, collations.
      "SELECT a[1:2], (b).c, ROW(1, 2) < ROW(3, 4), ARRAY[[1, 2], [3, 4]], d->>'k', e COLLATE \"C\" FROM t",
      "SELECT CASE WHEN a THEN 1 ELSE 2 END, COALESCE(a, b), GREATEST(a, b), NULLIF(a, b), a IS DISTINCT FROM b",
      "SELECT EXISTS (SELECT 1), a IN (SELECT b FROM u), a = ANY (ARRAY[1, 2]), a BETWEEN 1 AND 2, a IS NOT NULL",
      "WITH RECURSIVE r(n) AS MATERIALIZED (SELECT 1 UNION SELECT n + 1 FROM r) SEARCH DEPTH FIRST BY n SET o SELECT * "
      "FROM r",
      "SELECT * FROM t JOIN u USING (a) LEFT JOIN LATERAL generate_series(1, 3) g(x) ON true, ROWS FROM (f(1), g(2))",
      "SELECT * FROM t TABLESAMPLE SYSTEM (10) REPEATABLE (1), XMLTABLE('/a' PASSING x COLUMNS c int PATH 'c')",
      // PostgreSQL 16-18: a FROM subquery without an alias, SQL/JSON, NOT NULL table
      // constraints, virtual generated columns, temporal keys, MERGE ... RETURNING, RETURNING
      // OLD / NEW (ReturningClause).
      "SELECT * FROM (SELECT 1 AS x), (VALUES (1))",
      "SELECT '{}' IS JSON OBJECT WITH UNIQUE KEYS, JSON_OBJECT('a': 1 RETURNING jsonb), JSON_ARRAY(1, 2), "
      "JSON_VALUE(j, '$.a' RETURNING int DEFAULT 0 ON EMPTY), JSON(t), JSON_SCALAR(1), JSON_SERIALIZE(j)",
      "SELECT * FROM JSON_TABLE(j, '$[*]' COLUMNS (id int PATH '$.id', NESTED PATH '$.x[*]' COLUMNS (x int PATH '$')))",
      "CREATE TABLE t (id int, CONSTRAINT t_id_nn NOT NULL id, g int GENERATED ALWAYS AS (id * 2) VIRTUAL, "
      "p int4range, PRIMARY KEY (id, p WITHOUT OVERLAPS))",
      "MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED BY SOURCE THEN DELETE "
      "WHEN MATCHED THEN UPDATE SET v = s.v RETURNING merge_action(), t.*",
      "UPDATE t SET v = 1 RETURNING WITH (OLD AS o, NEW AS n) o.v, n.v",
      // DDL and utility statements the catalog reads.
      "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON ONLY t USING btree (a DESC NULLS LAST, lower(b)) INCLUDE (c) WHERE "
      "d > 0",
      "ALTER TABLE t ADD COLUMN c int DEFAULT 0, DROP COLUMN IF EXISTS d CASCADE, ALTER COLUMN e TYPE bigint USING "
      "e::bigint",
      "ALTER TABLE t ATTACH PARTITION p FOR VALUES IN (1, 2)",
      "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (b) ON DELETE CASCADE DEFERRABLE INITIALLY "
      "DEFERRED",
      "CREATE TABLE c (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, g int GENERATED ALWAYS AS (id * 2) STORED, "
      "CHECK (g > 0), EXCLUDE USING gist (id WITH =))",
      "COMMENT ON COLUMN t.a IS 'x'",
      "GRANT SELECT (a) ON t TO PUBLIC",
      "CREATE FUNCTION f(a int DEFAULT 1, OUT b int) RETURNS SETOF record LANGUAGE sql AS $$ SELECT 1 $$",
      "CREATE FUNCTION g(VARIADIC a int[]) RETURNS int CALLED ON NULL INPUT LANGUAGE internal AS 'g'",
      "DO $$ BEGIN PERFORM 1; END $$",
      "FETCH FORWARD 5 FROM c",
      "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT 1",
      "COPY t (a, b) FROM STDIN WITH (FORMAT csv, HEADER true)",
      "MERGE INTO t USING u ON t.a = u.a WHEN MATCHED THEN UPDATE SET b = u.b WHEN NOT MATCHED THEN INSERT VALUES "
      "(u.a)",
      "CREATE VIEW v WITH (security_barrier) AS SELECT 1 WITH CASCADED CHECK OPTION",
      "REINDEX DATABASE d",
      // A negative Integer (libpg_query 15's JSON dropped its value; 18's keeps it).
      "CREATE SEQUENCE s INCREMENT BY -2 MINVALUE -100",
      "SET LOCAL statement_timeout = '5s'",
      "PREPARE p(int) AS SELECT $1",
      "CREATE TYPE e AS ENUM ('a', 'b')",
      "CREATE STATISTICS s (dependencies) ON a, b FROM t",
      "SELECT a::numeric(10, 2), b::timestamp(3) with time zone, interval '1' day, c::int[]",
      "SELECT f(VARIADIC ARRAY[1]), g(a => 1), count(DISTINCT a) FILTER (WHERE b) , percentile_cont(0.5) WITHIN GROUP "
      "(ORDER BY a)",
      "SELECT GROUPING(a) FROM t GROUP BY GROUPING SETS ((a), CUBE (b), ROLLUP (c), ())",
      "SELECT 1",
      "",
      ";",
  };
  for (const char* s : statements) expect_same_tree(s, "corner");
}

TEST(RawTree, NegativeIntegersKeepTheirValue) {
  Parser parser;
  auto root = parser.parse_one("SELECT -2, c::int[] FROM t LIMIT -1");
  ASSERT_TRUE(root);
  List targets = root->list("targetList");
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0].field("val").field("ival").integer("ival"), -2);
  Node type_name = targets[1].field("val").field("typeName");
  EXPECT_EQ(type_name.integer("typemod"), -1);
  EXPECT_EQ(type_name.list("arrayBounds")[0].integer("ival"), -1);
  EXPECT_EQ(root->field("limitCount").field("ival").integer("ival"), -1);
}

// Every field of `node` and of the nodes below it is found by its name (through the kind's
// field table), and names the kind lacks are not.
void expect_fields_found_by_name(const Node& node, size_t& checked) {
  for (const PglField* f = node.fields_begin(); f != node.fields_end(); ++f) {
    std::string name(f->name, f->name_len);
    EXPECT_EQ(node.has(name), node.shows(*f)) << node.kind() << "." << name;
    if (f->kind == PGL_NODE || f->kind == PGL_SPECIFIC || f->kind == PGL_EMBEDDED || f->kind == PGL_ONEOF) {
      EXPECT_EQ(node.field(name).id(), node.child(*f).id()) << node.kind() << "." << name;
    }
    if (f->kind == PGL_LIST || f->kind == PGL_ITEMS) {
      EXPECT_EQ(node.list(name).size(), node.child_list(*f).size()) << node.kind() << "." << name;
    }
    // The same length and ends, another middle; a prefix; a longer name.
    std::string other = name;
    other[other.size() / 2] = other[other.size() / 2] == '#' ? '%' : '#';
    EXPECT_FALSE(node.has(other)) << node.kind() << "." << other;
    EXPECT_FALSE(node.has(name.substr(0, name.size() - 1) + "#")) << node.kind() << "." << name;
    EXPECT_FALSE(node.has(name + "s")) << node.kind() << "." << name;
    ++checked;
  }
  EXPECT_FALSE(node.has(""));
  for_each_child(node, [&](const Node& child) { expect_fields_found_by_name(child, checked); });
}

TEST(RawTree, EveryFieldIsFoundByName) {
  Parser parser;
  size_t checked = 0;
  for (const char* text : {"SELECT a, sum(b) OVER (PARTITION BY c) FROM t JOIN u USING (id) WHERE x = 1 "
                           "AND y IN (1, 2) ORDER BY a DESC NULLS LAST LIMIT 5 OFFSET 2",
                           "CREATE TABLE p (a int NOT NULL, b text DEFAULT 'x') PARTITION BY RANGE (a)",
                           "CREATE INDEX CONCURRENTLY i ON t USING gin (lower(b)) INCLUDE (c) WHERE d IS NOT NULL",
                           "UPDATE t SET a = 1 FROM u WHERE t.id = u.id RETURNING *",
                           "INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET a = EXCLUDED.a"}) {
    auto root = parser.parse_one(text);
    ASSERT_TRUE(root) << text;
    expect_fields_found_by_name(*root, checked);
  }
  EXPECT_GT(checked, 300u);
}

}  // namespace
}  // namespace pglens::sql
