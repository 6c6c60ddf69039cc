// psql scripts read as psql reads them: what psql sends the server is what pglens parses.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sql/lexer.hpp"
#include "sql/parser.hpp"
#include "support/fixtures.hpp"
#include "support/psql_scripts.hpp"

namespace pglens::sql {
namespace {

std::vector<std::string> split(std::string_view text) { return test::lexed_statements(text); }

using Strings = std::vector<std::string>;

TEST(PsqlScripts, MetaCommandsEndTheStatementBeforeThemAndNeverSwallowTheNext) {
  EXPECT_EQ(split("SELECT count(*) AS n FROM t \\gset\nSELECT 2;"),
            (Strings{"SELECT count(*) AS n FROM t", "SELECT 2"}));
  EXPECT_EQ(split("SELECT 1 \\g out.txt\nSELECT 2 \\gx\nSELECT 3\n\\gexec\nSELECT 4 \\watch 5\nSELECT 5;"),
            (Strings{"SELECT 1", "SELECT 2", "SELECT 3", "SELECT 4", "SELECT 5"}));
  EXPECT_EQ(split("SELECT a, b, c FROM t \\crosstabview a b\nSELECT $1 \\gdesc\nSELECT 6;"),
            (Strings{"SELECT a, b, c FROM t", "SELECT $1", "SELECT 6"}));
  // Any other meta-command ends the statement too: a script that forgot its `;` loses one
  // statement, not two.
  EXPECT_EQ(split("SELECT 1\n\\echo done\nSELECT 2;"), (Strings{"SELECT 1", "SELECT 2"}));
  EXPECT_EQ(split("\\connect shop\n\\restrict abc123\nSET x = 1;\n\\unrestrict abc123\n"), (Strings{"SET x = 1"}));
  // A backslash inside quotes, comments and bodies is text.
  EXPECT_EQ(split("SELECT '\\g', E'\\\\', $$\\g$$ /* \\g */ FROM t;"),
            (Strings{"SELECT '\\g', E'\\\\', $$\\g$$ /* \\g */ FROM t"}));
}

TEST(PsqlScripts, BackslashSemicolonSeparatesStatements) {
  auto lexed = lex("SELECT 1 \\; SELECT 2 \\;SELECT 3;");
  ASSERT_EQ(lexed.statements.size(), 3u);
  EXPECT_EQ(split("SELECT 1 \\; SELECT 2 \\;SELECT 3;"), (Strings{"SELECT 1", "SELECT 2", "SELECT 3"}));
  // Without a `;` of its own, a statement ends where its text does.
  EXPECT_EQ(lexed.statements[0].end, lexed.statements[0].span.end);
}

TEST(PsqlScripts, CopyFromStdinDataRunsToBackslashDot) {
  std::string_view text =
      "COPY public.t (a, b) FROM stdin;\n1\tsemi;colon\n2\to'brien\n\\.\nSELECT 2;\n"
      "COPY t FROM STDIN WITH (FORMAT csv);\r\n3,\"x;y\"\r\n\\.\r\nSELECT 3;\n"
      "\\copy t from stdin\n4\t'\n\\.\nSELECT 4;\n"
      "COPY (SELECT 1 FROM t) TO stdout;\nSELECT 5;\n"
      "COPY t FROM '/tmp/data';\nSELECT 6;\n"
      "COPY t FROM stdin;\n5\tnever ended\n";
  EXPECT_EQ(split(text),
            (Strings{"COPY public.t (a, b) FROM stdin", "SELECT 2", "COPY t FROM STDIN WITH (FORMAT csv)", "SELECT 3",
                     "SELECT 4", "COPY (SELECT 1 FROM t) TO stdout", "SELECT 5", "COPY t FROM '/tmp/data'", "SELECT 6",
                     "COPY t FROM stdin"}));
  auto lexed = lex(text);
  EXPECT_TRUE(lexed.statements[0].copy_data);
  EXPECT_FALSE(lexed.statements[1].copy_data);
  EXPECT_FALSE(lexed.statements[5].copy_data);
  EXPECT_FALSE(lexed.statements[7].copy_data);
}

TEST(PsqlScripts, FindsVariablesWherePsqlSubstitutesThem) {
  std::string text = "SELECT :a, :'b', :\"c\", x::int, arr[1:n], f(p := 1), ':d', \":e\", $$:f$$ FROM :tbl";
  auto lexed = lex(text);
  ASSERT_EQ(lexed.statements.size(), 1u);
  ASSERT_TRUE(lexed.statements[0].psql_variables);
  std::vector<std::pair<std::string, PsqlVariable::Kind>> found;
  for (const auto& v : psql_variables(text, lexed.statements[0]))
    found.emplace_back(text.substr(v.span.begin, v.span.end - v.span.begin), v.kind);
  using K = PsqlVariable::Kind;
  EXPECT_EQ(found,
            (std::vector<std::pair<std::string, K>>{
                {":a", K::raw}, {":'b'", K::literal}, {":\"c\"", K::identifier}, {":tbl", K::raw}}));
  EXPECT_FALSE(lex("SELECT x::int, arr[1:n] FROM t").statements[0].psql_variables);
}

// What a rule sees of each statement: its kind, or its error.
Strings parsed(std::string_view text) {
  Parser parser;
  Strings out;
  parser.parse(text, lex(text).statements, [&](const Statement& st) {
    out.push_back(st.error ? "error: " + st.error->message : std::string(st.root.kind()));
  });
  return out;
}

TEST(PsqlScripts, ParseAsWhatPsqlSendsTheServer) {
  // Variables as values, literals and identifiers, the statements around meta-commands and
  // COPY data: all parse, in one chunk or alone.
  EXPECT_EQ(parsed("\\set n 3\nSELECT :n + 1, :'name' FROM :\"schema\".t WHERE id = :id \\gset\n"
                   "COPY t FROM stdin;\n1\t'\n\\.\nSELECT 1 \\; SELECT 2;\nCREATE TABLE :tbl (id int);\n"
                   "SELECT * FROM t LIMIT :max_rows;"),
            (Strings{"SelectStmt", "CopyStmt", "SelectStmt", "SelectStmt", "CreateStmt", "SelectStmt"}));
  // SQL that only looks like a variable parses as written.
  EXPECT_EQ(parsed("SELECT JSON_OBJECT('id':id) FROM t;"), (Strings{"SelectStmt"}));
  // A statement that does not parse with psql's text in place still reports its error.
  EXPECT_EQ(parsed("SELECT :a FROM WHERE \\g\nSELECT 2;"),
            (Strings{"error: syntax error at or near \"WHERE\"", "SelectStmt"}));
}

TEST(PsqlScripts, VariablesKeepTheirPositionsInTheFile) {
  std::string text = "SELECT id FROM orders WHERE region = :'region' AND status = :status;";
  Parser parser;
  std::vector<uint32_t> locations;
  parser.parse(text, lex(text).statements, [&](const Statement& st) {
    ASSERT_TRUE(st.root);
    auto visit = [&](auto& self, const Node& n) -> void {
      if ((n.is("A_Const") || n.is("ParamRef")) && n.location()) locations.push_back(*n.location());
      for_each_child(n, [&](const Node& c) { self(self, c); });
    };
    visit(visit, st.root);
  });
  ASSERT_EQ(locations.size(), 2u);
  EXPECT_EQ(locations[0], text.find("'region'"));
  EXPECT_EQ(locations[1], text.find(":status"));
}

// A pg_dump of a schema with data (pg_dump 15.20 -C, with its \restrict, \connect and COPY
// blocks): every table, key and index of it is in the catalog.
TEST(PsqlScripts, APgDumpWithDataGivesTheWholeSchema) {
  Catalog catalog = test::catalog_from_ddl(test::read_file(test::testdata("psql/pg-dump-with-data.sql")));
  const Table* orders = catalog.find_table("public", "orders");
  ASSERT_NE(orders, nullptr);
  const Index* pkey = orders->index("orders_pkey");
  ASSERT_NE(pkey, nullptr);
  EXPECT_TRUE(pkey->primary);
  EXPECT_NE(orders->index("orders_placed_at_idx"), nullptr);
  // The constraints that follow the COPY blocks.
  for (const char* name : {"customers", "order_items"}) {
    const Table* t = catalog.find_table("public", name);
    ASSERT_NE(t, nullptr) << name;
    EXPECT_NE(t->index(std::string(name) + "_pkey"), nullptr) << name;
  }
  EXPECT_NE(catalog.find_table("public", "customers")->index("customers_email_key"), nullptr);
  size_t foreign_keys = 0;
  for (const auto& c : orders->constraints) foreign_keys += c.kind == ConstraintKind::foreign_key;
  EXPECT_EQ(foreign_keys, 1u);
}

}  // namespace
}  // namespace pglens::sql
