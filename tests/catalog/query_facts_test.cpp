// Query facts against a catalog: the condition text rendered when it is read, the index that
// serves each filter (worked out once for all the rules), and the per-file table facts.
#include <gtest/gtest.h>

#include "catalog/query_facts.hpp"
#include "pglens/catalog.hpp"
#include "rules/api/sql_rule.hpp"
#include "sql/lexer.hpp"
#include "sql/parser.hpp"
#include "support/fixtures.hpp"

namespace pglens {
namespace {

constexpr std::string_view kSchema =
    "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, status text, created_at timestamptz);\n"
    "CREATE INDEX orders_customer_id_idx ON orders (customer_id);\n"
    "CREATE INDEX orders_created_pending_idx ON orders (created_at) WHERE status = 'pending';\n";

// Runs `check` on the facts of the one query in `sql`, while its tree lives.
template <class Check>
void with_facts(std::string_view sql, const Catalog& catalog, Check&& check) {
  sql::Parser parser;
  bool seen = false;
  parser.parse(sql, sql::lex(sql).statements, [&](const sql::Statement& st) {
    ASSERT_TRUE(st.root);
    check(catalog::analyze_query(st.root, catalog));
    seen = true;
  });
  EXPECT_TRUE(seen);
}

TEST(QueryFacts, ConditionTextIsRenderedWhenRead) {
  Catalog catalog = test::catalog_from_ddl(kSchema);
  with_facts("SELECT id FROM orders AS o WHERE o.status = 'pending' AND o.customer_id = $1", catalog,
             [](const catalog::QueryFacts& facts) {
               ASSERT_EQ(facts.conditions.size(), 2u);
               const catalog::ColumnPredicate& status = facts.conditions[0].predicate;
               EXPECT_TRUE(status.text.empty());  // nothing read it yet
               EXPECT_EQ(status.condition_text(), "status = 'pending'");
               EXPECT_EQ(status.text, "status = 'pending'");  // kept for the next reader
               EXPECT_TRUE(status.has_constant());
               const catalog::ColumnPredicate& customer = facts.conditions[1].predicate;
               EXPECT_EQ(customer.condition_text(), "customer_id = $1");
               EXPECT_FALSE(customer.has_constant());
             });
}

TEST(QueryFacts, ConditionTextComparedWithoutRenderingWhatCannotMatch) {
  Catalog catalog = test::catalog_from_ddl("CREATE TABLE t (\"Status\" text, kind text);");
  with_facts("SELECT 1 FROM t WHERE kind = 'a' AND \"Status\" = 'b'", catalog, [](const catalog::QueryFacts& facts) {
    ASSERT_EQ(facts.conditions.size(), 2u);
    const catalog::ColumnPredicate& kind = facts.conditions[0].predicate;
    EXPECT_FALSE(kind.condition_text_is("status = 'a'"));
    EXPECT_TRUE(kind.text.empty());  // another column's condition: not rendered
    EXPECT_FALSE(kind.condition_text_is("kind = 'b'"));
    EXPECT_TRUE(kind.condition_text_is("kind = 'a'"));
    const catalog::ColumnPredicate& status = facts.conditions[1].predicate;
    EXPECT_EQ(status.column, "Status");
    EXPECT_TRUE(status.condition_text_is("\"Status\" = 'b'"));
  });
}

TEST(QueryFacts, PredicateGivenAsTextIsReadAsGiven) {
  catalog::ColumnPredicate p;
  p.column = "status";
  p.op = catalog::PredicateOp::equality;
  p.text = "status = 'shipped'";
  p.constant = "'shipped'";
  EXPECT_EQ(p.condition_text(), "status = 'shipped'");
  EXPECT_TRUE(p.has_constant());
}

TEST(QueryFacts, FilterIndexIsTheIndexServingEachLookup) {
  Catalog catalog = test::catalog_from_ddl(kSchema);
  const Table* orders = catalog.find_table("", "orders");
  ASSERT_TRUE(orders);
  with_facts("SELECT id FROM orders WHERE customer_id = $1 AND created_at > now()", catalog,
             [&](const catalog::QueryFacts& facts) {
               ASSERT_EQ(facts.conditions.size(), 2u);
               EXPECT_EQ(facts.filter_index(0), orders->index("orders_customer_id_idx"));
               // The partial index on created_at needs status = 'pending', which this query lacks.
               EXPECT_EQ(facts.filter_index(1), nullptr);
               EXPECT_TRUE(facts.filter_served(0));
               EXPECT_EQ(facts.filter_request(0).predicates.size(), 2u);
             });
  with_facts("SELECT id FROM orders WHERE status = 'pending' AND created_at > $1", catalog,
             [&](const catalog::QueryFacts& facts) {
               ASSERT_EQ(facts.conditions.size(), 2u);
               EXPECT_EQ(facts.filter_index(1), orders->index("orders_created_pending_idx"));
               EXPECT_TRUE(facts.filter_served(0));
             });
  with_facts("SELECT id FROM orders WHERE status = 'shipped'", catalog, [&](const catalog::QueryFacts& facts) {
    ASSERT_EQ(facts.conditions.size(), 1u);
    EXPECT_EQ(facts.filter_index(0), nullptr);
    EXPECT_FALSE(facts.filter_served(0));
  });
}

TEST(QueryFactsCache, TableFactIsMadeOncePerTableAndType) {
  Catalog catalog = test::catalog_from_ddl("CREATE TABLE a (x int); CREATE TABLE b (y int);");
  const Table* a = catalog.find_table("", "a");
  const Table* b = catalog.find_table("", "b");
  ASSERT_TRUE(a && b);
  detail::QueryFactsCache cache;
  int made = 0;
  auto name_of = [&](const Table& t) {
    return [&made, &t] {
      ++made;
      return t.name;
    };
  };
  EXPECT_EQ(cache.table_fact<std::string>(*a, name_of(*a)), "a");
  EXPECT_EQ(cache.table_fact<std::string>(*a, name_of(*a)), "a");
  EXPECT_EQ(made, 1);
  cache.clear();  // a statement's query facts go; the table facts stay
  EXPECT_EQ(cache.table_fact<std::string>(*a, name_of(*a)), "a");
  EXPECT_EQ(made, 1);
  EXPECT_EQ(cache.table_fact<std::string>(*b, name_of(*b)), "b");
  EXPECT_EQ(made, 2);
  EXPECT_EQ(cache.table_fact<size_t>(*a,
                                     [&] {
                                       ++made;
                                       return a->columns.size();
                                     }),
            1u);
  EXPECT_EQ(made, 3);
}

}  // namespace
}  // namespace pglens
