// pglens never reports a success that did not happen, reads each input once and within
// bounds, and `--fix` keeps a file's identity (issue 19).
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

// Runs `script` under bash in `cwd` (for redirections, FIFOs and process substitution);
// stdout and stderr come back as written.
test::RunResult run_bash(const std::string& script, const std::filesystem::path& cwd) {
  TempDir tmp;
  test::write_file(tmp / "script", "cd '" + cwd.string() + "' || exit 99\nPGLENS='" + PGLENS_BINARY + "'\n" + script);
  std::string cmd =
      "bash '" + (tmp / "script").string() + "' >'" + (tmp / "out").string() + "' 2>'" + (tmp / "err").string() + "'";
  int status = std::system(cmd.c_str());
  test::RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = test::read_file(tmp / "out");
  r.err = test::read_file(tmp / "err");
  return r;
}

TEST(SafetyCli, WritesToAFullDeviceFailWithAMessage) {
  TempDir d;
  write_file(d / "q.sql", "SELECT * FROM orders;\n");
  write_file(d / "plan.txt", "Seq Scan on orders  (cost=0.00..35.50 rows=2550 width=4)\n");
  for (std::string command : {"lint --format json q.sql", "lint --format sarif q.sql", "lint --color never q.sql",
                              "explain plan.txt", "catalog dump q.sql", "rules"}) {
    auto r = run_bash("\"$PGLENS\" " + command + " >/dev/full", d.path());
    EXPECT_EQ(r.exit_code, 2) << command << "\n" << r.err;
    EXPECT_NE(r.err.find("cannot write to standard output: No space left on device"), std::string::npos)
        << command << "\n"
        << r.err;
  }
}

TEST(SafetyCli, CatalogDumpReplacesItsOutputAtomically) {
  TempDir d;
  write_file(d / "schema.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, status text);\n");
  write_file(d / "catalog.json", "previous snapshot\n");
  ASSERT_EQ(run_pglens("catalog dump schema.sql -o catalog.json", {}, d.path()).exit_code, 0);
  auto json = nlohmann::json::parse(test::read_file(d / "catalog.json"));
  EXPECT_EQ(json["tables"][0]["name"], "orders") << json.dump();
  // Through a symlink, the target is replaced and the link stays.
  std::filesystem::create_symlink("catalog.json", d / "link.json");
  ASSERT_EQ(run_pglens("catalog dump schema.sql -o link.json", {}, d.path()).exit_code, 0);
  EXPECT_TRUE(std::filesystem::is_symlink(d / "link.json"));
  // A read-only file, a directory it cannot create a file in: errors, and no stray
  // temporary file anywhere.
  auto r = run_pglens("catalog dump schema.sql -o /proc/version", {}, d.path());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("read-only"), std::string::npos) << r.err;
  r = run_pglens("catalog dump schema.sql -o /proc/pglens-catalog.json", {}, d.path());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("cannot create a temporary file"), std::string::npos) << r.err;
  for (const auto& e : std::filesystem::directory_iterator(d.path()))
    EXPECT_EQ(e.path().filename().string().find(".pglens-"), std::string::npos) << e.path();
}

TEST(SafetyCli, BrokenConfigIsNeverReportedAsClean) {
  TempDir d;
  write_file(d / "q.sql", "SELECT id FROM orders;\n");
  write_file(d / ".pglens.toml", "select = [\"no-such-rule\"]\n");
  auto text = run_pglens("lint --color never q.sql", {}, d.path());
  EXPECT_EQ(text.exit_code, 2);
  EXPECT_EQ(text.out.find("no problems found"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("could not be read"), std::string::npos) << text.out;
  EXPECT_NE(text.err.find(".pglens.toml:1:"), std::string::npos) << text.err;
  auto sarif = nlohmann::json::parse(run_pglens("lint --format sarif q.sql", {}, d.path()).out);
  EXPECT_EQ(sarif["runs"][0]["invocations"][0]["executionSuccessful"], false) << sarif.dump(2);
  auto json = run_pglens("lint --format json q.sql", {}, d.path());
  EXPECT_NE(json.out.find("io-error"), std::string::npos) << json.out;
}

TEST(SafetyCli, UnreadableSubdirectoryIsAnError) {
  TempDir d;
  write_file(d / "ok/a.sql", "SELECT id FROM a;\n");
  write_file(d / "locked/b.sql", "SELECT * FROM b;\n");
  chmod(d.path().c_str(), 0755);
  chmod((d / "ok").c_str(), 0755);
  chmod((d / "locked").c_str(), 0);
  std::string as_user = geteuid() == 0 ? "runuser -u nobody -- " : "";
  if (geteuid() == 0 && std::system("command -v runuser >/dev/null 2>&1") != 0) GTEST_SKIP() << "root without runuser";
  auto r = run_bash(as_user + "\"$PGLENS\" lint --color never .", d.path());
  chmod((d / "locked").c_str(), 0755);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("locked: cannot read the directory: Permission denied"), std::string::npos) << r.err;
}

