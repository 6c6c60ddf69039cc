// Fuzzes the catalog.json reader (config `catalog = ...`, possibly hand-edited or truncated):
// any bytes either load or give an error; a snapshot that loads dumps and loads back equal.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "catalog_round_trip.hpp"
#include "pglens/catalog.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pglens::Catalog catalog;
  std::string_view json(reinterpret_cast<const char*>(data), size);
  if (pglens::parse_snapshot(json, "fuzz.json", catalog)) return 0;
  expect_snapshot_round_trip(catalog);
  return 0;
}
