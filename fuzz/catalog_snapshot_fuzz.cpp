// Fuzzes the catalog.json reader (config `catalog = ...`, possibly hand-edited or truncated):
// any bytes either load or give an error; a snapshot that loads dumps and loads back equal.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pglens/catalog.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pglens::Catalog catalog;
  std::string_view json(reinterpret_cast<const char*>(data), size);
  if (pglens::parse_snapshot(json, "fuzz.json", catalog)) return 0;
  std::string dumped = pglens::dump_snapshot(catalog);
  pglens::Catalog reloaded;
  if (pglens::parse_snapshot(dumped, "dumped.json", reloaded)) __builtin_trap();
  if (pglens::dump_snapshot(reloaded) != dumped) __builtin_trap();
  return 0;
}
