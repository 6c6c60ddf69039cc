#include <gtest/gtest.h>
#include <pg_query.h>

#include <filesystem>
#include <random>
#include <tuple>

#include "sql/lexer.hpp"
#include "support/fixtures.hpp"
#include "support/psql_scripts.hpp"

namespace pglens::sql {
namespace {

std::vector<std::string> split(std::string_view text) { return test::lexed_statements(text); }

TEST(Lexer, SplitsOnSemicolonsOutsideQuotesCommentsAndBodies) {
  EXPECT_EQ(split("SELECT 1; SELECT 2;"), (std::vector<std::string>{"SELECT 1", "SELECT 2"}));
  EXPECT_EQ(split("SELECT ';'; SELECT \"a;b\" FROM t"),
            (std::vector<std::string>{"SELECT ';'", "SELECT \"a;b\" FROM t"}));
  EXPECT_EQ(split("SELECT E'\\';' ; SELECT 2"), (std::vector<std::string>{"SELECT E'\\';'", "SELECT 2"}));
  EXPECT_EQ(split("CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql; SELECT 3"),
            (std::vector<std::string>{"CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql",
                                      "SELECT 3"}));
  EXPECT_EQ(split("SELECT $1, a$b FROM t; SELECT 2"), (std::vector<std::string>{"SELECT $1, a$b FROM t", "SELECT 2"}));
  EXPECT_EQ(split("/* a; /* nested; */ b; */ SELECT 1; -- c;\nSELECT 2"),
            (std::vector<std::string>{"SELECT 1", "SELECT 2"}));
  EXPECT_EQ(split("CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2); SELECT 3"),
            (std::vector<std::string>{"CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2)", "SELECT 3"}));
  EXPECT_EQ(split("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; "
                  "SELECT 2; END; SELECT 3"),
            (std::vector<std::string>{"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true "
                                      "THEN 1 END; SELECT 2; END",
                                      "SELECT 3"}));
  EXPECT_EQ(split("BEGIN; SELECT 1; COMMIT;"), (std::vector<std::string>{"BEGIN", "SELECT 1", "COMMIT"}));
}

TEST(Lexer, SkipsEmptyStatementsAndPsqlMetaCommands) {
  EXPECT_EQ(split(";;\n\\set ON_ERROR_STOP on\nSELECT 1;;"), (std::vector<std::string>{"SELECT 1"}));
}

TEST(Lexer, UnterminatedConstructsRunToTheEndWithoutCrashing) {
  for (std::string_view text : {"SELECT 'abc", "SELECT \"abc", "SELECT /* abc", "SELECT $$abc", "SELECT E'abc\\",
                                "SELECT $tag$ abc $ta", "'", "\"", "/*", "$$", "E'"}) {
    auto st = split(text);
    ASSERT_EQ(st.size(), 1u) << text;
    EXPECT_EQ(st[0], text);
  }
}

TEST(Lexer, FindsCommentsAndWhetherTheyStandOnTheirOwnLine) {
  std::string_view text = "-- head\nSELECT 1; -- tail\n  /* block */ SELECT '--not';";
  auto lexed = lex(text);
  ASSERT_EQ(lexed.comments.size(), 3u);
  EXPECT_TRUE(lexed.comments[0].own_line);
  EXPECT_FALSE(lexed.comments[1].own_line);
  EXPECT_TRUE(lexed.comments[2].own_line);
  EXPECT_EQ(text.substr(lexed.comments[2].span.begin, lexed.comments[2].span.end - lexed.comments[2].span.begin),
            "/* block */");
}

TEST(Lexer, CommentsExcludeCarriageReturn) {
  auto lexed = lex("SELECT 1; -- x\r\nSELECT 2;");
  ASSERT_EQ(lexed.comments.size(), 1u);
  EXPECT_EQ(lexed.comments[0].span.end - lexed.comments[0].span.begin, 4u);
}

// The lexer must agree with libpg_query's own scanner-based split on real SQL.
TEST(Lexer, AgreesWithPgQuerySplitOnEveryFixtureAndExample) {
  namespace fs = std::filesystem;
  size_t files = 0;
  for (const char* dir : {"testdata/sql", "examples"}) {
    for (auto& e : fs::recursive_directory_iterator(test::source_dir() / dir)) {
      if (e.path().extension() != ".sql") continue;
      std::string text = test::read_file(e.path());
      auto ours = lex(text).statements;
      // The scanner splits a BEGIN ATOMIC body at its `;`s; the parser's split does not.
      PgQuerySplitResult theirs = text.find("BEGIN ATOMIC") != std::string::npos
          ? pg_query_split_with_parser(text.c_str())
          : pg_query_split_with_scanner(text.c_str());
      if (theirs.error) {  // e.g. an unterminated string: the scanner gives up, we do not
        pg_query_free_split_result(theirs);
        continue;
      }
      std::vector<std::string> a, b;
      for (const auto& s : ours) a.push_back(text.substr(s.span.begin, s.span.end - s.span.begin));
      for (int i = 0; i < theirs.n_stmts; ++i) {
        std::string s = text.substr(theirs.stmts[i]->stmt_location, theirs.stmts[i]->stmt_len);
        // libpg_query's statements start after the previous `;`: drop leading blanks/comments.
        auto own = lex(s).statements;
        if (own.empty()) continue;
        b.push_back(s.substr(own.front().span.begin, own.back().span.end - own.front().span.begin));
      }
      pg_query_free_split_result(theirs);
      EXPECT_EQ(a, b) << e.path();
      ++files;
    }
  }
  EXPECT_GT(files, 3u);
}

// A lex as comparable values.
std::vector<std::tuple<uint32_t, uint32_t, uint32_t, int>> flat(const Lexed& l) {
  std::vector<std::tuple<uint32_t, uint32_t, uint32_t, int>> out;
  for (const auto& s : l.statements)
    out.emplace_back(s.span.begin, s.span.end, s.end, 2 + 2 * s.psql_variables + 4 * s.copy_data);
  for (const auto& c : l.comments) out.emplace_back(c.span.begin, c.span.end, 0, c.own_line);
  return out;
}

// Re-lexing after an edit from the lex before it equals lexing the edited text, whatever
// the edit: on every fixture, random snippets (quotes, comments, dollar quotes, `;`,
// parentheses, BEGIN ATOMIC) inserted, and ranges deleted, anywhere; and an edit in the
// middle of a long text re-lexes little of it.
TEST(Relex, EqualsALexOfTheEditedText) {
  static const std::vector<std::string> snippets = {";",
                                                    "'",
                                                    "\"",
                                                    "--",
                                                    "/*",
                                                    "*/",
                                                    "$$",
                                                    "$a$",
                                                    "(",
                                                    ")",
                                                    "\n",
                                                    " ",
                                                    "e'\\'",
                                                    "\\set x\n",
                                                    "BEGIN ATOMIC ",
                                                    " END;",
                                                    "SELECT 1;",
                                                    "é",
                                                    "-- c\n",
                                                    "CASE ",
                                                    "x",
                                                    "\\g\n",
                                                    "\\;",
                                                    ":v",
                                                    ":'v'",
                                                    "[",
                                                    "]",
                                                    "COPY t FROM stdin;\n",
                                                    "\\.\n",
                                                    "\\copy t from stdin\n"};
  std::mt19937 random(11);
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(random); };
  size_t edits = 0;
  auto paths = test::sql_fixture_files();
  for (const auto& script : test::psql_script_files()) paths.push_back(script);
  for (const auto& path : paths) {
    std::string text = test::read_file(path);
    Lexed lexed = lex(text);
    for (int step = 0; step < 500; ++step) {
      std::string edited = text;
      size_t at = pick(edited.size() + 1);
      if (pick(3) == 0) edited.erase(at, 1 + pick(30));
      else edited.insert(at, snippets[pick(snippets.size())]);
      size_t prefix = 0, suffix = 0;
      while (prefix < text.size() && prefix < edited.size() && text[prefix] == edited[prefix]) ++prefix;
      while (suffix < std::min(text.size(), edited.size()) - prefix &&
             text[text.size() - 1 - suffix] == edited[edited.size() - 1 - suffix])
        ++suffix;
      Relexed again = relex(edited, lexed, text.size(), prefix, suffix);
      Lexed fresh = lex(edited);
      ASSERT_EQ(flat(again.lexed), flat(fresh)) << path << " step " << step << "\n" << edited;
      ASSERT_LE(again.kept_front + again.kept_back, fresh.statements.size());
      if (step % 2) {
        text = std::move(edited);
        lexed = std::move(fresh);
      }
      ++edits;
    }
  }
  EXPECT_GT(edits, 1000u);

