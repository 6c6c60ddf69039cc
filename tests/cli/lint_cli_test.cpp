// `pglens lint` as a user runs it: exit codes, inputs, bad input of every kind.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/fixtures.hpp"

namespace pglens {
namespace {

using test::run_pglens;
using test::TempDir;
using test::write_file;

TEST(LintCli, ExitCodesFollowFailOn) {
  TempDir d;
  write_file(d / "clean.sql", "SELECT id FROM orders;\n");
  write_file(d / "star.sql", "SELECT * FROM orders;\n");
  EXPECT_EQ(run_pglens("lint clean.sql", {}, d.path()).exit_code, 0);
  EXPECT_EQ(run_pglens("lint star.sql", {}, d.path()).exit_code, 1);
  EXPECT_EQ(run_pglens("lint --fail-on error star.sql", {}, d.path()).exit_code, 0);
  write_file(d / ".pglens.toml", "fail-on = \"error\"\n");
  EXPECT_EQ(run_pglens("lint star.sql", {}, d.path()).exit_code, 0);
  EXPECT_EQ(run_pglens("lint --fail-on warning star.sql", {}, d.path()).exit_code, 1);
  EXPECT_EQ(run_pglens("lint --format yaml star.sql", {}, d.path()).exit_code, 2);
  EXPECT_EQ(run_pglens("lint --select no-such-rule star.sql", {}, d.path()).exit_code, 2);
}

TEST(LintCli, StdinWithFilename) {
  auto r = run_pglens("lint - --stdin-filename queries/q.sql --color never", "SELECT * FROM t;\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("queries/q.sql:1:8: warning:"), std::string::npos) << r.out;
}

TEST(LintCli, DirectoriesAreRecursedSortedAndHonourExcludes) {
  TempDir d;
  write_file(d / "b/two.sql", "SELECT * FROM b;\n");
  write_file(d / "a/one.sql", "SELECT * FROM a;\n");
  write_file(d / "vendor/skip.sql", "SELECT * FROM v;\n");
  write_file(d / "notes.txt", "SELECT * FROM txt;\n");
  write_file(d / ".pglens.toml", "exclude = [\"vendor/**\"]\n");
  auto r = run_pglens("lint --color never -j 2 .", {}, d.path());
  EXPECT_EQ(r.exit_code, 1);
  auto one = r.out.find("a/one.sql"), two = r.out.find("b/two.sql");
  ASSERT_NE(one, std::string::npos) << r.out;
  ASSERT_NE(two, std::string::npos);
  EXPECT_LT(one, two);
  EXPECT_EQ(r.out.find("skip.sql"), std::string::npos);
  EXPECT_EQ(r.out.find("txt"), std::string::npos);
}

TEST(LintCli, OutputOrderIsDeterministicWhateverTheThreads) {
  TempDir d;
  for (int i = 0; i < 40; ++i)
    write_file(d / ("f" + std::to_string(100 + i) + ".sql"), "SELECT * FROM t" + std::to_string(i) + ";\n");
  auto one = run_pglens("lint --format json -j 1 .", {}, d.path());
  auto two = run_pglens("lint --format json -j 2 .", {}, d.path());
  auto many = run_pglens("lint --format json -j 8 .", {}, d.path());
  EXPECT_EQ(one.out, two.out);
  EXPECT_EQ(one.out, many.out);
}

TEST(LintCli, MissingFileIsAnIoError) {
  auto r = run_pglens("lint /nonexistent/q.sql");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent/q.sql"), std::string::npos);
  EXPECT_EQ(r.out.find("no problems found"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("could not be read"), std::string::npos) << r.out;
  // Machines see it too: an io-error entry naming the path.
  auto json = run_pglens("lint --format json /nonexistent/q.sql");
  EXPECT_EQ(json.exit_code, 2);
  EXPECT_NE(json.out.find("\"file\": \"/nonexistent/q.sql\""), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("io-error"), std::string::npos) << json.out;
}

TEST(LintCli, UnreadableFileIsAnIoError) {
  TempDir d;
  write_file(d / "q.sql", "SELECT 1;");
  chmod(d.path().c_str(), 0755);
  chmod((d / "q.sql").c_str(), 0);
  // Root reads any file: run pglens as `nobody` then, as CI runs as root.
  if (geteuid() == 0) {
    if (std::system("command -v runuser >/dev/null 2>&1") != 0) GTEST_SKIP() << "root without runuser";
    test::TempDir out;
    chmod(out.path().c_str(), 0777);
    std::string cmd = "cd '" + d.path().string() + "' && runuser -u nobody -- '" + PGLENS_BINARY + "' lint q.sql >'" +
        (out / "o").string() + "' 2>&1";
    int status = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 2) << test::read_file(out / "o");
    EXPECT_NE(test::read_file(out / "o").find("q.sql"), std::string::npos);
    return;
  }
  auto r = run_pglens("lint q.sql", {}, d.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("q.sql"), std::string::npos);
}

TEST(LintCli, DirectoryReadAsFileIsAnIoError) {
  TempDir d;
  std::filesystem::create_directories(d / "x.sql");
  write_file(d / "x.sql/inner.txt", "");
  auto r = run_pglens("lint x.sql", {}, d.path());
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
}

TEST(LintCli, DirectoryWithoutSqlFilesIsAnError) {
  TempDir d;
  write_file(d / "readme.txt", "hello");
  auto r = run_pglens("lint .", {}, d.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no .sql files"), std::string::npos);
}

TEST(LintCli, EmptyFileIsClean) {
  TempDir d;
  write_file(d / "e.sql", "");
  auto r = run_pglens("lint e.sql", {}, d.path());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("no problems"), std::string::npos);
}

TEST(LintCli, BinaryAndNulAndInvalidUtf8AreClearErrors) {
  TempDir d;
  write_file(d / "bin.sql",
             std::string("\x7f"
                         "ELF\x02\x01\x01\0\0\0",
                         10));
  write_file(d / "nul.sql", std::string("SELECT 1;\nSELECT\0 2;", 20));
  write_file(d / "latin1.sql", "SELECT 'caf\xe9';\n");
  for (const char* f : {"bin.sql", "nul.sql", "latin1.sql"}) {
    auto r = run_pglens(std::string("lint --color never ") + f, {}, d.path());
    EXPECT_EQ(r.exit_code, 2) << f;
    EXPECT_NE(r.out.find(std::string(f) + ":"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("error:"), std::string::npos) << r.out;
  }
  auto r = run_pglens("lint --color never nul.sql", {}, d.path());
  EXPECT_NE(r.out.find("nul.sql:2:7: error:"), std::string::npos) << r.out;
  r = run_pglens("lint --color never latin1.sql", {}, d.path());
  EXPECT_NE(r.out.find("UTF-8"), std::string::npos) << r.out;
}

TEST(LintCli, BomCrlfAndTabsAreRead) {
  TempDir d;
  write_file(d / "w.sql", "\xEF\xBB\xBF-- from Windows\r\nSELECT\t*\r\nFROM t;\r\n");
  auto r = run_pglens("lint --color never w.sql", {}, d.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("w.sql:2:8: warning:"), std::string::npos) << r.out;
}

TEST(LintCli, UnterminatedConstructsAreSyntaxErrors) {
  TempDir d;
  const char* cases[] = {"SELECT 'abc;\n", "SELECT \"abc;\n", "SELECT 1; /* never closed\n", "SELECT $$abc;\n"};
  for (const char* sql : cases) {
    write_file(d / "u.sql", sql);
    auto r = run_pglens("lint --color never u.sql", {}, d.path());
    EXPECT_EQ(r.exit_code, 1) << sql;
    EXPECT_NE(r.out.find("[syntax-error]"), std::string::npos) << sql << r.out;
  }
}

TEST(LintCli, HundredThousandCharacterLineIsShownAsAWindow) {
  TempDir d;
  std::string line = "SELECT " + std::string(100000, ' ') + "* FROM t;";
  write_file(d / "long.sql", line);
  auto r = run_pglens("lint --color never long.sql", {}, d.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("long.sql:1:100008: warning:"), std::string::npos);
  EXPECT_LT(r.out.size(), 2000u);
}

TEST(LintCli, FiftyMegabyteFileIsLinted) {
  TempDir d;
  std::string big;
  big.reserve(50u << 20);
  std::string stmt = "SELECT id, customer_id, status FROM orders WHERE id = 12345 AND status = 'paid';\n";
  while (big.size() < (50u << 20)) big += stmt;
  big += "SELECT * FROM t;\n";
  write_file(d / "big.sql", big);
  auto r = run_pglens("lint --color never big.sql", {}, d.path());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("1 problem"), std::string::npos) << r.out.substr(0, 500);
}

TEST(LintCli, BrokenConfigNamesTheFileAndLine) {
  TempDir d;
  write_file(d / "q.sql", "SELECT 1;");
  write_file(d / ".pglens.toml", "select = [\"ALL\"]\n[rules.select-star]\nseverity = \"loud\"\n");
  auto r = run_pglens("lint q.sql", {}, d.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(".pglens.toml:3:"), std::string::npos) << r.err;
  write_file(d / ".pglens.toml", "select = [\n");
  r = run_pglens("lint q.sql", {}, d.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(".pglens.toml:"), std::string::npos) << r.err;
  r = run_pglens("lint --config missing.toml q.sql", {}, d.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.toml"), std::string::npos) << r.err;
}

TEST(LintCli, UnknownRuleInSuppressionIsReported) {
  auto r = run_pglens("lint --color never -", "SELECT 1; -- pglens-ignore: selct-star\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("unknown rule `selct-star`"), std::string::npos) << r.out;
}

TEST(Cli, RulesRuleConfigVersionAndHelp) {
  auto r = run_pglens("rules");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("select-star"), std::string::npos);
  r = run_pglens("rule select-star");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* h :
       {"## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Options", "## References"})
    EXPECT_NE(r.out.find(h), std::string::npos) << h;
  r = run_pglens("rule select");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("did you mean"), std::string::npos) << r.err;
  r = run_pglens("config --show");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("[rules.select-star]"), std::string::npos);
  r = run_pglens("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("pglens "), std::string::npos);
  for (const char* sub : {"lint", "rules", "rule", "config"}) {
    r = run_pglens(std::string(sub) + " --help");
    EXPECT_EQ(r.exit_code, 0) << sub;
    EXPECT_NE(r.out.find("Example"), std::string::npos) << sub << r.out;
  }
  EXPECT_EQ(run_pglens("").exit_code, 2);
  EXPECT_EQ(run_pglens("frobnicate").exit_code, 2);
}

}  // namespace
}  // namespace pglens

