// NameTable answers as std::unordered_map does through insertions, erasures (its
// tombstones) and growth.
#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

#include <fmt/format.h>

#include "catalog/name_table.hpp"

namespace pglens::catalog {
namespace {

TEST(CatalogNameTable, AnswersAsAnUnorderedMapThroughInsertsErasesAndGrowth) {
  NameTable<uint32_t> table;
  std::unordered_map<std::string, uint32_t> reference;
  std::mt19937 rng(7);
  for (int step = 0; step < 200000; ++step) {
    // Few enough names that erased ones come back, many enough that the table grows.
    std::string key = fmt::format("public{}orders_{}_idx", '\0', rng() % 5000);
    switch (rng() % 4) {
      case 0:
      case 1:
        ++table[key];
        ++reference[key];
        break;
      case 2: EXPECT_EQ(table.erase(key), reference.erase(key) == 1); break;
      default: {
        uint32_t value = static_cast<uint32_t>(rng() % 100);
        EXPECT_EQ(table.insert_or_assign(key, value), !reference.contains(key));
        reference[key] = value;
      }
    }
    if (step % 1000 == 0) {
      ASSERT_EQ(table.size(), reference.size());
      for (int k = 0; k < 5000; k += 7) {
        std::string probe = fmt::format("public{}orders_{}_idx", '\0', k);
        auto it = reference.find(probe);
        uint32_t* found = table.find(probe);
        ASSERT_EQ(found != nullptr, it != reference.end()) << probe;
        if (found) { EXPECT_EQ(*found, it->second); }
      }
    }
  }
  table.clear();
  EXPECT_EQ(table.size(), 0u);
  EXPECT_FALSE(table.contains("anything"));
  table["anything"] = 3;
  EXPECT_EQ(*table.find("anything"), 3u);
}

// The hash reads names by words, the last one overlapping: keys of every length up to a few
// words, and keys differing in one byte anywhere, stay distinct.
TEST(CatalogNameTable, KeysOfEveryLengthAndEveryOneByteDifferenceAreDistinct) {
  NameTable<int> table;
  const std::string text = "public" + std::string(1, '\0') + "orders_2024_01_customer_id_idx";
  for (size_t n = 0; n <= text.size(); ++n) table[std::string_view(text).substr(0, n)] = static_cast<int>(n);
  int value = 1000;
  for (size_t at = 0; at < text.size(); ++at) {
    std::string changed = text;
    changed[at] = 'X';
    table[changed] = value++;
  }
  ASSERT_EQ(table.size(), text.size() + 1 + text.size());
  for (size_t n = 0; n <= text.size(); ++n)
    EXPECT_EQ(*table.find(std::string_view(text).substr(0, n)), static_cast<int>(n));
  value = 1000;
  for (size_t at = 0; at < text.size(); ++at) {
    std::string changed = text;
    changed[at] = 'X';
    EXPECT_EQ(*table.find(changed), value++) << at;
  }
}

TEST(CatalogNameTable, KeysDifferingOnlyAfterTheSchemaSeparatorAreDistinct) {
  NameTable<int> table;
  table[std::string("a\0b", 3)] = 1;
  table[std::string("a\0bc", 4)] = 2;
  table[std::string("ab", 2)] = 3;
  EXPECT_EQ(*table.find(std::string("a\0b", 3)), 1);
  EXPECT_EQ(*table.find(std::string("a\0bc", 4)), 2);
  EXPECT_EQ(*table.find("ab"), 3);
  EXPECT_FALSE(table.find(std::string("a\0", 2)));
}

}  // namespace
}  // namespace pglens::catalog
