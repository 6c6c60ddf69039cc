// Source text, byte spans and the mapping from byte offsets to line/column.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pglens {

// A half-open byte range [begin, end) into a source text.
struct Span {
  uint32_t begin = 0;
  uint32_t end = 0;
  friend bool operator==(const Span&, const Span&) = default;
  friend auto operator<=>(const Span&, const Span&) = default;
};

// 1-based line; column counted in the code units of the requested encoding (1-based).
struct Position {
  uint32_t line = 1;
  uint32_t column = 1;
  friend bool operator==(const Position&, const Position&) = default;
};

enum class ColumnUnit { utf8, utf16 };

// Line starts of a text, computed once; maps offsets to positions and back.
class LineIndex {
 public:
  LineIndex() = default;
  explicit LineIndex(std::string_view text);

  // Zero-based line of a byte offset (offsets past the end map to the last line).
  uint32_t line_of(uint32_t offset) const;
  Position position(uint32_t offset, ColumnUnit unit = ColumnUnit::utf8) const;
  // Byte offset of a 1-based line and column; clamps to the line's end.
  uint32_t offset(Position pos, ColumnUnit unit = ColumnUnit::utf8) const;
  // The text of a zero-based line without its line terminator.
  std::string_view line_text(uint32_t line) const;
  uint32_t line_start(uint32_t line) const { return starts_[line]; }
  uint32_t line_count() const { return static_cast<uint32_t>(starts_.size()); }

 private:
  std::string_view text_;
  std::vector<uint32_t> starts_{0};
};

// A file's text as pglens lints it: valid UTF-8, without a byte-order mark.
struct SourceFile {
  std::string path;  // as the user named it; "-" or the --stdin-filename for stdin
  std::string text;
  bool had_bom = false;
};

// Why a file's bytes cannot be linted, with where; empty message when they can.
struct DecodeError {
  std::string message;
  uint32_t offset = 0;
  Position position;  // of `offset`, 1-based, UTF-8 columns
};

// Turns raw bytes into a SourceFile: strips a UTF-8 BOM; rejects NUL bytes (binary
// files), invalid UTF-8 and files over 4 GiB. Returns false and fills `error` otherwise.
bool decode_source(std::string path, std::string bytes, SourceFile& out, DecodeError& error);

// The most pglens reads of one input (SQL, a plan, a catalog snapshot), and of a config.
inline constexpr size_t kMaxInputBytes = size_t{1} << 30;
inline constexpr size_t kMaxConfigBytes = size_t{16} << 20;

// Every byte of `file` (or of stdin for `-`) into `out`; nullopt, or why not ("cannot open:
// No such file or directory", "cannot read: ..."). Reads a regular file or a FIFO (process
// substitution), at most `max_bytes`; refuses a device or a socket, which may never end.
std::optional<std::string> read_bytes(const std::string& file, std::string& out, size_t max_bytes = kMaxInputBytes);

}  // namespace pglens
