#include "support/fixtures.hpp"
#include "support/psql_scripts.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "catalog/ddl.hpp"
#include "sql/lexer.hpp"

namespace pglens::test {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {
std::vector<std::filesystem::path> sql_files_under(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.path().extension() == ".sql") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}
}  // namespace

std::vector<std::filesystem::path> sql_fixture_files() { return sql_files_under(testdata("sql")); }
std::vector<std::filesystem::path> psql_script_files() { return sql_files_under(testdata("psql")); }

std::vector<std::string> lexed_statements(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& s : sql::lex(text).statements)
    out.emplace_back(text.substr(s.span.begin, s.span.end - s.span.begin));
  return out;
}

void write_file(const std::filesystem::path& p, const std::string& content) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << content;
}

TempDir::TempDir() {
  std::string templ = (std::filesystem::temp_directory_path() / "pglens-test-XXXXXX").string();
  char* made = mkdtemp(templ.data());
  if (!made) throw std::runtime_error("mkdtemp failed");
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

RunResult run_pglens(const std::string& args, const std::string& stdin_text, const std::filesystem::path& cwd) {
  TempDir tmp;
  auto in = tmp / "stdin", out = tmp / "stdout", err = tmp / "stderr";
  write_file(in, stdin_text);
  std::string cmd;
  if (!cwd.empty()) cmd += "cd '" + cwd.string() + "' && ";
  cmd += std::string("'") + PGLENS_BINARY + "' " + args + " <'" + in.string() + "' >'" + out.string() + "' 2>'" +
      err.string() + "'";
  int status = std::system(cmd.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

void expect_golden(const std::filesystem::path& golden, const std::string& actual) {
  const char* update = std::getenv("UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    write_file(golden, actual);
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(golden)) << golden << " is missing; run with UPDATE_GOLDEN=1 and review it";
  EXPECT_EQ(read_file(golden), actual) << "golden file " << golden << " differs; if the change is intended, "
                                       << "rerun with UPDATE_GOLDEN=1 and review the diff";
}

Catalog catalog_from_ddl(std::string_view ddl) {
  Catalog c;
  load_ddl(c, ddl, "test.sql");
  c.normalize();
  return c;
}

}  // namespace pglens::test
