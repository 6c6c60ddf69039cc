// Fuzzes the catalog.json reader (config `catalog = ...`, possibly hand-edited or truncated):
// any bytes either load or give an error; a snapshot that loads dumps and loads back equal.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "pglens/catalog.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pglens::Catalog catalog;
  std::string_view json(reinterpret_cast<const char*>(data), size);
  if (pglens::parse_snapshot(json, "fuzz.json", catalog)) return 0;
  std::string dumped = pglens::dump_snapshot(catalog);
  pglens::Catalog reloaded;
  if (auto error = pglens::parse_snapshot(dumped, "dumped.json", reloaded)) {
    std::fprintf(stderr, "the dump does not load: %s\n%s\n", error->c_str(), dumped.c_str());
    __builtin_trap();
  }
  if (std::string again = pglens::dump_snapshot(reloaded); again != dumped) {
    std::fprintf(stderr, "the dump changed when loaded:\n%s\n---\n%s\n", dumped.c_str(), again.c_str());
    __builtin_trap();
  }
  return 0;
}
