// non-sargable-predicate's fix: the wrapped comparison rewritten as a range on the bare
// column, applied by `pglens lint --fix --unsafe-fixes` (never by a plain --fix).
#include <gtest/gtest.h>

#include "support/fixtures.hpp"

namespace pglens {
namespace {

constexpr const char* kSchema =
    "CREATE TABLE events (id bigint PRIMARY KEY, kind text, created_at timestamptz NOT NULL);\n";
constexpr const char* kConfig = "[tables.\"public.events\"]\nrows = 5_000_000\n";

std::string lint_fixed(const std::string& query, const std::string& flags) {
  test::TempDir dir;
  test::write_file(dir / ".pglens.toml", kConfig);
  test::write_file(dir / "q.sql", std::string(kSchema) + query);
  auto run = test::run_pglens("lint " + flags + " q.sql", {}, dir.path());
  EXPECT_NE(run.exit_code, 2) << run.err;
  return test::read_file(dir / "q.sql").substr(std::string(kSchema).size());
}

TEST(NonSargableFix, DateCastBecomesAHalfOpenRange) {
  EXPECT_EQ(lint_fixed("SELECT id FROM events WHERE kind = 'a' AND created_at::date = '2026-06-01' ORDER BY id;\n",
                       "--fix --unsafe-fixes"),
            "SELECT id FROM events WHERE kind = 'a' AND created_at >= '2026-06-01' AND created_at < '2026-06-02' "
            "ORDER BY id;\n");
}

TEST(NonSargableFix, ComparisonsOtherThanEqualityKeepOneBound) {
  EXPECT_EQ(lint_fixed("SELECT id FROM events WHERE created_at::date > '2026-12-31';\n", "--fix --unsafe-fixes"),
            "SELECT id FROM events WHERE created_at >= '2027-01-01';\n");
}

TEST(NonSargableFix, NotAppliedWithoutUnsafeFixes) {
  std::string query = "SELECT id FROM events WHERE created_at::date = '2026-06-01';\n";
  EXPECT_EQ(lint_fixed(query, "--fix"), query);
}

TEST(NonSargableFix, ValueWrittenFirstIsLeftAlone) {
  std::string query = "SELECT id FROM events WHERE '2026-06-01' = created_at::date;\n";
  EXPECT_EQ(lint_fixed(query, "--fix --unsafe-fixes"), query);
}

// An unsafe fix may change results, never whether the SQL runs: untyped literals that an
// operator then meets are typed (`'today' + 1` and `'2026-06-01' + interval '1 day'` fail).
TEST(NonSargableFix, LiteralsAreTypedWhereAnOperatorMeetsThem) {
  EXPECT_EQ(lint_fixed("SELECT id FROM events WHERE created_at::date = 'today';\n", "--fix --unsafe-fixes"),
            "SELECT id FROM events WHERE created_at >= date 'today' AND created_at < date 'today' + 1;\n");
  EXPECT_EQ(lint_fixed("SELECT id FROM events WHERE date_trunc('month', created_at) = '2026-06-01';\n",
                       "--fix --unsafe-fixes"),
            "SELECT id FROM events WHERE created_at >= '2026-06-01' AND created_at < date '2026-06-01' + interval "
            "'1 month';\n");
  EXPECT_EQ(lint_fixed("SELECT id FROM events WHERE date_trunc('quarter', created_at) = $1;\n", "--fix --unsafe-fixes"),
            "SELECT id FROM events WHERE created_at >= $1 AND created_at < $1 + interval '3 months';\n");
  // A time of day or a zone in the literal: no rewrite that could mean another instant.
  std::string query = "SELECT id FROM events WHERE date_trunc('hour', created_at) = '2026-06-01 10:00+02';\n";
  EXPECT_EQ(lint_fixed(query, "--fix --unsafe-fixes"), query);
}

}  // namespace
}  // namespace pglens
