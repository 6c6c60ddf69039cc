#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <thread>

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

TEST(DecodeSource, NamesUtf16AndUtf32ByTheirByteOrderMark) {
  SourceFile f;
  DecodeError e;
  EXPECT_FALSE(decode_source("q.sql", std::string("\xFF\xFES\0E\0", 6), f, e));
  EXPECT_NE(e.message.find("UTF-16LE"), std::string::npos) << e.message;
  EXPECT_FALSE(decode_source("q.sql", std::string("\xFE\xFF\0S\0E", 6), f, e));
  EXPECT_NE(e.message.find("UTF-16BE"), std::string::npos) << e.message;
  EXPECT_FALSE(decode_source("q.sql", std::string("\xFF\xFE\0\0S\0\0\0", 8), f, e));
  EXPECT_NE(e.message.find("UTF-32LE"), std::string::npos) << e.message;
}

TEST(ReadBytes, RefusesDevicesAndStopsAtTheCap) {
  std::string out;
  auto err = read_bytes("/dev/zero", out);
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("a character device"), std::string::npos) << *err;
  // A pipe is read to its end, but never past the cap.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::thread writer([&] {
    std::string chunk(4096, 'x');
    for (int i = 0; i < 64; ++i)
      if (write(fds[1], chunk.data(), chunk.size()) < 0) break;
    close(fds[1]);
  });
  err = read_bytes("/dev/fd/" + std::to_string(fds[0]), out, 100000);
  ::signal(SIGPIPE, SIG_IGN);  // the writer meets a closed pipe: a failed write, not a signal
  close(fds[0]);
  writer.join();
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("the most pglens reads"), std::string::npos) << *err;
  EXPECT_TRUE(out.empty());
  // A regular file over the cap is refused by its size, unread.
  char path[] = "/tmp/pglens-read-bytes-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 1 << 20), 0);
  close(fd);
  EXPECT_TRUE(read_bytes(path, out, 1000));
  EXPECT_FALSE(read_bytes(path, out, 2 << 20));
  EXPECT_EQ(out.size(), size_t{1} << 20);
  unlink(path);
}

}  // namespace
}  // namespace pglens
