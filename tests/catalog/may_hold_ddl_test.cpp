// The loader lexes only files in which CREATE, ALTER or DROP appears as a word; the search
// (one pass over a table of byte classes) must answer as a plain byte-by-byte search does.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/ddl.hpp"

namespace pglens::catalog {
namespace {

bool name_byte(unsigned char c) {
  return c >= 0x80 || c == '_' || c == '$' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

bool byte_by_byte(std::string_view text) {
  for (std::string_view word : {"create", "alter", "drop"}) {
    for (size_t i = 0; i + word.size() <= text.size(); ++i) {
      bool same = true;
      for (size_t k = 0; k < word.size() && same; ++k) same = (text[i + k] | 0x20) == word[k];
      bool starts = i == 0 || !name_byte(static_cast<unsigned char>(text[i - 1]));
      bool ends = i + word.size() == text.size() || !name_byte(static_cast<unsigned char>(text[i + word.size()]));
      if (same && starts && ends) return true;
    }
  }
  return false;
}

TEST(MayHoldDdl, FindsTheWordsAsAByteByByteSearchDoes) {
  EXPECT_TRUE(may_hold_ddl("CREATE TABLE t (a int);"));
  EXPECT_TRUE(may_hold_ddl("select 1;\n  drop table t;"));
  EXPECT_TRUE(may_hold_ddl(std::string(40, ' ') + "AlTeR"));
  EXPECT_FALSE(may_hold_ddl("SELECT created_at, altered, dropped, _drop, $alter, x.create1 FROM t;"));
  EXPECT_FALSE(may_hold_ddl(""));
  // Pieces that put the words and their neighbours at every place of a sixteen-byte block.
  const std::vector<std::string> pieces = {"create",
                                           "CREATE",
                                           "alter",
                                           "Drop",
                                           "created_at",
                                           "xalter",
                                           "drop_",
                                           "$drop",
                                           "_create",
                                           "9alter",
                                           " ",
                                           "\n",
                                           ";",
                                           "(",
                                           ",",
                                           ".",
                                           "\xC3\xA9",
                                           "\x80",
                                           "a",
                                           "c",
                                           "d",
                                           "C",
                                           "select id from t where ",
                                           "0123456789"};
  std::mt19937 random(7);
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    size_t count = random() % 10;
    for (size_t k = 0; k < count; ++k) text += pieces[random() % pieces.size()];
    ASSERT_EQ(may_hold_ddl(text), byte_by_byte(text)) << text;
  }
}

}  // namespace
}  // namespace pglens::catalog
