// Every fix pglens offers on the SQL fixtures leaves SQL that PostgreSQL parses; every safe
// one, on the throwaway server with the fixture's own schema, leaves a statement that
// describes exactly as before (the columns' names and types: what psql's \gdesc shows).
#include <gtest/gtest.h>

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "pglens/lint.hpp"
#include "sql/lexer.hpp"
#include "sql/parser.hpp"
#include "support/fixtures.hpp"
#include "support/pg_cluster.hpp"

namespace pglens {
namespace {

size_t syntax_errors(std::string_view text) {
  sql::Parser parser;
  size_t errors = 0;
  parser.parse(text, sql::lex(text).statements, [&](const sql::Statement& st) {
    if (st.error && !st.error->too_deep) ++errors;
  });
  return errors;
}

struct Fixture {
  std::filesystem::path path;
  SourceFile file;
  std::vector<Diagnostic> diagnostics;
};

// A fixture linted as `pglens lint` lints it: against the catalog of its own DDL.
Fixture lint_fixture(const std::filesystem::path& path) {
  Fixture f;
  f.path = path;
  DecodeError e;
  EXPECT_TRUE(decode_source(path.string(), test::read_file(path), f.file, e)) << path;
  Catalog catalog = test::catalog_from_ddl(f.file.text);
  f.diagnostics = Linter{Config{}}.lint(f.file, catalog);
  return f;
}

TEST(FixProperty, EveryFixOfEveryFixtureLeavesSqlThatParses) {
  size_t fixes = 0;
  for (const auto& path : test::sql_fixture_files()) {
    Fixture f = lint_fixture(path);
    size_t before = syntax_errors(f.file.text);
    for (const auto& d : f.diagnostics) {
      if (!d.fix_value) continue;
      ++fixes;
      auto after = apply_fixes(f.file.text, {d}, true);
      EXPECT_LE(syntax_errors(after.text), before)
          << path << ": the fix of " << d.rule << " (" << d.fix_value->description << ") breaks the SQL:\n"
          << after.text;
    }
  }
  EXPECT_GT(fixes, 5u);
}

// The statement's result columns as the server describes them, or nullopt when it cannot
// prepare it (an object the fixture never creates).
std::optional<std::string> describe(PGconn* conn, const std::string& statement) {
  std::unique_ptr<PGresult, decltype(&PQclear)> prepared(PQprepare(conn, "", statement.c_str(), 0, nullptr), PQclear);
  if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) return std::nullopt;
  std::unique_ptr<PGresult, decltype(&PQclear)> desc(PQdescribePrepared(conn, ""), PQclear);
  if (PQresultStatus(desc.get()) != PGRES_COMMAND_OK) return std::nullopt;
  std::string out;
  for (int i = 0; i < PQnfields(desc.get()); ++i)
    out += std::string(PQfname(desc.get(), i)) + ":" + std::to_string(PQftype(desc.get(), i)) + " ";
  return out;
}

bool starts_like_ddl(std::string_view statement) {
  size_t i = 0;
  while (i < statement.size() && std::isspace(static_cast<unsigned char>(statement[i]))) ++i;
  std::string head;
  for (; i < statement.size() && std::isalpha(static_cast<unsigned char>(statement[i])) && head.size() < 6; ++i)
    head += static_cast<char>(std::toupper(static_cast<unsigned char>(statement[i])));
  return head == "CREATE" || head == "ALTER";
}

TEST(FixProperty, EverySafeFixDescribesAsTheStatementItReplaces) {
  PGLENS_REQUIRE_CLUSTER(pg);
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(pg->conninfo().c_str()), PQfinish);
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  auto exec = [&](const std::string& sql) {
    std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn.get(), sql.c_str()), PQclear);
    return PQresultStatus(r.get()) == PGRES_COMMAND_OK || PQresultStatus(r.get()) == PGRES_TUPLES_OK;
  };
  size_t compared = 0, n = 0;
  for (const auto& path : test::sql_fixture_files()) {
    Fixture f = lint_fixture(path);
    std::string schema = "fix_property_" + std::to_string(n++);
    ASSERT_TRUE(exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema +
                     "; SET search_path = " + schema + ", public"));
    sql::Lexed lexed = sql::lex(f.file.text);
    for (const auto& st : lexed.statements) {
      std::string text = f.file.text.substr(st.span.begin, st.end - st.span.begin);
      if (starts_like_ddl(text)) exec(text);  // what fails (an extension, a role) leaves its statements undescribed
    }
    for (const auto& d : f.diagnostics) {
      if (!d.fix_value || !d.fix_value->safe) continue;
      // The statement holding every edit, before and after the fix.
      const Span first = d.fix_value->edits.front().span;
      auto holder = std::find_if(lexed.statements.begin(), lexed.statements.end(), [&](const sql::StatementSpan& s) {
        return s.span.begin <= first.begin && first.end <= s.end;
      });
      if (holder == lexed.statements.end()) continue;  // a comment between statements: nothing to describe
      std::string before = f.file.text.substr(holder->span.begin, holder->span.end - holder->span.begin);
      Diagnostic local = d;
      bool inside = true;
      for (auto& e : local.fix_value->edits) {
        inside = inside && holder->span.begin <= e.span.begin && e.span.end <= holder->span.end;
        e.span = {e.span.begin - holder->span.begin, e.span.end - holder->span.begin};
      }
      if (!inside) continue;  // a trailing comment: the parse test covers it
      std::string after = apply_fixes(before, {local}, false).text;
      auto described = describe(conn.get(), before);
      if (!described) continue;
      ++compared;
      EXPECT_EQ(describe(conn.get(), after), described)
          << path << ": the fix of " << d.rule << " changes what the statement returns\nbefore: " << before
          << "\nafter:  " << after;
    }
  }
  exec("RESET search_path");
  EXPECT_GT(compared, 0u);
}

}  // namespace
}  // namespace pglens
