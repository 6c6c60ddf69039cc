// Every DDL pglens suggests for the SQL fixtures runs on PostgreSQL: each fixture's own
// schema is made on the throwaway server (in a schema of this test's), then each suggested
// statement is run there, one at a time (CREATE INDEX CONCURRENTLY runs outside a
// transaction). A suggestion that fails (an index on a column the table lacks, an expression
// that is not IMMUTABLE, a name given twice, text that is no SQL) fails the test.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "pglens/lint.hpp"
#include "sql/lexer.hpp"
#include "support/fixtures.hpp"
#include "support/pg_cluster.hpp"

namespace pglens {
namespace {

namespace fs = std::filesystem;

// The statements of a text, one string each, as lexed.
std::vector<std::string> statements(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& st : sql::lex(text).statements)
    out.push_back(text.substr(st.span.begin, st.span.end - st.span.begin));
  return out;
}

bool is_schema_statement(const std::string& statement) {
  std::string head;
  for (char ch : statement.substr(0, 8)) head += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return head.starts_with("CREATE") || head.starts_with("ALTER") || head.starts_with("DROP");
}

class SuggestedDdlLive : public ::testing::Test {
 protected:
  void TearDown() override {
    if (pg_) reset();
  }
  // This test's own schemas, gone; the session as it was.
  void reset() {
    for (const auto& s : schemas_) pg_->exec("DROP SCHEMA IF EXISTS " + s + " CASCADE");
    for (const auto& t : public_tables_) pg_->exec("DROP TABLE IF EXISTS public." + t + " CASCADE");
    public_tables_.clear();
    pg_->exec("RESET search_path");
  }
  test::PgCluster* pg_ = nullptr;
  std::set<std::string> schemas_{"pglens_suggested"};
  std::set<std::string> public_tables_;  // a pg_dump-style fixture names `public.t`: made there, dropped after
};

TEST_F(SuggestedDdlLive, EveryIndexAndDdlSuggestedForTheFixturesRuns) {
  PGLENS_REQUIRE_CLUSTER(pg);
  pg_ = pg;
  // The trigram suggestions need pg_trgm, wherever an earlier test of this process put it.
  pg->exec("RESET search_path; CREATE EXTENSION IF NOT EXISTS pg_trgm");
  std::string extension_schema =
      pg->column("SELECT extnamespace::regnamespace FROM pg_extension WHERE extname = 'pg_trgm'").at(0);
  size_t applied = 0;
  for (const fs::path& path : test::sql_fixture_files()) {
    SCOPED_TRACE(path.string());
    SourceFile file;
    DecodeError err;
    ASSERT_TRUE(decode_source(path.string(), test::read_file(path), file, err));
    Config config;
    fs::path toml = path;
    toml.replace_extension(".toml");
    if (fs::exists(toml)) { ASSERT_FALSE(load_config(toml, config)); }
    Catalog catalog;
    ASSERT_FALSE(build_catalog(config, {.extra_ddl = {path}, .db_url = {}, .use_environment = false}, catalog));
    std::vector<std::string> suggested;
    for (const auto& d : Linter(config).lint(file, catalog))
      if (!d.ddl_text.empty()) suggested.push_back(d.ddl_text);
    if (suggested.empty()) continue;

    // The fixture's schema, statement by statement: some fixtures hold DDL PostgreSQL refuses
    // on purpose (the catalog must skip it too).
    for (const auto& s : catalog.schemas())
      if (s != "public") schemas_.insert(s);
    reset();
    if (file.text.find("public.") != std::string::npos)
      for (const auto& t : catalog.tables())
        if (t.schema == "public") public_tables_.insert("\"" + t.name + "\"");
    pg->exec("CREATE SCHEMA pglens_suggested; SET search_path = pglens_suggested, public, " + extension_schema);
    for (const auto& s : schemas_)
      if (s != "pglens_suggested") pg->exec("CREATE SCHEMA IF NOT EXISTS " + s);
    for (const auto& statement : statements(file.text)) {
      if (!is_schema_statement(statement)) continue;
      // A table the fixture makes and drops again (a migration's staging table) is the one its
      // queries, and so the suggestions, were checked against: it stays.
      bool drops_retired = std::any_of(catalog.retired_tables().begin(), catalog.retired_tables().end(),
                                       [&](const Table& t) { return statement.find("DROP TABLE " + t.name) == 0; });
      if (drops_retired) continue;
      try {
        pg->exec(statement);
      } catch (const std::exception&) {}
    }
    std::set<std::string> seen;
    for (const auto& ddl : suggested) {
      if (!seen.insert(ddl).second) continue;  // two findings of one query suggest one index
      for (const auto& statement : statements(ddl)) {
        try {
          pg->exec(statement);
          ++applied;
        } catch (const std::exception& e) {
          ADD_FAILURE() << "suggested DDL fails: " << statement << "\n  " << e.what();
        }
      }
    }
  }
  EXPECT_GT(applied, 10u);  // the fixtures do suggest indexes: the test ran something
}

}  // namespace
}  // namespace pglens
