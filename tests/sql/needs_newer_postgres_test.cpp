// needs-newer-postgres takes its target from the database given with --db when the config
// names none.
#include <gtest/gtest.h>

#include "support/fixtures.hpp"
#include "support/pg_cluster.hpp"

namespace pglens {
namespace {

TEST(NeedsNewerPostgres, TheLiveDatabaseIsTheTargetWithoutPostgresVersion) {
  PGLENS_REQUIRE_CLUSTER(pg);  // PostgreSQL 15
  test::TempDir dir;
  const std::string query = "SELECT count(*) FROM (SELECT DISTINCT relkind FROM pg_class)";
  test::write_file(dir / "report.sql", query + ";\n");
  auto run = test::run_pglens("lint --format text --db '" + pg->conninfo() + "' report.sql", {}, dir.path());
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.out.find("PostgreSQL 16 or later is needed for a subquery in FROM without an alias; the target is "
                         "PostgreSQL 15 (the database at --db)"),
            std::string::npos)
      << run.out;
  // PostgreSQL 15 agrees.
  EXPECT_THROW(pg->exec(query), std::runtime_error);

  // The config's postgres-version wins over the database's.
  test::write_file(dir / ".pglens.toml", "postgres-version = 16\n");
  run = test::run_pglens("lint --format text --db '" + pg->conninfo() + "' report.sql", {}, dir.path());
  EXPECT_EQ(run.out.find("needs-newer-postgres"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace pglens
