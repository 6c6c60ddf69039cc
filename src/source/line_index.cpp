#include <fmt/format.h>

#include "pglens/source.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include <simdjson.h>

namespace pglens {

LineIndex::LineIndex(std::string_view text) : text_(text) {
  const char* base = text.data();
  const char* p = base;
  const char* end = base + text.size();
  while (p < end) {
    const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
    if (!nl) break;
    p = static_cast<const char*>(nl) + 1;
    starts_.push_back(static_cast<uint32_t>(p - base));
  }
}

uint32_t LineIndex::line_of(uint32_t offset) const {
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  return static_cast<uint32_t>(it - starts_.begin()) - 1;
}

namespace {
// UTF-16 code units taken by the UTF-8 sequence starting with lead byte `c`.
uint32_t utf16_units(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c & 0xC0) == 0x80) return 0;  // continuation byte
  if (c >= 0xF0) return 2;           // outside the BMP: a surrogate pair
  return 1;
}
}  // namespace

Position LineIndex::position(uint32_t offset, ColumnUnit unit) const {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text_.size()));
  uint32_t line = line_of(offset);
  uint32_t start = starts_[line];
  uint32_t column = offset - start;
  if (unit == ColumnUnit::utf16) {
    column = 0;
    for (uint32_t i = start; i < offset; ++i) column += utf16_units(static_cast<unsigned char>(text_[i]));
  }
  return {line + 1, column + 1};
}

uint32_t LineIndex::offset(Position pos, ColumnUnit unit) const {
  if (pos.line == 0) return 0;
  uint32_t line = std::min(pos.line - 1, line_count() - 1);
  std::string_view text = line_text(line);
  uint32_t start = starts_[line];
  uint32_t want = pos.column > 0 ? pos.column - 1 : 0;
  if (unit == ColumnUnit::utf8) return start + std::min<uint32_t>(want, static_cast<uint32_t>(text.size()));
  uint32_t units = 0;
  uint32_t i = 0;
  while (i < text.size() && units < want) {
    units += utf16_units(static_cast<unsigned char>(text[i]));
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
  }
  return start + i;
}

std::string_view LineIndex::line_text(uint32_t line) const {
  if (line >= starts_.size()) return {};
  uint32_t start = starts_[line];
  uint32_t end = line + 1 < starts_.size() ? starts_[line + 1] : static_cast<uint32_t>(text_.size());
  std::string_view s = text_.substr(start, end - start);
  if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}

namespace {
Position position_in(std::string_view bytes, uint32_t offset) {
  return LineIndex(bytes.substr(0, offset)).position(offset);
}
}  // namespace

bool decode_source(std::string path, std::string bytes, SourceFile& out, DecodeError& error) {
  if (bytes.size() >= std::numeric_limits<uint32_t>::max()) {
    error = {"file is larger than 4 GiB", 0, {}};
    return false;
  }
  // UTF-32 first: its little-endian mark starts with UTF-16's.
  for (std::string_view other : {"UTF-32LE", "UTF-32BE", "UTF-16LE", "UTF-16BE"}) {
    std::string_view mark = other == "UTF-32LE" ? std::string_view("\xFF\xFE\0\0", 4)
        : other == "UTF-32BE"                   ? std::string_view("\0\0\xFE\xFF", 4)
        : other == "UTF-16LE"                   ? std::string_view("\xFF\xFE", 2)
                                                : std::string_view("\xFE\xFF", 2);
    if (std::string_view(bytes).starts_with(mark)) {
      error = {fmt::format("file is {} (it starts with that byte-order mark); pglens reads SQL as UTF-8: re-encode it, "
                           "e.g. with iconv -f {} -t UTF-8",
                           other, other.substr(0, 6)),
               0,
               {}};
      return false;
    }
  }
  bool bom = bytes.size() >= 3 && bytes.compare(0, 3, "\xEF\xBB\xBF") == 0;
  if (bom) bytes.erase(0, 3);
  if (const void* nul = std::memchr(bytes.data(), '\0', bytes.size())) {
    uint32_t at = static_cast<uint32_t>(static_cast<const char*>(nul) - bytes.data());
    error = {"file contains a NUL byte: it looks binary, not SQL text", at, position_in(bytes, at)};
    return false;
  }
  if (!simdjson::validate_utf8(bytes.data(), bytes.size())) {
    // Find the first bad byte for the message; only on the error path.
    uint32_t at = 0;
    size_t lo = 0, hi = bytes.size();
    while (hi - lo > 1) {  // the longest valid prefix, by bisection on sequence starts
      size_t mid = lo + (hi - lo) / 2;
      while (mid > lo && (static_cast<unsigned char>(bytes[mid]) & 0xC0) == 0x80) --mid;
      if (mid == lo) break;
      if (simdjson::validate_utf8(bytes.data(), mid)) lo = mid;
      else hi = mid;
    }
    at = static_cast<uint32_t>(lo);
    error = {"file is not valid UTF-8 (pglens reads SQL as UTF-8; re-encode it, e.g. with iconv)", at,
             position_in(bytes, at)};
    return false;
  }
  out.path = std::move(path);
  out.text = std::move(bytes);
  out.had_bom = bom;
  return true;
}

}  // namespace pglens
