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
    auto ds = findings(kShop, q, kSizes, "unbounded-select");
    ASSERT_EQ(ds.size(), 1u) << q;
    EXPECT_EQ(ds[0].help_text.find("Paged:"), std::string::npos) << q << ": " << ds[0].help_text;
  }
}

}  // namespace
}  // namespace pglens