  std::string long_text;
  for (int i = 0; i < 1000; ++i) long_text += "SELECT " + std::to_string(i) + " FROM t; -- note\n";
  Lexed before = lex(long_text);
  std::string edited = long_text;
  size_t at = long_text.find("SELECT 500 ");
  edited.insert(at + 7, "1");
  Relexed again = relex(edited, before, long_text.size(), at + 7, long_text.size() - at - 7);
  EXPECT_EQ(flat(again.lexed), flat(lex(edited)));
  EXPECT_EQ(again.kept_front, 500u);
  EXPECT_EQ(again.kept_back, 499u);
}

TEST(TokenEnd, CoversQualifiedNamesAndStars) {
  EXPECT_EQ(token_end("o.* FROM", 0), 3u);
  EXPECT_EQ(token_end("\"My T\".col x", 0), 10u);
  EXPECT_EQ(token_end("* FROM", 0), 1u);
  EXPECT_EQ(token_end("abc", 5), 3u);
}

TEST(TokenEnd, CoversStringLiterals) {
  EXPECT_EQ(token_end("'signup') x", 0), 8u);
  EXPECT_EQ(token_end("'it''s' x", 0), 7u);
  EXPECT_EQ(token_end("'open", 0), 5u);  // unterminated: to the end
}

}  // namespace
}  // namespace pglens::sql
