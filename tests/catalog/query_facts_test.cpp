// Query facts against a catalog: the condition text rendered when it is read, the index that
// serves each filter (worked out once for all the rules), and the per-file table facts.
#include <fmt/format.h>
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

constexpr std::string_view kJoinSchema =
    "CREATE TABLE customers (customer_id bigint PRIMARY KEY, email text);\n"
    "CREATE TABLE orders (order_id bigint PRIMARY KEY, customer_id bigint, placed_at timestamptz);\n"
    "CREATE TABLE order_items (order_id bigint, product_id bigint, quantity int);\n";

// The join conditions of `facts` as "relation.column=other.column", in order.
std::vector<std::string> join_conditions(const catalog::QueryFacts& facts) {
  std::vector<std::string> out;
  for (const auto& c : facts.conditions)
    if (c.other_relation)
      out.push_back(facts.relations[c.relation].alias + "." + c.predicate.column + "=" +
                    facts.relations[*c.other_relation].alias + "." + c.other_column);
  return out;
}

TEST(QueryFactsJoins, UsingIsTheEqualityOnBothSides) {
  Catalog catalog = test::catalog_from_ddl(kJoinSchema);
  with_facts("SELECT quantity FROM orders o JOIN order_items oi USING (order_id) WHERE o.customer_id = $1", catalog,
             [](const catalog::QueryFacts& facts) {
               EXPECT_EQ(join_conditions(facts),
                         (std::vector<std::string>{"o.order_id=oi.order_id", "oi.order_id=o.order_id"}));
               const catalog::Condition& c = facts.conditions[0];
               EXPECT_TRUE(c.from_join);
               EXPECT_EQ(c.predicate.op, catalog::PredicateOp::equality);
               EXPECT_EQ(c.value, catalog::ValueKind::column);
               EXPECT_EQ(c.predicate.condition_text(), "order_id = oi.order_id");
               EXPECT_TRUE(facts.merged_join_columns);
             });
}

TEST(QueryFactsJoins, NaturalJoinMergesTheColumnsBothSidesHave) {
  Catalog catalog = test::catalog_from_ddl(kJoinSchema);
  with_facts("SELECT 1 FROM customers NATURAL JOIN orders NATURAL JOIN order_items", catalog,
             [](const catalog::QueryFacts& facts) {
               EXPECT_EQ(join_conditions(facts),
                         (std::vector<std::string>{
                             "customers.customer_id=orders.customer_id", "orders.customer_id=customers.customer_id",
                             "orders.order_id=order_items.order_id", "order_items.order_id=orders.order_id"}));
             });
  // An unknown relation's columns are not known: no condition is made up.
  with_facts("SELECT 1 FROM customers NATURAL JOIN mystery", catalog,
             [](const catalog::QueryFacts& facts) { EXPECT_TRUE(join_conditions(facts).empty()); });
}

TEST(QueryFactsJoins, ABareMergedColumnIsTheJoinsOwn) {
  Catalog catalog = test::catalog_from_ddl(kJoinSchema);
  // The merged order_id is the left side's; a RIGHT JOIN's is the right side's; a FULL
  // JOIN's is neither (COALESCE of both), and stays unresolved.
  for (auto [join, relation] : {std::pair<std::string_view, std::string_view>{"JOIN", "o"},
                                {"LEFT JOIN", "o"},
                                {"RIGHT JOIN", "oi"},
                                {"FULL JOIN", ""}}) {
    std::string sql =
        fmt::format("SELECT 1 FROM orders o {} order_items oi USING (order_id) WHERE order_id = $1", join);
    std::string expected(relation);
    with_facts(sql, catalog, [&](const catalog::QueryFacts& facts) {
      std::vector<std::string> filters;
      for (const auto& c : facts.conditions)
        if (!c.other_relation) filters.push_back(facts.relations[c.relation].alias + "." + c.predicate.column);
      if (expected.empty()) EXPECT_TRUE(filters.empty()) << sql;
      else EXPECT_EQ(filters, std::vector<std::string>{expected + ".order_id"}) << sql;
    });
  }
  // A third relation with the column makes the bare name ambiguous, as PostgreSQL says.
  with_facts("SELECT 1 FROM orders JOIN order_items USING (order_id), order_items x WHERE order_id = $1", catalog,
             [](const catalog::QueryFacts& facts) {
               for (const auto& c : facts.conditions) EXPECT_TRUE(c.other_relation.has_value());
             });
  // A USING of a USING: the left side's order_id is the first join's merged column.
  with_facts("SELECT 1 FROM orders a JOIN order_items b USING (order_id) JOIN order_items c USING (order_id)", catalog,
             [](const catalog::QueryFacts& facts) {
               EXPECT_EQ(join_conditions(facts),
                         (std::vector<std::string>{"a.order_id=b.order_id", "b.order_id=a.order_id",
                                                   "a.order_id=c.order_id", "c.order_id=a.order_id"}));
             });
}

TEST(QueryFactsJoins, AUsingConditionIsFoundAtItsNameInTheList) {
  Catalog catalog = test::catalog_from_ddl(kJoinSchema);
  std::string sql = "SELECT 1 FROM orders o\n  JOIN order_items AS oi using ( \"order_id\" , product_id)";
  with_facts(sql, catalog, [&](const catalog::QueryFacts& facts) {
    ASSERT_FALSE(facts.conditions.empty());
    Span at = catalog::condition_span(sql, facts.conditions[0]);
    EXPECT_EQ(sql.substr(at.begin, at.end - at.begin), "order_id");
  });
  std::string natural = "SELECT 1 FROM orders NATURAL JOIN order_items";
  with_facts(natural, catalog, [&](const catalog::QueryFacts& facts) {
    ASSERT_FALSE(facts.conditions.empty());
    Span at = catalog::condition_span(natural, facts.conditions[0]);
    EXPECT_EQ(natural.substr(at.begin, at.end - at.begin), "order_items");
  });
}

}  // namespace
}  // namespace pglens