TEST(SafetyCli, SchemaEntriesThatGiveNothingAreReported) {
  TempDir d;
  write_file(d / "q.sql", "SELECT id FROM orders;\n");
  write_file(d / "README.md", "# Orders\nThe orders table holds one row per order.\n");
  write_file(d / ".pglens.toml", "schema = [\"README.md\"]\n");
  auto r = run_pglens("lint q.sql", {}, d.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("README.md: no DDL statement"), std::string::npos) << r.err;
  write_file(d / "schema.sql", "CREATE TABLE orders (id bigint PRIMARY KEY);\nCREATE TABLE items (id bigint,);\n");
  write_file(d / ".pglens.toml", "schema = [\"schema.sql\"]\n");
  r = run_pglens("lint q.sql", {}, d.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("schema file schema.sql:2:"), std::string::npos) << r.err;
}

TEST(SafetyCli, ProcessSubstitutionAndFifosAreReadOnce) {
  TempDir d;
  auto r = run_bash("\"$PGLENS\" lint --color never <(echo 'SELECT * FROM t;')", d.path());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("select-star"), std::string::npos) << r.out;
  // The DDL of a FIFO joins the catalog, and its queries are linted against it: read once.
  r = run_bash(
      "mkfifo q.fifo\n"
      "printf 'CREATE TABLE orders (id bigint PRIMARY KEY, status text);\\nSELECT * FROM orders;\\n' > q.fifo &\n"
      "timeout 60 \"$PGLENS\" lint --format json q.fifo\n",
      d.path());
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("select-star"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"replacement\": \"id, status\""), std::string::npos) << r.out;  // the fix knew the columns
}

TEST(SafetyCli, DevicesAreRefusedAndStdinIsCapped) {
  TempDir d;
  write_file(d / "plan.txt", "Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n");
  for (std::string command : {"lint /dev/zero", "explain /dev/zero", "lint --config /dev/zero plan.txt"}) {
    auto r = run_bash("timeout 60 \"$PGLENS\" " + command, d.path());
    EXPECT_EQ(r.exit_code, 2) << command << r.out << r.err;
    EXPECT_NE((r.out + r.err).find("a character device, not a file"), std::string::npos) << command << r.out << r.err;
  }
  // /dev/null stands for an empty file.
  EXPECT_EQ(run_bash("\"$PGLENS\" lint --config /dev/null /dev/null", d.path()).exit_code, 0);
  write_file(d / "q.sql", "SELECT 1;\n");
  write_file(d / ".pglens.toml", "schema = [\"/dev/zero\"]\ncatalog = \"/dev/zero\"\n");
  auto r = run_bash("timeout 60 \"$PGLENS\" lint q.sql", d.path());
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("a character device"), std::string::npos) << r.err;
}