namespace pglens {
namespace {

TEST(LintCliFix, FixRewritesOnlyWithTheFlagAndKeepsBomAndMode) {
  test::TempDir d;
  std::string original =
      "\xEF\xBB\xBFSELECT 1;  -- pglens-ignore: select-star\n-- pglens-ignore: select-star, nope\nSELECT * FROM t;\n";
  test::write_file(d / "q.sql", original);
  chmod((d / "q.sql").c_str(), 0640);
  auto r = test::run_pglens("lint q.sql", {}, d.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(test::read_file(d / "q.sql"), original) << "linting without --fix must never write";
  r = test::run_pglens("lint --fix --color never q.sql", {}, d.path());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("Fixed 2 problems"), std::string::npos) << r.out;
  EXPECT_EQ(test::read_file(d / "q.sql"), "\xEF\xBB\xBFSELECT 1;\n-- pglens-ignore: select-star\nSELECT * FROM t;\n");
  struct stat st {};
  stat((d / "q.sql").c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  for (auto& e : std::filesystem::directory_iterator(d.path()))
    EXPECT_EQ(e.path().filename().string().find(".pglens-"), std::string::npos) << "temporary file left behind";
}

TEST(LintCliFix, StdinIsNeverWritten) {
  auto r = test::run_pglens("lint --fix --format json -", "SELECT 1; -- pglens-ignore: select-star\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("\"fix\""), std::string::npos) << r.out;
}

}  // namespace
}  // namespace pglens

