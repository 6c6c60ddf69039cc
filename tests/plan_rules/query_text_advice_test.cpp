// Index advice from a plan plus its query text (--sql, auto_explain's Query Text): the
// query's ORDER BY shapes the index the plan's own conditions start (INCLUDE needs a
// catalog that knows the row is wide).
#include <gtest/gtest.h>

#include "pglens/plan.hpp"
#include "pglens/plan_rules.hpp"
#include "support/fixtures.hpp"

namespace pglens {
namespace {

std::string suggested_ddl(const std::string& query_text) {
  auto read = plan::read_plans(test::read_file(test::testdata("plan-rules/seq-scan-large/order-by-limit.txt")));
  EXPECT_EQ(read.plans.size(), 1u);
  if (read.plans.empty()) return {};
  plan::Plan p = read.plans.front();
  p.query_text = query_text;
  plan::Diagnosis d = plan::diagnose(p, Config{}, Catalog::none());
  EXPECT_EQ(d.indexes.size(), 1u);
  return d.indexes.empty() ? std::string() : d.indexes.front().ddl;
}

TEST(PlanAdviceWithQuery, FilterThenOrderByThenSelectedColumns) {
  EXPECT_EQ(suggested_ddl("SELECT id, status, total_amount FROM orders WHERE customer_id = 4242 "
                          "ORDER BY created_at DESC LIMIT 20"),
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_created_at_idx ON orders (customer_id, "
            "created_at DESC);");
}

// The plan's top-N Sort under its Limit gives the order by itself.
TEST(PlanAdviceWithQuery, WithoutQueryTextThePlansFilterAndTopNSort) {
  EXPECT_EQ(suggested_ddl(""),
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_created_at_idx ON orders "
            "(customer_id, created_at DESC);");
}

// The Sort Key the plan printed is what the rows were sorted by: a query text that says
// otherwise does not replace it.
TEST(PlanAdviceWithQuery, ThePlansSortKeyWinsOverTheQueryText) {
  EXPECT_EQ(suggested_ddl("SELECT id FROM orders WHERE customer_id = 4242 ORDER BY lower(status) LIMIT 20"),
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_created_at_idx ON orders (customer_id, "
            "created_at DESC);");
}

}  // namespace
}  // namespace pglens
