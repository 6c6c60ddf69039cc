#include <gtest/gtest.h>

#include "pglens/source.hpp"

namespace pglens {
namespace {

TEST(LineIndex, MapsOffsetsToOneBasedLinesAndColumns) {
  LineIndex idx("ab\ncd\r\nef");
  EXPECT_EQ(idx.line_count(), 3u);
  EXPECT_EQ(idx.position(0), (Position{1, 1}));
  EXPECT_EQ(idx.position(4), (Position{2, 2}));
  EXPECT_EQ(idx.position(7), (Position{3, 1}));
  EXPECT_EQ(idx.line_text(1), "cd");  // CR stripped
  EXPECT_EQ(idx.offset({3, 2}), 8u);
}

TEST(LineIndex, Utf16ColumnsCountSurrogatePairsAsTwo) {
  // "é" is 2 bytes / 1 UTF-16 unit; "😀" is 4 bytes / 2 units.
  std::string text = "é😀x";
  LineIndex idx(text);
  uint32_t x = static_cast<uint32_t>(text.find('x'));
  EXPECT_EQ(idx.position(x, ColumnUnit::utf8).column, 7u);
  EXPECT_EQ(idx.position(x, ColumnUnit::utf16).column, 4u);
  EXPECT_EQ(idx.offset({1, 4}, ColumnUnit::utf16), x);
  EXPECT_EQ(idx.offset({1, 2}, ColumnUnit::utf16), 2u);
}

TEST(LineIndex, ClampsOutOfRangePositions) {
  LineIndex idx("ab\ncd");
  EXPECT_EQ(idx.offset({9, 9}), 5u);
  EXPECT_EQ(idx.position(100), (Position{2, 3}));
}

TEST(DecodeSource, StripsBomAndKeepsCrlf) {
  SourceFile f;
  DecodeError e;
  ASSERT_TRUE(decode_source("a.sql", "\xEF\xBB\xBFSELECT 1;\r\n", f, e));
  EXPECT_TRUE(f.had_bom);
  EXPECT_EQ(f.text, "SELECT 1;\r\n");
}

TEST(DecodeSource, RejectsNulBytesAsBinary) {
  SourceFile f;
  DecodeError e;
  EXPECT_FALSE(decode_source("a.sql", std::string("SEL\0ECT", 7), f, e));
  EXPECT_NE(e.message.find("binary"), std::string::npos);
  EXPECT_EQ(e.offset, 3u);
}

TEST(DecodeSource, RejectsInvalidUtf8AndSaysWhere) {
  SourceFile f;
  DecodeError e;
  EXPECT_FALSE(decode_source("a.sql", "SELECT 'ok';\nSELECT '\xC3\x28';", f, e));
  EXPECT_NE(e.message.find("UTF-8"), std::string::npos);
  EXPECT_GE(e.offset, 13u);
  EXPECT_LE(e.offset, 21u);
}

TEST(DecodeSource, AcceptsEmptyInput) {
  SourceFile f;
  DecodeError e;
  EXPECT_TRUE(decode_source("a.sql", "", f, e));
  EXPECT_TRUE(f.text.empty());
}

}  // namespace
}  // namespace pglens