namespace pglens {
namespace {

// The linted files join the catalog; one that is not UTF-8 is reported by the lint, and the
// others are still linted (it must not abort the catalog, and so the run).
TEST(LintCli, AFileThatIsNotUtf8IsReportedAndTheOthersStillLinted) {
  test::TempDir d;
  test::write_file(d / "bad.sql", "CREATE TABLE t\xff (a int);\n");
  test::write_file(d / "good.sql", "SELECT * FROM t;\n");
  for (const char* jobs : {"-j1", "-j2"}) {
    auto r = test::run_pglens(std::string("lint ") + jobs + " .", {}, d.path());
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.out.find("bad.sql:1:15: error: file is not valid UTF-8"), std::string::npos) << r.out << r.err;
    EXPECT_NE(r.out.find("good.sql:1:8: warning"), std::string::npos) << r.out;
  }
}

// A file name need not be UTF-8; the machine-readable reports must still be valid JSON.
TEST(LintCli, FileNamesThatAreNotUtf8StillGiveValidJsonAndSarif) {
  test::TempDir d;
  test::write_file(d / "caf\xff.sql", "SELECT * FROM t;\n");
  for (const char* format : {"json", "sarif"}) {
    auto r = test::run_pglens(std::string("lint --format ") + format + " .", {}, d.path());
    EXPECT_EQ(r.exit_code, 1) << format << ": " << r.err;
    auto parsed = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(parsed.is_discarded()) << format << ": " << r.out;
    // SARIF's artifact URI percent-encodes the byte; JSON replaces it.
    EXPECT_NE(r.out.find(std::string(format) == "json" ? "caf\xEF\xBF\xBD.sql" : "caf%FF.sql"), std::string::npos)
        << format;
  }
}

}  // namespace
}  // namespace pglens

