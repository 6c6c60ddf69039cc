// Runs the hook's entry the way pre-commit does: on the staged .sql files of a git repo.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "support/fixtures.hpp"

namespace pglens {
namespace {

std::string hook_field(const std::string& yaml, const std::string& key) {
  std::smatch m;
  std::regex re("\\n\\s*" + key + ":\\s*(.+)");
  if (!std::regex_search(yaml, m, re)) return {};
  return m[1];
}

int sh(const std::string& cmd, const std::filesystem::path& cwd, std::string* out = nullptr) {
  test::TempDir tmp;
  std::string full = "cd '" + cwd.string() + "' && (" + cmd + ") >'" + (tmp / "out").string() + "' 2>&1";
  int status = std::system(full.c_str());
  if (out) *out = test::read_file(tmp / "out");
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(PreCommitHook, ManifestDeclaresTheHook) {
  std::string yaml = test::read_file(test::source_dir() / ".pre-commit-hooks.yaml");
  EXPECT_NE(yaml.find("- id: pglens"), std::string::npos);
  EXPECT_EQ(hook_field(yaml, "types"), "[sql]");
  EXPECT_EQ(hook_field(yaml, "require_serial"), "true");
  EXPECT_EQ(hook_field(yaml, "language"), "system");
}

TEST(PreCommitHook, EntryLintsTheStagedSqlFilesOfARepository) {
  std::string yaml = test::read_file(test::source_dir() / ".pre-commit-hooks.yaml");
  std::string entry = hook_field(yaml, "entry");
  ASSERT_TRUE(entry.starts_with("pglens "));
  test::TempDir repo;
  ASSERT_EQ(sh("git init -q . && git config user.email t@example.com && git config user.name t", repo.path()), 0);
  test::write_file(repo / "db/good.sql", "SELECT id FROM orders;\n");
  test::write_file(repo / "db/bad.sql", "SELECT * FROM orders;\n");
  test::write_file(repo / "db/unstaged.sql", "SELECT * FROM unstaged;\n");
  ASSERT_EQ(sh("git add db/good.sql db/bad.sql", repo.path()), 0);
  // pre-commit passes the staged files matching `types: [sql]` as arguments.
  std::string bin_dir = std::filesystem::path(PGLENS_BINARY).parent_path().string();
  std::string run =
      "PATH='" + bin_dir + "':$PATH " + entry + " $(git diff --cached --name-only --diff-filter=ACMR -- '*.sql')";
  std::string out;
  EXPECT_EQ(sh(run, repo.path(), &out), 1) << out;
  EXPECT_NE(out.find("db/bad.sql:1:8"), std::string::npos) << out;
  EXPECT_EQ(out.find("unstaged"), std::string::npos) << out;
  // Fixing the file and staging it again lets the commit through.
  test::write_file(repo / "db/bad.sql", "SELECT id FROM orders;\n");
  ASSERT_EQ(sh("git add db/bad.sql", repo.path()), 0);
  EXPECT_EQ(sh(run, repo.path(), &out), 0) << out;
}

}  // namespace
}  // namespace pglens
