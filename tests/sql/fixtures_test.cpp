// Runs every testdata/sql/<rule-id>/*.sql fixture, one test each. Expectations are inline
// comments:
//   SELECT * FROM t;  -- expect: select-star
// The match is exact per line: every expected finding is reported on that line, and
// nothing else is reported anywhere in the file (for any rule). What a user sees of the
// findings (message, help, fix, DDL, and the file after --fix --unsafe-fixes) is the
// fixture's snapshot, <name>.out next to it: UPDATE_GOLDEN=1 rewrites it, to be reviewed as
// a diff.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <regex>

#include "pglens/lint.hpp"
#include "pglens/report.hpp"
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

// The lines of `after` that are not those of `before`, as a unified diff's body (`-`, `+`
// and, around each change, one line of context): how a fix reads in review.
std::string line_diff(std::string_view before, std::string_view after) {
  auto split = [](std::string_view text) {
    LineIndex index(text);
    std::vector<std::string> lines;
    for (uint32_t l = 0; l < index.line_count(); ++l) lines.emplace_back(index.line_text(l));
    return lines;
  };
  auto a = split(before), b = split(after);
  // Longest common subsequence of lines (fixtures are small).
  std::vector<std::vector<uint32_t>> lcs(a.size() + 1, std::vector<uint32_t>(b.size() + 1, 0));
  for (size_t i = a.size(); i-- > 0;)
    for (size_t j = b.size(); j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::vector<std::string> ops;  // " line", "-line", "+line"
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      ops.push_back(" " + a[i]);
      ++i, ++j;
    } else if (i < a.size() && (j == b.size() || lcs[i + 1][j] >= lcs[i][j + 1])) {
      ops.push_back("-" + a[i++]);  // what goes, then what comes
    } else {
      ops.push_back("+" + b[j++]);
    }
  }
  std::string out;
  bool skipped = false;
  for (size_t k = 0; k < ops.size(); ++k) {
    bool changed = ops[k][0] != ' ';
    bool near = (k > 0 && ops[k - 1][0] != ' ') || (k + 1 < ops.size() && ops[k + 1][0] != ' ');
    if (!changed && !near) {
      skipped = true;
      continue;
    }
    if (skipped && !out.empty()) out += "...\n";
    skipped = false;
    out += ops[k] + "\n";
  }
  return out;
}

// What `pglens lint --fix --unsafe-fixes` would show of the file: the findings as text, then
// how every fix changes the file.
std::string rendered(const Linter& linter, const Catalog& catalog, const SourceFile& file,
                     const std::vector<Diagnostic>& diags) {
  FileReport report;
  report.file = file;
  report.file.path = fs::relative(file.path, test::source_dir()).generic_string();
  report.diagnostics = diags;
  std::string out = render_text(report, false);
  auto fixed = linter.fix(file, catalog, diags, true);
  if (fixed.applied > 0) {
    out += fmt::format("--- after --fix --unsafe-fixes ({} fix{})\n", fixed.applied, fixed.applied == 1 ? "" : "es");
    out += line_diff(file.text, fixed.text);
  }
  for (const auto& rule : fixed.reverted) out += fmt::format("--- fix of {} left out: its SQL does not parse\n", rule);
  // Messages may name a config by its absolute path: the snapshot must not depend on where
  // the repository is checked out.
  const std::string root = test::source_dir().generic_string() + "/";
  for (size_t at = out.find(root); at != std::string::npos; at = out.find(root, at)) out.replace(at, root.size(), "");
  return out;
}

// Lints the fixture at `path` with its own DDL (and its <name>.toml, if any) and checks that
// the findings are exactly its `-- expect:` comments; with `snapshot`, that what a user sees
// of them is <name>.out.
void expect_exactly_its_expectations(const fs::path& path, bool snapshot = false) {
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
  if (snapshot) {
    fs::path golden = path;
    golden.replace_extension(".out");
    test::expect_golden(golden, rendered(linter, catalog, file, diags));
  }
}

class SqlFixture : public ::testing::TestWithParam<fs::path> {};

TEST_P(SqlFixture, MatchesItsExpectationsAndSnapshot) { expect_exactly_its_expectations(GetParam(), true); }

// One test per fixture file, named <rule>_<file>: a failure names the file, and the others
// still run.
INSTANTIATE_TEST_SUITE_P(SqlFixtures, SqlFixture, ::testing::ValuesIn(test::sql_fixture_files()),
                         [](const ::testing::TestParamInfo<fs::path>& param) {
                           std::string name =
                               param.param.parent_path().filename().string() + "_" + param.param.stem().string();
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

TEST(SqlFixtures, ThereAreFixtures) { EXPECT_GT(test::sql_fixture_files().size(), 14u); }

// psql scripts and pg_dump output (testdata/psql/) lint as psql runs them: COPY data, \g and
// the other meta-commands, \; and psql variables are no syntax errors, and hide no statement.
TEST(SqlFixtures, PsqlScriptsAndDumpsMatchTheirExpectationsExactly) {
  auto files = test::psql_script_files();
  ASSERT_GE(files.size(), 2u);
  for (const auto& path : files) expect_exactly_its_expectations(path);
}

// The negative cases of a fixture for `rule`: comment lines `-- ok: <why>` whose next line
// that is neither blank nor a comment is SQL without an `expect:` of the rule (a mention of
// "ok:" elsewhere, or an `ok:` before a reported statement, is none).
size_t negative_cases(const std::string& text, std::string_view rule) {
  static const std::regex ok_re(R"(^\s*--\s*ok:\s*\S)");
  static const std::regex comment_re(R"(^\s*(--.*)?$)");
  LineIndex lines(text);
  auto expected = expectations(text);
  size_t count = 0;
  for (uint32_t l = 0; l < lines.line_count(); ++l) {
    if (!std::regex_search(std::string(lines.line_text(l)), ok_re)) continue;
    uint32_t next = l + 1;
    while (next < lines.line_count() && std::regex_match(std::string(lines.line_text(next)), comment_re)) ++next;
    if (next < lines.line_count() && !expected.count({next + 1, std::string(rule)})) ++count;
  }
  return count;
}

TEST(SqlFixtures, EverySqlRuleHasFixturesWithPositivesAndNegatives) {
  for (const RuleInfo* r : all_rules()) {
    if (!r->targets.sql) continue;
    SCOPED_TRACE(std::string(r->id));
    fs::path dir = test::testdata("sql") / std::string(r->id);
    ASSERT_TRUE(fs::is_directory(dir)) << "no fixtures in " << dir;
    size_t positives = 0, negatives = 0;
    for (auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() != ".sql") continue;
      std::string text = test::read_file(e.path());
      for (const auto& [line, id] : expectations(text)) positives += id == r->id;
      negatives += negative_cases(text, r->id);
    }
    EXPECT_GT(positives, 0u) << "no `-- expect: " << r->id << "` in its fixtures";
    // The exact match of each fixture makes these statements quiet for every rule.
    EXPECT_GT(negatives, 0u) << "no negative case: a `-- ok: <why>` comment line followed by a statement "
                                "that does not expect "
                             << r->id;
  }
}

}  // namespace
}  // namespace pglens
