// The SQL of function bodies: found where the file has it, linted at its own line and
// column, parameters read as values, suppressions honoured, no fix edits what it cannot.
#include <gtest/gtest.h>

#include <algorithm>

#include "pglens/lint.hpp"
#include "sql/lexer.hpp"
#include "sql/parser.hpp"
#include "sql/routine_body.hpp"
#include "support/fixtures.hpp"

namespace pglens {
namespace {

constexpr std::string_view kSchema =
    "CREATE TABLE invoices (id bigint PRIMARY KEY, account_id bigint NOT NULL, status text NOT NULL,\n"
    "                       due_on date NOT NULL, created_at timestamptz NOT NULL);\n"
    "CREATE INDEX invoices_created_at_idx ON invoices (created_at);\n";

// The body of the one CREATE FUNCTION in `text`, as the linter finds it.
std::optional<sql::RoutineBody> body_of(const std::string& text) {
  sql::Parser parser;
  std::optional<sql::RoutineBody> out;
  parser.parse(text, sql::lex(text).statements, [&](const sql::Statement& st) {
    if (st.root.is("CreateFunctionStmt")) out = sql::routine_body(st.root, text, st.span);
  });
  return out;
}

SourceFile source(const std::string& text) {
  SourceFile file;
  DecodeError error;
  EXPECT_TRUE(decode_source("functions.sql", text, file, error));
  return file;
}

// The schema's catalog with invoices known to be large.
Catalog large_invoices() {
  Catalog catalog = test::catalog_from_ddl(kSchema);
  if (Table* invoices = catalog.find_table("", "invoices")) invoices->size.rows = 30e6;
  return catalog;
}

Config assume_large() {
  Config config;
  config.assume_large = true;
  return config;
}

std::vector<Diagnostic> lint(const std::string& text) {
  return Linter(assume_large()).lint(source(text), large_invoices());
}

std::vector<std::string> positions(const std::string& text, const std::vector<Diagnostic>& ds, std::string_view rule) {
  LineIndex lines(text);
  std::vector<std::string> out;
  for (const auto& d : ds) {
    if (d.rule != rule) continue;
    auto p = lines.position(d.span.begin);
    out.push_back(std::to_string(p.line) + ":" + std::string(text.substr(d.span.begin, d.span.end - d.span.begin)));
  }
  return out;
}

TEST(RoutineBody, PlpgsqlStatementsLieWhereTheBodyWritesThem) {
  std::string text =
      "CREATE FUNCTION close_account(p_account bigint) RETURNS integer\n"
      "    LANGUAGE plpgsql\n"
      "    AS $body$\n"
      "DECLARE\n"
      "    v_open bigint;\n"
      "    r record;\n"
      "BEGIN\n"
      "    perform pg_advisory_xact_lock(p_account);\n"
      "    SELECT count(*) INTO STRICT v_open FROM invoices WHERE account_id = p_account;\n"
      "    FOR r IN SELECT id FROM invoices WHERE status = 'void' LOOP\n"
      "        DELETE FROM invoices WHERE id = r.id;\n"
      "    END LOOP;\n"
      "    EXECUTE 'VACUUM invoices';\n"
      "    EXECUTE format('DELETE FROM %I', 'invoices');\n"
      "    IF v_open > 0 THEN RETURN v_open; END IF;\n"
      "    RETURN 0;\n"
      "END;\n"
      "$body$;\n";
  auto body = body_of(text);
  ASSERT_TRUE(body);
  EXPECT_TRUE(body->dollar_quoted);
  EXPECT_EQ(body->dollar_tag, "$body$");
  for (std::string_view v : {"p_account", "v_open", "r"})
    EXPECT_NE(std::find(body->variables.begin(), body->variables.end(), v), body->variables.end()) << v;
  // PERFORM, SELECT INTO, the loop's query, the DELETE in it, the constant EXECUTE; not the
  // EXECUTE of a string built at run time, nor the IF's and RETURN's expressions.
  ASSERT_EQ(body->sql.size(), 5u);
  std::vector<std::string> written;
  for (const auto& piece : body->sql) {
    std::string_view there = std::string_view(text).substr(piece.offset, piece.text.size());
    // Byte for byte, except PERFORM (run as SELECT) and the blanked INTO.
    size_t differing = 0;
    for (size_t i = 0; i < there.size(); ++i) differing += there[i] != piece.text[i];
    EXPECT_LE(differing, std::string_view("perform INTO STRICT v_open").size()) << piece.text;
    written.emplace_back(there.substr(0, there.find(' ')));
    EXPECT_TRUE(piece.rows_stay_in_server);
  }
  EXPECT_EQ(written, (std::vector<std::string>{"perform", "SELECT", "SELECT", "DELETE", "VACUUM"}));
  EXPECT_EQ(body->sql[0].text.substr(0, 7), "SELECT ");
  EXPECT_EQ(body->sql[1].text.find("INTO"), std::string::npos);
  EXPECT_TRUE(body->sql[4].in_string);
}

TEST(RoutineBody, OnlyBodiesWrittenAsTheServerReadsThemAreTaken) {
  // SQL in '...' without doubled quotes lies verbatim in the file; with them it does not.
  auto plain = body_of("CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT a + 1';");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->dollar_quoted);
  EXPECT_EQ(plain->variables, std::vector<std::string>{"a"});
  EXPECT_FALSE(body_of("CREATE FUNCTION f() RETURNS text LANGUAGE sql AS 'SELECT ''x''';"));
  EXPECT_FALSE(body_of("CREATE FUNCTION f() RETURNS int LANGUAGE c AS 'mylib', 'f';"));
  EXPECT_FALSE(body_of("CREATE FUNCTION f() RETURNS int LANGUAGE plperl AS $$ return 1; $$;"));
  // BEGIN ATOMIC is in the statement's own tree.
  EXPECT_FALSE(body_of("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;"));
  // A PL/pgSQL body PostgreSQL would refuse gives nothing to check.
  EXPECT_FALSE(body_of("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN QUERY SELECT 1; END $$;"));
}

TEST(RoutineBody, ADoBlocksStatementsLieWhereTheBlockWritesThem) {
  std::string text =
      "SELECT 1;\n"
      "DO $migrate$\n"
      "DECLARE n int;\n"
      "BEGIN\n"
      "    IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'users_email_idx') THEN\n"
      "        CREATE INDEX users_email_idx ON users (email);\n"
      "    END IF;\n"
      "    EXECUTE 'ALTER TABLE users ADD COLUMN locale text';\n"
      "END\n"
      "$migrate$;\n";
  sql::Parser parser;
  std::optional<sql::RoutineBody> body;
  parser.parse(text, sql::lex(text).statements, [&](const sql::Statement& st) {
    if (st.root.is("DoStmt")) body = sql::do_body(st.root, text);
  });
  ASSERT_TRUE(body);
  EXPECT_EQ(body->dollar_tag, "$migrate$");
  EXPECT_NE(std::find(body->variables.begin(), body->variables.end(), "n"), body->variables.end());
  // The IF's condition is an expression, not a statement it runs.
  ASSERT_EQ(body->sql.size(), 2u);
  for (const auto& piece : body->sql)
    EXPECT_EQ(std::string_view(text).substr(piece.offset, piece.text.size()), piece.text);
  EXPECT_EQ(body->sql[0].text, "CREATE INDEX users_email_idx ON users (email)");
  EXPECT_TRUE(body->sql[1].in_string);
  // Another language, or a block PostgreSQL refuses: nothing.
  for (std::string other : {"DO LANGUAGE plperl $$ 1; $$;", "DO $$ BEGIN ALTER TABLE t ADD c int; $$;"}) {
    std::optional<sql::RoutineBody> none;
    parser.parse(other, sql::lex(other).statements, [&](const sql::Statement& st) {
      if (st.root.is("DoStmt")) none = sql::do_body(st.root, other);
    });
    EXPECT_FALSE(none) << other;
  }
}

TEST(RoutineBodyLint, FindingsAreAtTheirLineAndColumnInTheFile) {
  std::string text = std::string(kSchema) +
      "CREATE FUNCTION unpaid(p_account bigint) RETURNS bigint\n"  // line 4
      "    LANGUAGE sql STABLE\n"
      "    AS $$\n"
      "  SELECT count(*) FROM invoices\n"
      "   WHERE account_id = p_account;\n"  // line 8
      "$$;\n"
      "CREATE PROCEDURE expire(p_day date)\n"  // line 10
      "    LANGUAGE plpgsql\n"
      "    AS $$\n"
      "BEGIN\n"
      "    PERFORM 1 FROM invoices WHERE due_on = p_day;\n"  // line 14
      "    UPDATE invoices SET status = 'expired' WHERE date_trunc('day', created_at) = p_day;\n"
      "END\n"
      "$$;\n";
  auto ds = lint(text);
  EXPECT_EQ(positions(text, ds, "missing-index-filter"), (std::vector<std::string>{"8:account_id", "14:due_on"}));
  EXPECT_EQ(positions(text, ds, "non-sargable-predicate"),
            (std::vector<std::string>{"15:date_trunc('day', created_at) = p_day"}));
}

TEST(RoutineBodyLint, ParametersAreValuesNotColumns) {
  // With `p_account` read as a column, `account_id = p_account` would compare two columns of
  // invoices and no index would be asked for.
  std::string text =
      "CREATE FUNCTION a(p_account bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT id FROM invoices WHERE account_id "
      "= p_account $$;\n"
      "CREATE FUNCTION b(bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT id FROM invoices WHERE account_id = $1 $$;\n"
      "CREATE FUNCTION c(p_account bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT id FROM invoices i WHERE "
      "i.account_id = c.p_account $$;\n"
      // A parameter named like a column is the column: `status = status` looks nothing up.
      "CREATE FUNCTION d(status text) RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM invoices WHERE due_on = "
      "status::date AND status = status $$;\n";
  auto found = positions(text, lint(text), "missing-index-filter");
  EXPECT_EQ(found, (std::vector<std::string>{"1:account_id", "2:account_id", "3:i.account_id"}));
}

TEST(RoutineBodyLint, SuppressionCommentsInsideABodyWork) {
  std::string text =
      "CREATE FUNCTION nightly() RETURNS void LANGUAGE plpgsql AS $$\n"
      "BEGIN\n"
      "    -- pglens-ignore: missing-index-filter  (nightly, off-peak)\n"
      "    DELETE FROM invoices WHERE due_on < now() - interval '7 years';\n"
      "    DELETE FROM invoices WHERE status = 'void' AND due_on < now() - interval '1 year';  -- pglens-ignore: "
      "missing-index-filter\n"
      "    -- pglens-ignore: select-star\n"
      "    PERFORM 1;\n"
      "END $$;\n";
  auto ds = lint(text);
  EXPECT_TRUE(positions(text, ds, "missing-index-filter").empty());
  // The stale one is reported where it is written.
  EXPECT_EQ(positions(text, ds, "unused-ignore"), (std::vector<std::string>{"6:select-star"}));
}

TEST(RoutineBodyLint, NoFixEditsABodyUnlessSafeThere) {
  std::string text =
      "CREATE FUNCTION day_total(p_day timestamptz) RETURNS bigint LANGUAGE sql AS $$\n"
      "  SELECT count(*) FROM invoices WHERE date_trunc('day', created_at) = p_day\n"
      "$$;\n";
  auto ds = lint(text);
  ASSERT_EQ(positions(text, ds, "non-sargable-predicate").size(), 1u);
  // The range rewrite is unsafe (it assumes the session's time zone): even with unsafe fixes
  // on, the body is left as written.
  EXPECT_EQ(apply_fixes(text, ds, /*include_unsafe=*/true).text, text);
}

TEST(RoutineBodyLint, RowsPlpgsqlKeepDoNotGoToTheClient) {
  std::string text =
      "CREATE FUNCTION f() RETURNS SETOF invoices LANGUAGE plpgsql AS $$\n"
      "DECLARE r record; n bigint;\n"
      "BEGIN\n"
      "    SELECT id INTO n FROM invoices;\n"
      "    FOR r IN SELECT id FROM invoices LOOP END LOOP;\n"
      "    RETURN QUERY SELECT * FROM invoices;\n"
      "END $$;\n";
  auto ds = lint(text);
  // Only RETURN QUERY hands every row to the caller; `*` there is the declared row type.
  EXPECT_EQ(positions(text, ds, "unbounded-select"), (std::vector<std::string>{"6:invoices"}));
  EXPECT_TRUE(positions(text, ds, "select-star").empty());
}

TEST(RoutineBodyLint, TheEditorsIncrementalLintGivesTheSameFindings) {
  std::string text = std::string(kSchema) +
      "SELECT 1;\n"
      "CREATE FUNCTION g(p bigint) RETURNS bigint LANGUAGE sql AS $$\n"
      "  -- pglens-ignore: non-sargable-predicate\n"
      "  SELECT id FROM invoices WHERE date_trunc('day', created_at) = now();\n"
      "  SELECT id FROM invoices WHERE account_id = p;\n"
      "$$;\n";
  SourceFile file = source(text);
  Catalog catalog = large_invoices();
  Linter linter(assume_large());
  auto whole = linter.lint(file, catalog);
  LintCache cache;
  (void)linter.lint(file, catalog, cache);
  file.text.insert(file.text.find("SELECT 1;"), "SELECT 2;\n");  // the function moves down a line
  auto incremental = linter.lint(file, catalog, cache);
  EXPECT_EQ(positions(file.text, incremental, "missing-index-filter"), (std::vector<std::string>{"9:account_id"}));
  EXPECT_TRUE(positions(file.text, incremental, "non-sargable-predicate").empty());
  EXPECT_EQ(incremental.size(), whole.size());
}

}  // namespace
}  // namespace pglens