namespace pglens {
namespace {

// The deepest tree the parser lets through, against a catalog so that the schema-aware rules
// (query facts, index advice, deparsed predicates) all walk it: no stack overflow, also in
// the ASan build, whose frames are several times larger.
TEST(LintCli, TheDeepestAcceptedTreeIsLintedWithACatalog) {
  test::TempDir d;
  std::string deep = "SELECT * FROM orders WHERE total = 1";
  for (int i = 0; i < 990; ++i) deep += "+1";
  test::write_file(d / "q.sql",
                   "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);\n" + deep + " ORDER BY total;\n" +
                       deep + " OR id = 2;\n");
  auto r = test::run_pglens("lint --format json q.sql", {}, d.path());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto parsed = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(parsed.is_array()) << r.out << r.err;
  EXPECT_FALSE(parsed.empty());
}

}  // namespace
}  // namespace pglens

namespace pglens {
namespace {

TEST(LintCliOptions, ListOptionsNeverSwallowThePaths) {
  TempDir d;
  write_file(d / "q.sql",
             "SELECT * FROM orders;\nSELECT id FROM orders WHERE id NOT IN (SELECT order_id FROM refunds);\n");
  for (std::string args : {"lint --select select-star q.sql", "lint --select select-star,not-in-subquery q.sql",
                           "lint --select select-star --select not-in-subquery q.sql",
                           "lint --ignore not-in-subquery q.sql", "lint q.sql --select select-star"}) {
    auto r = run_pglens(args + " --color never", {}, d.path());
    EXPECT_EQ(r.exit_code, 1) << args << "\n" << r.out << r.err;
    EXPECT_NE(r.out.find("q.sql:1:8"), std::string::npos) << args << "\n" << r.out << r.err;
  }
  auto both = run_pglens("lint --select select-star --select not-in-subquery --format json q.sql", {}, d.path());
  EXPECT_NE(both.out.find("not-in-subquery"), std::string::npos) << both.out << both.err;
  auto ignored = run_pglens("lint --ignore select-star --ignore not-in-subquery q.sql", {}, d.path());
  EXPECT_EQ(ignored.exit_code, 0) << ignored.out << ignored.err;
}

TEST(LintCliOptions, StdinCountsItsDdl) {
  TempDir d;
  std::string sql =
      "CREATE TABLE customers (id bigint PRIMARY KEY);\n"
      "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id));\n";
  write_file(d / "schema.sql", sql);
  auto file = run_pglens("lint --format json schema.sql", {}, d.path());
  auto piped = run_pglens("lint --format json - --stdin-filename schema.sql", sql, d.path());
  EXPECT_NE(file.out.find("fk-without-index"), std::string::npos) << file.out;
  EXPECT_NE(piped.out.find("fk-without-index"), std::string::npos) << piped.out << piped.err;
}

TEST(LintCliOptions, StdinFilenameAppliesThatPathsConfig) {
  TempDir d;
  write_file(d / "app/.pglens.toml", "[rules.select-star]\nseverity = \"error\"\n");
  write_file(d / "app/db/keep.sql", "SELECT 1;\n");
  auto r = run_pglens("lint --color never - --stdin-filename app/db/q.sql", "SELECT * FROM t;\n", d.path());
  EXPECT_NE(r.out.find("app/db/q.sql:1:8: error:"), std::string::npos) << r.out << r.err;
}

TEST(LintCliOptions, OneCrashingSchemaDoesNotLoseTheOtherFiles) {
  // PostgreSQL's alter_table.sql attaches two partitioned tables to each other (the second
  // attach fails there) and alters one: the lint walked that loop until the stack ran out.
  TempDir d;
  write_file(d / "a_loop.sql",
             "CREATE TABLE list_parted (a int, b text) PARTITION BY LIST (a);\n"
             "CREATE TABLE list_parted2 (a int, b text) PARTITION BY LIST (a);\n"
             "ALTER TABLE list_parted ATTACH PARTITION list_parted2 FOR VALUES IN (1);\n"
             "ALTER TABLE list_parted2 ATTACH PARTITION list_parted FOR VALUES IN (2);\n"
             "ALTER TABLE list_parted ADD COLUMN c int;\n");
  write_file(d / "b_query.sql", "SELECT * FROM list_parted2;\n");
  auto r = run_pglens("lint --color never .", {}, d.path());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("b_query.sql:1:8"), std::string::npos) << r.out << r.err;
}

}  // namespace
}  // namespace pglens