TEST(SafetyCli, DeeplyDottedConfigKeyIsAnErrorNotACrash) {
  TempDir d;
  std::string key = "a";
  for (int i = 0; i < 50000; ++i) key += ".a";
  write_file(d / ".pglens.toml", key + " = 1\n");
  write_file(d / "q.sql", "SELECT 1;\n");
  auto r = run_pglens("lint q.sql", {}, d.path());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("nested more than"), std::string::npos) << r.err;
  std::string nested(50000, '[');
  write_file(d / ".pglens.toml", "x = " + nested + "\n");
  r = run_pglens("lint q.sql", {}, d.path());
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST(SafetyCli, Utf16FilesAreNamedAsSuch) {
  TempDir d;
  write_file(d / "q.sql", std::string("\xFF\xFES\0E\0L\0", 8));
  auto r = run_pglens("lint --color never q.sql", {}, d.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("UTF-16LE"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("NUL"), std::string::npos) << r.out;
}

TEST(SafetyCli, PathErrorsSayWhatTheyAre) {
  TempDir d;
  std::filesystem::create_symlink("loop.sql", d / "loop.sql");
  auto r = run_pglens("lint loop.sql", {}, d.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("Too many levels of symbolic links"), std::string::npos) << r.err;
}

// --fix and the file's identity.

const char* kStar = "CREATE TABLE orders (id bigint PRIMARY KEY, status text);\nSELECT * FROM orders;\n";

TEST(SafetyFix, SymlinkIsFollowedAndKept) {
  TempDir d;
  write_file(d / "real.sql", kStar);
  std::filesystem::create_symlink("real.sql", d / "link.sql");
  auto r = run_pglens("lint --fix link.sql", {}, d.path());
  EXPECT_NE(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(std::filesystem::is_symlink(d / "link.sql"));
  EXPECT_NE(test::read_file(d / "real.sql").find("SELECT id, status FROM orders"), std::string::npos);
}

TEST(SafetyFix, ModeAndOwnerAreKept) {
  TempDir d;
  write_file(d / "q.sql", kStar);
  chmod((d / "q.sql").c_str(), 0640);
  if (geteuid() == 0) { ASSERT_EQ(chown((d / "q.sql").c_str(), 65534, 65534), 0); }
  auto r = run_pglens("lint --fix q.sql", {}, d.path());
  EXPECT_NE(r.exit_code, 2) << r.out << r.err;
  struct stat st {};
  ASSERT_EQ(stat((d / "q.sql").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  if (geteuid() == 0) { EXPECT_EQ(st.st_uid, 65534u); }
  EXPECT_NE(test::read_file(d / "q.sql").find("SELECT id, status"), std::string::npos);
}

TEST(SafetyFix, HardLinkedAndReadOnlyFilesAreLeftAlone) {
  TempDir d;
  write_file(d / "q.sql", kStar);
  std::filesystem::create_hard_link(d / "q.sql", d / "other.sql");
  auto r = run_pglens("lint --fix --color never q.sql", {}, d.path());
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("hard links"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 could not be written"), std::string::npos) << r.out;
  EXPECT_EQ(test::read_file(d / "q.sql"), kStar);
  EXPECT_EQ(std::filesystem::hard_link_count(d / "q.sql"), 2u);

  write_file(d / "ro.sql", kStar);
  chmod((d / "ro.sql").c_str(), 0444);
  r = run_pglens("lint --fix --color never ro.sql", {}, d.path());
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("read-only"), std::string::npos) << r.out;
  EXPECT_EQ(test::read_file(d / "ro.sql"), kStar);
}

TEST(SafetyFix, SignalRemovesTheTemporaryFile) {
  TempDir d;
  // A large file: the signal lands while its fixed text is being written (or before; never a
  // stray temporary file either way).
  std::string big = "CREATE TABLE orders (id bigint PRIMARY KEY, status text);\n";
  for (int i = 0; i < 200000; ++i) big += "SELECT * FROM orders WHERE id = " + std::to_string(i) + ";\n";
  write_file(d / "big.sql", big);
  for (int delay_ms : {300, 600, 900}) {
    run_bash("\"$PGLENS\" lint --fix -j 1 big.sql >/dev/null 2>&1 & pid=$!\nsleep " +
                 std::to_string(delay_ms / 1000.0) + "\nkill -TERM $pid\nwait $pid\n",
             d.path());
    for (const auto& e : std::filesystem::directory_iterator(d.path()))
      EXPECT_EQ(e.path().filename().string().find(".pglens-"), std::string::npos) << e.path();
  }
}

}  // namespace
}  // namespace pglens
