// Runs every testdata/sql/<rule-id>/*.sql fixture. Expectations are inline comments:
//   SELECT * FROM t;  -- expect: select-star
// The match is exact per line: every expected finding is reported on that line, and
// nothing else is reported anywhere in the file (for any rule).
#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "pglens/lint.hpp"
#include "pglens/rule.hpp"
#include "support/fixtures.hpp"
#include "support/psql_scripts.hpp"

namespace pglens {
namespace {

namespace fs = std::filesystem;

std::multiset<std::pair<uint32_t, std::string>> expectations(const std::string& text) {
  std::multiset<std::pair<uint32_t, std::string>> out;
  LineIndex lines(text);
  static const std::regex expect_re(R"(expect:\s*([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*))");
  for (uint32_t l = 0; l < lines.line_count(); ++l) {
    std::string line(lines.line_text(l));
    std::smatch m;
    if (!std::regex_search(line, m, expect_re)) continue;
    std::string ids = m[1];
    std::regex id_re("[a-z0-9-]+");
    for (auto it = std::sregex_iterator(ids.begin(), ids.end(), id_re); it != std::sregex_iterator(); ++it)
      out.insert({l + 1, it->str()});
  }
  return out;
}

// Lints the fixture at `path` with its own DDL (and its <name>.toml, if any) and checks that
// the findings are exactly its `-- expect:` comments.
void expect_exactly_its_expectations(const fs::path& path) {
  SCOPED_TRACE(path.string());
  std::string bytes = test::read_file(path);
  SourceFile file;
  DecodeError err;
  ASSERT_TRUE(decode_source(path.string(), bytes, file, err)) << err.message;
  // A fixture may carry its own config next to it (<name>.toml); otherwise defaults.
  Config config;
  fs::path toml = path;
  toml.replace_extension(".toml");
  if (fs::exists(toml)) {
    auto cerr = load_config(toml, config);
    ASSERT_FALSE(cerr) << cerr->format();
  }
  // The catalog a lint of this file sees: its config's schema sources plus its own DDL.
  Catalog catalog;
  auto catalog_error = build_catalog(config, {.extra_ddl = {path}, .db_url = {}, .use_environment = false}, catalog);
  ASSERT_FALSE(catalog_error) << *catalog_error;
  Linter linter(config);
  auto diags = linter.lint(file, catalog);
  LineIndex lines(file.text);
  std::multiset<std::pair<uint32_t, std::string>> actual;
  for (const auto& d : diags) actual.insert({lines.position(d.span.begin).line, d.rule});
  auto expected = expectations(file.text);
  for (const auto& e : expected)
    EXPECT_TRUE(actual.count(e) >= expected.count(e)) << "missing: line " << e.first << " " << e.second;
  for (const auto& a : actual)
    EXPECT_TRUE(expected.count(a) >= actual.count(a)) << "unexpected: line " << a.first << " " << a.second;
}

TEST(SqlFixtures, EveryFixtureMatchesItsExpectationsExactly) {
  auto files = test::sql_fixture_files();
  ASSERT_FALSE(files.empty());
  for (const auto& path : files) expect_exactly_its_expectations(path);
}

// psql scripts and pg_dump output (testdata/psql/) lint as psql runs them: COPY data, \g and
// the other meta-commands, \; and psql variables are no syntax errors, and hide no statement.
TEST(SqlFixtures, PsqlScriptsAndDumpsMatchTheirExpectationsExactly) {
  auto files = test::psql_script_files();
  ASSERT_GE(files.size(), 2u);
  for (const auto& path : files) expect_exactly_its_expectations(path);
}

TEST(SqlFixtures, EverySqlRuleHasFixturesWithPositivesAndNegatives) {
  for (const RuleInfo* r : all_rules()) {
    if (!r->targets.sql) continue;
    SCOPED_TRACE(std::string(r->id));
    fs::path dir = test::testdata("sql") / std::string(r->id);
    ASSERT_TRUE(fs::is_directory(dir)) << "no fixtures in " << dir;
    size_t positives = 0, lines_without = 0;
    for (auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() != ".sql") continue;
      std::string text = test::read_file(e.path());
      for (const auto& [line, id] : expectations(text)) positives += id == r->id;
      lines_without += text.find("ok:") != std::string::npos;
    }
    EXPECT_GT(positives, 0u) << "no `-- expect: " << r->id << "` in its fixtures";
    EXPECT_GT(lines_without, 0u) << "no negative case (a statement marked `-- ok:` that must stay quiet)";
  }
}

}  // namespace
}  // namespace pglens
