#include "report/json_string.hpp"

#include <simdjson.h>

#include <array>

namespace pglens {
namespace {

// The length of the well-formed UTF-8 sequence at s[i] (a byte >= 0x80), 0 when it is not one.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  auto cont = [&](size_t k) { return (b(k) & 0xC0) == 0x80; };
  unsigned c = b(0);
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c == 0xE0) return b(1) >= 0xA0 && b(1) <= 0xBF && cont(2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xED) return b(1) >= 0x80 && b(1) <= 0x9F && cont(2) ? 3 : 0;
  if (c == 0xF0) return b(1) >= 0x90 && b(1) <= 0xBF && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xF4) return b(1) >= 0x80 && b(1) <= 0x8F && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  // Bytes written as they are when the text is UTF-8: one lookup per byte on the way to the
  // next byte that needs a look (reports write megabytes of messages and help).
  static constexpr auto kPlain = [] {
    std::array<bool, 256> plain{};
    for (int c = 0x20; c < 256; ++c) plain[static_cast<size_t>(c)] = c != '"' && c != '\\';
    return plain;
  }();
  bool utf8 = simdjson::validate_utf8(s.data(), s.size());  // almost always: no per-byte check then
  out += '"';
  size_t run = 0;  // start of the bytes not yet copied: runs that need no escape go in one append
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (utf8 && kPlain[c]) {
      ++i;
      continue;
    }
    if (c >= 0x80 && !utf8) {
      size_t n = utf8_sequence_length(s, i);
      if (n == 0) {
        out.append(s.data() + run, i - run);
        out += "\xEF\xBF\xBD";
        run = ++i;
      } else {
        i += n;
      }
      continue;
    }
    if (c != '"' && c != '\\' && c >= 0x20) {
      ++i;
      continue;
    }
    out.append(s.data() + run, i - run);
    run = ++i;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 0xF];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

}  // namespace pglens
