// Fuzzes the catalog's graphs with DDL that PostgreSQL would refuse part of: the bytes pick
// statements over a handful of tables in two schemas (partitioned tables attached to each
// other, detached, renamed, moved, dropped, indexed ON ONLY, their columns changed), which
// are applied once in order and once with the files reversed (indexes and ALTERs before
// their tables). Every load ends, the partition graph is a forest, and the catalog round-trips.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "catalog_round_trip.hpp"
#include "pglens/catalog.hpp"

namespace {

constexpr const char* kTables[] = {"a", "b", "c", "s.a", "s.d"};
constexpr size_t kTableCount = sizeof kTables / sizeof kTables[0];

std::string statement(uint8_t op, uint8_t x, uint8_t y) {
  const char* t = kTables[x % kTableCount];
  const char* u = kTables[y % kTableCount];
  unsigned n = y % 7;
  switch (op % 18) {
    case 0: return fmt::format("CREATE TABLE {} (k int, v text) PARTITION BY LIST (k);", t);
    case 1: return fmt::format("CREATE TABLE {} (k int NOT NULL, v text, PRIMARY KEY (k));", t);
    case 2: return fmt::format("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES IN ({});", t, u, n);
    case 3: return fmt::format("ALTER TABLE {} DETACH PARTITION {};", t, u);
    case 4: return fmt::format("CREATE TABLE {} PARTITION OF {} FOR VALUES IN ({}) PARTITION BY LIST (k);", t, u, n);
    case 5: return fmt::format("CREATE TABLE {} PARTITION OF {} DEFAULT;", t, u);
    case 6: return fmt::format("ALTER TABLE {} ADD COLUMN c{} int;", t, n);
    case 7: return fmt::format("ALTER TABLE {} DROP COLUMN {};", t, n % 2 ? "v" : fmt::format("c{}", n));
    case 8: return fmt::format("CREATE INDEX {}i{} ON {}{} (v);", n % 2 ? "" : "ON ONLY ", n, t, "");
    case 9: return fmt::format("CREATE INDEX ON ONLY {} (k, v);", t);
    case 10: return fmt::format("DROP TABLE {};", t);
    case 11: return fmt::format("ALTER TABLE {} RENAME TO {};", t, kTables[y % 3]);
    case 12: return n % 2 ? "DROP SCHEMA s CASCADE;" : "CREATE SCHEMA s;";
    case 13: return fmt::format("ALTER TABLE {} SET SCHEMA {};", t, n % 2 ? "s" : "public");
    case 14: return fmt::format("ALTER TABLE {} ALTER COLUMN k SET NOT NULL, ALTER COLUMN v TYPE varchar(20);", t);
    case 15: return fmt::format("ALTER INDEX i{} ATTACH PARTITION i{};", x % 7, n);
    case 16: return fmt::format("DROP INDEX i{};", n);
    default: return fmt::format("ALTER TABLE {} RENAME COLUMN v TO w{};", t, n);
  }
}

// Each table's chain of parents reaches a root, and the roots' trees hold every table once.
void expect_forest(const pglens::Catalog& catalog) {
  size_t tables = catalog.tables().size(), reached = 0;
  for (const auto& t : catalog.tables()) {
    const pglens::Table* at = &t;
    size_t steps = 0;
    while (at && at->is_partition() && steps <= tables) {
      at = catalog.parent_of(*at);
      ++steps;
    }
    if (steps > tables) {
      std::fprintf(stderr, "the parents of %s loop\n", t.qualified_name().c_str());
      __builtin_trap();
    }
  }
  std::vector<const pglens::Table*> queue;
  for (const auto& t : catalog.tables())
    if (!t.is_partition() || !catalog.parent_of(t)) queue.push_back(&t);
  for (size_t i = 0; i < queue.size() && queue.size() <= tables; ++i, ++reached)
    for (const pglens::Table* p : catalog.partitions_of(*queue[i])) queue.push_back(p);
  if (queue.size() > tables) {
    std::fprintf(stderr, "a table is reached twice from the roots\n");
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> files(1);
  for (size_t i = 0; i + 2 < size && i < 3 * 64; i += 3) {
    if (data[i] == 0xFF) {  // a new file
      files.emplace_back();
      continue;
    }
    files.back() += statement(data[i], data[i + 1], data[i + 2]) + "\n";
  }
  for (bool reversed : {false, true}) {
    pglens::Catalog catalog;
    for (size_t f = 0; f < files.size(); ++f)
      pglens::load_ddl(catalog, files[reversed ? files.size() - 1 - f : f], fmt::format("{}.sql", f));
    expect_forest(catalog);
    catalog.normalize();
    expect_forest(catalog);
    expect_snapshot_round_trip(catalog);
  }
  return 0;
}
