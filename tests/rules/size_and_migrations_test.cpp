// Findings that rest on a table's size say where the size came from, and are `info` when
// nothing gave it (unless `assume-large = true`); UPDATE / DELETE in migration files are
// one-off backfills.
#include <gtest/gtest.h>

#include "pglens/lint.hpp"
#include "support/fixtures.hpp"

namespace pglens {
namespace {

constexpr const char* kSchema =
    "CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL, scope text NOT NULL);\n";

std::vector<Diagnostic> lint_with(const std::string& path, const std::string& query, const Config& config) {
  Catalog catalog;
  load_ddl(catalog, kSchema, "db/schema.sql");
  catalog.apply_hints(config, ".pglens.toml");
  catalog.index_names();
  SourceFile f;
  DecodeError e;
  EXPECT_TRUE(decode_source(path, query, f, e));
  std::vector<Diagnostic> out;
  for (auto& d : Linter(config).lint(f, catalog))
    if (d.rule == "missing-index-filter") out.push_back(std::move(d));
  return out;
}

TEST(SizeDependentFindings, UnknownSizeIsInfoUnlessAssumedLarge) {
  const std::string query = "SELECT value FROM settings WHERE scope = $1;\n";
  auto unknown = lint_with("app/queries.sql", query, {});
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknown[0].severity, Severity::info);
  EXPECT_NE(unknown[0].message.find("unknown size (no statistics, snapshot or size hint; assumed large)"),
            std::string::npos)
      << unknown[0].message;

  Config assume;
  assume.assume_large = true;
  auto assumed = lint_with("app/queries.sql", query, assume);
  ASSERT_EQ(assumed.size(), 1u);
  EXPECT_EQ(assumed[0].severity, Severity::warning);

  Config hinted;
  hinted.tables["public.settings"].rows = 3'000'000;
  auto known = lint_with("app/queries.sql", query, hinted);
  ASSERT_EQ(known.size(), 1u);
  EXPECT_EQ(known[0].severity, Severity::warning);
  EXPECT_NE(known[0].message.find("has 3 M rows (hint .pglens.toml)"), std::string::npos) << known[0].message;
}

TEST(SizeDependentFindings, ConfigReadsAssumeLargeAndMigrations) {
  Config c;
  ASSERT_FALSE(parse_config("assume-large = true\nmigrations = [\"sql/changes/**\"]\n", "/p/.pglens.toml", c));
  EXPECT_TRUE(c.assume_large);
  EXPECT_TRUE(c.is_migration("/p/sql/changes/0001_backfill.sql"));
  EXPECT_FALSE(c.is_migration("/p/db/migrate/0001_backfill.sql"));  // the default is replaced
  Config bad;
  EXPECT_TRUE(parse_config("assume-large = \"yes\"\n", "/p/.pglens.toml", bad));
  Config defaults;
  EXPECT_TRUE(defaults.is_migration("db/migrate/20240101000000_add_index.sql"));
  EXPECT_TRUE(defaults.is_migration("services/api/migrations/0042_backfill.sql"));
  EXPECT_TRUE(defaults.is_migration("alembic/versions/3f2a_backfill.sql"));
  EXPECT_FALSE(defaults.is_migration("db/queries/report.sql"));
}

TEST(MigrationFiles, BackfillsAreOneOffQueriesAreNot) {
  Config hinted;
  hinted.tables["public.settings"].rows = 3'000'000;
  const std::string backfill = "UPDATE settings SET value = 'on' WHERE scope = 'beta';\n";
  EXPECT_TRUE(lint_with("db/migrate/20240501101010_enable_beta.sql", backfill, hinted).empty());
  EXPECT_EQ(lint_with("app/jobs/enable_beta.sql", backfill, hinted).size(), 1u);
  EXPECT_EQ(
      lint_with("db/migrate/20240501101010_enable_beta.sql", "SELECT value FROM settings WHERE scope = $1;", hinted)
          .size(),
      1u);
}

}  // namespace
}  // namespace pglens
