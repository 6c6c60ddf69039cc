// Fuzzes Prelint against the lint it stands in for: any SQL, as a linted file whose DDL
// builds the catalog, linted with what the prelint kept and linted whole against the same
// catalog, must give exactly the same findings.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "pglens/catalog.hpp"
#include "pglens/lint.hpp"

namespace {

struct Setup {
  pglens::Linter linter{pglens::Config{}};
  std::string path;
  Setup() {
    char name[] = "/tmp/pglens-prelint-fuzz-XXXXXX.sql";
    int fd = mkstemps(name, 4);
    if (fd < 0) __builtin_trap();
    close(fd);
    path = name;
  }
  ~Setup() { std::remove(path.c_str()); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Setup setup;
  std::string text(reinterpret_cast<const char*>(data), size);
  pglens::SourceFile file;
  pglens::DecodeError error;
  if (!pglens::decode_source(setup.path, text, file, error)) return 0;
  pglens::Prelint prelint(setup.linter);
  pglens::CatalogSources sources;
  sources.extra_ddl = {setup.path};
  // The bytes as a pre-read file (as a FIFO's are), not written to the empty file each run:
  // rewriting a file makes ext4 write it back, which took over 40 % of each run.
  sources.extra_ddl_bytes[setup.path] = text;
  sources.use_environment = false;
  sources.on_parsed = prelint.hook();
  pglens::Config config;
  config.root = std::filesystem::path(setup.path).parent_path();
  pglens::Catalog catalog;
  if (pglens::build_catalog(config, sources, catalog)) return 0;
  if (setup.linter.lint(file, catalog, prelint) != setup.linter.lint(file, catalog)) __builtin_trap();
  return 0;
}
