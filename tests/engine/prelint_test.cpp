// Prelint: the rules check the linted files' DDL as the catalog loader parses it, against no
// catalog, and keep the findings of the statements whose rules never looked at it. A lint
// that takes those must give exactly what a lint parsing everything against the finished
// catalog gives.
#include <gtest/gtest.h>

#include <fstream>

#include "pglens/catalog.hpp"
#include "pglens/lint.hpp"
#include "support/fixtures.hpp"

namespace pglens {
namespace {

void write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

SourceFile source(const std::filesystem::path& p, std::string text) {
  SourceFile f;
  DecodeError e;
  EXPECT_TRUE(decode_source(p.string(), std::move(text), f, e));
  return f;
}

// Two migrations: the foreign key of the first has its index only in the second, which the
// finished catalog knows and a check against no catalog cannot.
const char* kFirst =
    "CREATE TABLE customers (id bigint PRIMARY KEY, email text);\n"
    "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id),\n"
    "                     seller_id bigint REFERENCES customers (id), status text);\n"
    "CREATE INDEX orders_status_idx ON orders (status);\n"
    "CREATE VIEW everything AS SELECT * FROM orders;\n"
    "-- pglens-ignore: select-star\n"
    "CREATE VIEW quiet AS SELECT * FROM customers;\n"
    "SELECT * FROM orders WHERE status = 'new';\n"
    "CREATE TABLE broken (;\n";
const char* kSecond =
    "ALTER TABLE orders ADD COLUMN note text;\n"
    "CREATE INDEX orders_seller_idx ON orders (seller_id);\n"
    "SELECT id FROM orders WHERE note = 'x';\n";

class PrelintTest : public ::testing::TestWithParam<unsigned> {};

TEST_P(PrelintTest, KeptFindingsAreThoseOfALintAgainstTheFinishedCatalog) {
  test::TempDir dir;
  write(dir / "1.sql", kFirst);
  write(dir / "2.sql", kSecond);
  Config config;
  config.root = dir.path();
  Linter linter(config);
  Prelint prelint(linter);
  CatalogSources sources;
  sources.extra_ddl = {dir / "1.sql", dir / "2.sql"};
  sources.use_environment = false;
  sources.threads = GetParam();
  sources.on_parsed = prelint.hook();
  Catalog catalog;
  ASSERT_FALSE(build_catalog(config, sources, catalog));

  // The CREATE TABLE and INDEX and ALTER TABLE statements; not the CREATE TABLE declaring
  // foreign keys nor the views (their rules look at the catalog), nor the broken statement.
  EXPECT_EQ(prelint.statements_kept(), 4u);
  std::vector<Diagnostic> first;
  for (const char* name : {"1.sql", "2.sql"}) {
    SourceFile f = source(dir / name, name == std::string("1.sql") ? kFirst : kSecond);
    auto taken = linter.lint(f, catalog, prelint);
    EXPECT_EQ(taken, linter.lint(f, catalog)) << name;
    if (name == std::string("1.sql")) first = taken;
  }
  EXPECT_EQ(prelint.statements_reused(), 4u);

  std::vector<std::string> rules;
  for (const auto& d : first) rules.push_back(d.rule);
  // customer_id has no index, seller_id gets one in 2.sql; a view's rows do not reach the
  // client, so its SELECT * is not reported and the suppression went unused.
  EXPECT_EQ(rules, (std::vector<std::string>{"fk-without-index", "unused-ignore", "select-star", "syntax-error"}));
  EXPECT_NE(first[0].message.find("(customer_id)"), std::string::npos);
}

// The loader may read one file twice, on two threads at once: what is kept is still what a
// lint against the finished catalog finds.
TEST_P(PrelintTest, AFileNamedTwiceIsKeptOnce) {
  test::TempDir dir;
  write(dir / "1.sql", kFirst);
  write(dir / "2.sql", kSecond);
  Linter linter{Config{}};
  Prelint prelint(linter);
  CatalogSources sources;
  sources.extra_ddl = {dir / "1.sql", dir / "2.sql", dir / "1.sql", dir / "2.sql", dir / "1.sql"};
  sources.use_environment = false;
  sources.threads = GetParam();
  sources.on_parsed = prelint.hook();
  Catalog catalog;
  ASSERT_FALSE(build_catalog(Config{}, sources, catalog));
  EXPECT_EQ(prelint.statements_kept(), 4u);
  for (const char* name : {"1.sql", "2.sql"}) {
    SourceFile f = source(dir / name, name == std::string("1.sql") ? kFirst : kSecond);
    EXPECT_EQ(linter.lint(f, catalog, prelint), linter.lint(f, catalog)) << name;
  }
  EXPECT_EQ(prelint.statements_reused(), 4u);
}

INSTANTIATE_TEST_SUITE_P(Threads, PrelintTest, ::testing::Values(1u, 2u, 3u));

TEST(Prelint, AFileWhoseTextChangedSinceIsLintedWhole) {
  test::TempDir dir;
  write(dir / "1.sql", kFirst);
  Linter linter{Config{}};
  Prelint prelint(linter);
  CatalogSources sources;
  sources.extra_ddl = {dir / "1.sql"};
  sources.use_environment = false;
  sources.on_parsed = prelint.hook();
  Catalog catalog;
  ASSERT_FALSE(build_catalog(Config{}, sources, catalog));
  ASSERT_GT(prelint.statements_kept(), 0u);
  // As after a --fix, or another file of the same name read from stdin.
  SourceFile edited = source(dir / "1.sql", std::string("CREATE VIEW v AS SELECT * FROM t;\n") + kFirst);
  EXPECT_EQ(linter.lint(edited, catalog, prelint), linter.lint(edited, catalog));
  EXPECT_EQ(prelint.statements_reused(), 0u);
}

}  // namespace
}  // namespace pglens
