// Which index expressions PostgreSQL accepts (IMMUTABLE) and how suggested DDL writes them.
#include <gtest/gtest.h>

#include "catalog/volatility.hpp"
#include "pglens/catalog.hpp"
#include "support/fixtures.hpp"

namespace pglens {
namespace {

const Table& events() {
  static const Catalog c = test::catalog_from_ddl(
      "CREATE TABLE events (id bigint, at timestamptz, local_at timestamp, day date, email text, tags text[],"
      " data jsonb, n int);");
  return *c.find_table("", "events");
}

TEST(IndexVolatility, ImmutableExpressions) {
  for (const char* e : {"lower(email)", "date_trunc('day', local_at)", "date_trunc('day', at, 'UTC')",
                        "(at AT TIME ZONE 'UTC')::date", "date_trunc('day', at AT TIME ZONE 'UTC')", "(tags)[1]",
                        "(data ->> 'kind')", "n + 1", "local_at::date", "n::text", "coalesce(email, '')",
                        "to_tsvector('english', email)", "extract(year FROM day)", "lower(email) || email"}) {
    EXPECT_TRUE(catalog::is_immutable_text(e, events())) << e;
  }
}

TEST(IndexVolatility, StableOrUnknownExpressions) {
  // Each fails with "functions in index expression must be marked IMMUTABLE".
  for (const char* e : {"date_trunc('day', at)", "at::date", "at::text", "day::text", "extract(year FROM at)",
                        "to_char(at, 'YYYY')", "now()", "at + interval '1 day'", "to_tsvector(email)", "email || n",
                        "my_function(email)", "local_at::timestamptz", "concat(email, n)"}) {
    EXPECT_FALSE(catalog::is_immutable_text(e, events())) << e;
  }
}

TEST(IndexVolatility, SuggestedExpressionsAreWrittenByPostgresDeparser) {
  EXPECT_EQ(catalog::postgres_text("(tags)[1]"), "tags[1]");
  EXPECT_EQ(catalog::postgres_text("(tags)[1:2]"), "tags[1:2]");
  EXPECT_EQ(catalog::postgres_text("lower(email)"), "lower(email)");
  EXPECT_FALSE(catalog::postgres_text("lower(email"));
  EXPECT_FALSE(catalog::postgres_text("<SubLink>"));
}

}  // namespace
}  // namespace pglens
