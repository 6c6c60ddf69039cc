// Helpers shared by tests: paths into the source tree, reading files, running the CLI.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "pglens/catalog.hpp"

namespace pglens::test {

inline std::filesystem::path source_dir() { return PGLENS_SOURCE_DIR; }
inline std::filesystem::path testdata(const std::string& rel) { return source_dir() / "testdata" / rel; }

std::string read_file(const std::filesystem::path& p);
// Every testdata/sql/<rule>/*.sql fixture, sorted.
std::vector<std::filesystem::path> sql_fixture_files();
void write_file(const std::filesystem::path& p, const std::string& content);

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs the pglens binary with `args` (already shell-quoted), optional stdin text, in `cwd`.
RunResult run_pglens(const std::string& args, const std::string& stdin_text = {},
                     const std::filesystem::path& cwd = {});

// A fresh temporary directory, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  std::filesystem::path path_;
};

// UPDATE_GOLDEN=1 rewrites the golden file; otherwise compares.
void expect_golden(const std::filesystem::path& golden, const std::string& actual);

// The catalog DDL text builds, as a lint builds it from the linted files' DDL.
Catalog catalog_from_ddl(std::string_view ddl);

}  // namespace pglens::test
