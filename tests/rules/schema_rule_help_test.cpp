// The rewrites the schema-aware rules put in their help: SQL a person can paste.
#include <gtest/gtest.h>

#include "pglens/lint.hpp"

namespace pglens {
namespace {

// Lints `queries` against the catalog of `ddl` under `toml`; the findings of `rule`.
std::vector<Diagnostic> findings(const std::string& ddl, const std::string& queries, const std::string& toml,
                                 std::string_view rule) {
  Config config;
  EXPECT_FALSE(parse_config(toml, "t.toml", config));
  Catalog catalog;
  load_ddl(catalog, ddl, "schema.sql");
  catalog.apply_hints(config, "t.toml");
  SourceFile f;
  DecodeError e;
  EXPECT_TRUE(decode_source("t.sql", queries, f, e));
  std::vector<Diagnostic> out;
  for (auto& d : Linter(config).lint(f, catalog))
    if (d.rule == rule) out.push_back(std::move(d));
  return out;
}

const std::string kShop =
    "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id),\n"
    "  status text NOT NULL, total_amount numeric(12,2) NOT NULL, quantity integer NOT NULL,\n"
    "  created_at timestamptz NOT NULL);\n"
    "CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL);\n";
const std::string kSizes = "[tables.\"public.orders\"]\nrows = 50_000_000\n[tables.\"public.customers\"]\nrows = 900\n";

// The help of the one finding of `rule` on `query` (against the shop at its sizes).
std::string help_of(const std::string& query, std::string_view rule) {
  auto ds = findings(kShop, query, kSizes, rule);
  EXPECT_EQ(ds.size(), 1u) << query;
  return ds.empty() ? std::string() : ds[0].help_text;
}

TEST(UnboundedSelectHelp, PagesByThePrimaryKey) {
  auto ds = findings(kShop, "SELECT id, status\n  FROM orders o;\n", kSizes, "unbounded-select");
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_NE(ds[0].message.find("`orders` has 50 M rows"), std::string::npos) << ds[0].message;
  EXPECT_NE(ds[0].help_text.find("`SELECT id, status FROM orders o WHERE o.id > $1 ORDER BY o.id LIMIT 1000;`"),
            std::string::npos)
      << ds[0].help_text;
}

TEST(UnboundedSelectHelp, NoPagedRewriteWhereAppendedTextWouldBeWrong) {
  for (const char* q : {"SELECT id, status FROM orders LIMIT ALL;", "SELECT id, status FROM orders ORDER BY status;",
                        "SELECT id, status FROM orders FOR UPDATE;"}) {
    std::string help = help_of(q, "unbounded-select");
    EXPECT_EQ(help.find("Paged:"), std::string::npos) << q << ": " << help;
  }
}

TEST(InAppAggregationHelp, TheAggregateKeepsTheWhereAsWritten) {
  std::string help = help_of(
      "SELECT total_amount, quantity\n  FROM orders\n WHERE status = 'paid  now'\n   AND created_at >= $1\n"
      " ORDER BY created_at;\n",
      "in-app-aggregation");
  EXPECT_NE(help.find("`SELECT count(*), sum(total_amount), sum(quantity) FROM orders "
                      "WHERE status = 'paid  now' AND created_at >= $1;`"),
            std::string::npos)
      << help;
}

TEST(InAppAggregationHelp, GroupsByTheForeignKeysItReturned) {
  std::string help =
      help_of("SELECT customer_id, total_amount FROM orders o WHERE o.created_at >= $1;", "in-app-aggregation");
  EXPECT_NE(help.find("`SELECT customer_id, count(*), sum(total_amount) FROM orders o "
                      "WHERE o.created_at >= $1 GROUP BY customer_id;`"),
            std::string::npos)
      << help;
}

TEST(InAppAggregationHelp, ACommentInTheWhereFallsBackToCanonicalText) {
  std::string help =
      help_of("SELECT total_amount FROM orders WHERE status = 'paid' -- settled\n;", "in-app-aggregation");
  EXPECT_NE(help.find("FROM orders WHERE status = 'paid';`"), std::string::npos) << help;
}

// One finding per query: unbounded-select leaves aggregation-shaped queries to in-app-aggregation,
// unless that rule is off.
TEST(UnboundedSelectHelp, LeavesAggregationShapedQueriesToInAppAggregation) {
  const std::string q = "SELECT total_amount FROM orders;";
  EXPECT_TRUE(findings(kShop, q, kSizes, "unbounded-select").empty());
  EXPECT_EQ(findings(kShop, q, kSizes, "in-app-aggregation").size(), 1u);
  std::string off = kSizes + "[rules.in-app-aggregation]\nseverity = \"off\"\n";
  EXPECT_EQ(findings(kShop, q, off, "unbounded-select").size(), 1u);
  std::string higher = kSizes + "[rules.in-app-aggregation]\nlarge-table-rows = 100_000_000\n";
  EXPECT_EQ(findings(kShop, q, higher, "unbounded-select").size(), 1u);
}

}  // namespace
}  // namespace pglens
