// Fixes of SQL rules, applied and compared with the expected text.
#include <gtest/gtest.h>

#include "pglens/lint.hpp"
#include "support/fixtures.hpp"

namespace pglens {
namespace {

std::string fixed(const std::string& text, bool unsafe = false) {
  SourceFile f;
  DecodeError e;
  EXPECT_TRUE(decode_source("t.sql", text, f, e));
  Linter linter{Config{}};
  return apply_fixes(f.text, linter.lint(f), unsafe).text;
}

TEST(SingleRowInsertsFix, MergesTheRunIntoOneMultiRowInsert) {
  std::string in =
      "INSERT INTO tags (name, color) VALUES ('a', 'red');\n"
      "INSERT INTO tags (name, color) VALUES ('b', 'grey');\n"
      "INSERT INTO tags (name, color) VALUES ( 'c;', DEFAULT );\n"
      "INSERT INTO tags (name, color) VALUES ('d', 'x');\n"
      "INSERT INTO tags (name, color) VALUES ('e', 'y');\n"
      "SELECT 1;\n";
  // Unsafe: one statement fails as a whole where each INSERT failed alone.
  EXPECT_EQ(fixed(in), in);
  EXPECT_EQ(fixed(in, true),
            "INSERT INTO tags (name, color) VALUES ('a', 'red'),\n"
            "    ('b', 'grey'),\n"
            "    ( 'c;', DEFAULT ),\n"
            "    ('d', 'x'),\n"
            "    ('e', 'y');\n"
            "SELECT 1;\n");
}

TEST(SingleRowInsertsFix, NoFixWhenCommentsWouldBeLost) {
  std::string in =
      "INSERT INTO t (a) VALUES (1);\nINSERT INTO t (a) VALUES (2); -- keep me\nINSERT INTO t (a) VALUES (3);\n"
      "INSERT INTO t (a) VALUES (4);\nINSERT INTO t (a) VALUES (5);\n";
  EXPECT_EQ(fixed(in, true), in);
}

TEST(SingleRowInsertsFix, KeepsCrlfLineBreaks) {
  std::string in;
  for (int i = 1; i <= 5; ++i) in += "INSERT INTO t (a) VALUES (" + std::to_string(i) + ");\r\n";
  EXPECT_EQ(fixed(in, true), "INSERT INTO t (a) VALUES (1),\r\n    (2),\r\n    (3),\r\n    (4),\r\n    (5);\r\n");
}

TEST(SingleRowInsertsFix, RunEndsAtAPsqlMetaCommand) {
  std::string in =
      "INSERT INTO t (a) VALUES (1);\nINSERT INTO t (a) VALUES (2);\nINSERT INTO t (a) VALUES (3);\n"
      "\\connect other_db\n"
      "INSERT INTO t (a) VALUES (4);\nINSERT INTO t (a) VALUES (5);\nINSERT INTO t (a) VALUES (6);\n";
  EXPECT_EQ(fixed(in, true), in);
  SourceFile f;
  DecodeError e;
  ASSERT_TRUE(decode_source("t.sql", in, f, e));
  for (const auto& d : Linter{Config{}}.lint(f)) EXPECT_NE(d.rule, "single-row-inserts") << d.message;
}

TEST(UnusedIgnoreFix, NeverGluesTheTokensAroundTheComment) {
  EXPECT_EQ(fixed("SELECT/* pglens-ignore: select-star */1;\n"), "SELECT 1;\n");
  EXPECT_EQ(fixed("SELECT 1 AS/* pglens-ignore: select-star */x;\n"), "SELECT 1 AS x;\n");
  EXPECT_EQ(fixed("SELECT 1 /* pglens-ignore: select-star */;\n"), "SELECT 1;\n");
}

// The text after the safe fixes, linted against the catalog of `ddl`.
std::string fixed_with_schema(const std::string& ddl, const std::string& text) {
  SourceFile f;
  DecodeError e;
  EXPECT_TRUE(decode_source("t.sql", text, f, e));
  Catalog catalog;
  load_ddl(catalog, ddl, "schema.sql");
  Config config;
  config.select = {"select-star"};
  return apply_fixes(f.text, Linter{config}.lint(f, catalog), false).text;
}

const std::string kShopDdl =
    "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, \"Status\" text, total numeric);\n"
    "CREATE TABLE customers (id bigint PRIMARY KEY, email text);\n"
    "CREATE VIEW paid AS SELECT id, total FROM orders;\n";

TEST(SelectStarFix, ListsTheColumnsOfTheOneTableInTableOrder) {
  EXPECT_EQ(fixed_with_schema(kShopDdl, "SELECT * FROM orders WHERE id = $1;\n"),
            "SELECT id, customer_id, \"Status\", total FROM orders WHERE id = $1;\n");
  EXPECT_EQ(
      fixed_with_schema(kShopDdl, "SELECT * FROM public.orders;\nDELETE FROM orders o WHERE id = 1 RETURNING *;\n"),
      "SELECT id, customer_id, \"Status\", total FROM public.orders;\n"
      "DELETE FROM orders o WHERE id = 1 RETURNING id, customer_id, \"Status\", total;\n");
}

TEST(SelectStarFix, QualifiesWhenSeveralRelationsAreInScopeAndKeepsTDotStar) {
  EXPECT_EQ(fixed_with_schema(kShopDdl, "SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id;"),
            "SELECT o.id, o.customer_id, o.\"Status\", o.total, c.id, c.email "
            "FROM orders o JOIN customers c ON c.id = o.customer_id;");
  EXPECT_EQ(fixed_with_schema(kShopDdl, "SELECT c.*, o.total FROM orders o, customers c;"),
            "SELECT c.id, c.email, o.total FROM orders o, customers c;");
  EXPECT_EQ(fixed_with_schema(kShopDdl, "SELECT p.* FROM paid p;"), "SELECT p.id, p.total FROM paid p;");
}

TEST(SelectStarFix, NoFixUnlessEveryStarredRelationIsKnown) {
  for (const char* q : {
           "SELECT * FROM orders o JOIN unknown_table u ON u.id = o.id;",
           "SELECT * FROM orders JOIN customers USING (id);",
           "SELECT * FROM orders NATURAL JOIN customers;",
           "WITH orders AS (SELECT 1 AS one) SELECT * FROM orders;",
           "SELECT * FROM (SELECT id FROM orders) s;",
           "SELECT * FROM generate_series(1, 3);",
           "UPDATE orders o SET total = 0 FROM customers c WHERE c.id = o.customer_id RETURNING *;",
       })
    EXPECT_EQ(fixed_with_schema(kShopDdl, q), q);
  // t.* of a known table still gets its list when another relation is unknown.
  EXPECT_EQ(fixed_with_schema(kShopDdl, "SELECT o.* FROM orders o JOIN unknown_table u ON u.id = o.id;"),
            "SELECT o.id, o.customer_id, o.\"Status\", o.total FROM orders o JOIN unknown_table u ON u.id = o.id;");
}

TEST(SelectStarFix, ListNeverGluesToItsNeighbours) {
  EXPECT_EQ(fixed_with_schema(kShopDdl, "SELECT*FROM customers;"), "SELECT id, email FROM customers;");
  EXPECT_EQ(fixed_with_schema(kShopDdl, "SELECT c.*FROM customers c;"), "SELECT c.id, c.email FROM customers c;");
  EXPECT_EQ(fixed_with_schema(kShopDdl, "SELECT DISTINCT*FROM customers;"),
            "SELECT DISTINCT id, email FROM customers;");
}

// Where the catalog's column names are not what the star shows, or would be ambiguous once
// written out, the fix would change the result's shape or fail: none is offered.
TEST(SelectStarFix, NoFixWhenFromRenamesOrHidesColumns) {
  for (const char* q : {
           "SELECT * FROM customers AS c(customer_id, mail);",
           "SELECT * FROM customers AS c(customer_id);",
           "SELECT c.* FROM customers AS c(customer_id, mail);",
           "SELECT * FROM (orders o JOIN customers c ON c.id = o.customer_id) AS j;",
           "SELECT * FROM public.orders, orders;",
       })
    EXPECT_EQ(fixed_with_schema(kShopDdl, q), q);
}

TEST(SelectStarFix, LintFixWritesTheColumnListIntoTheFile) {
  test::TempDir dir;
  test::write_file(dir.path() / ".pglens.toml", "schema = [\"schema.sql\"]\n");
  test::write_file(dir.path() / "schema.sql", kShopDdl);
  test::write_file(dir.path() / "q.sql", "SELECT * FROM customers WHERE id = $1;\n");
  auto run = test::run_pglens("lint --fix q.sql", {}, dir.path());
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(test::read_file(dir.path() / "q.sql"), "SELECT id, email FROM customers WHERE id = $1;\n");
}

}  // namespace
}  // namespace pglens
