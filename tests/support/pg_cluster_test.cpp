#include <gtest/gtest.h>

#include <filesystem>

#include "support/pg_cluster.hpp"

namespace pglens::test {

TEST(PgCluster, StartsAndAnswersSelectOne) {
  PGLENS_REQUIRE_CLUSTER(pg);
  EXPECT_NE(pg->conninfo().find("host=127.0.0.1 port="), std::string::npos);
  auto rows = pg->query("SELECT 1, NULL::text");
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows[0].size(), 2u);
  EXPECT_EQ(rows[0][0], "1");
  EXPECT_FALSE(rows[0][1].has_value());
  // Only loopback: the server must not listen on every interface.
  EXPECT_EQ(pg->column("SHOW listen_addresses"), std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(pg->column("SHOW fsync"), std::vector<std::string>{"off"});
}

TEST(PgCluster, ReportsSqlErrors) {
  PGLENS_REQUIRE_CLUSTER(pg);
  EXPECT_THROW(pg->query("SELECT * FROM no_such_table_here"), std::runtime_error);
  // The connection stays usable after an error.
  EXPECT_EQ(pg->column("SELECT 2"), std::vector<std::string>{"2"});
}

}  // namespace pglens::test
