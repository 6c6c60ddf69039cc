// Shared by the catalog fuzz targets: a catalog dumped to catalog.json loads back, and
// dumps again to the same text; anything else stops the fuzzer with both texts.
#pragma once

#include <cstdio>
#include <string>

#include "pglens/catalog.hpp"

inline void expect_snapshot_round_trip(const pglens::Catalog& catalog) {
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
}
