#include "source/json_string.hpp"

#include <simdjson.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <bit>

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

// Bytes that need a look of their own: control characters, '"', '\\' and, while the text is
// not known to be UTF-8, bytes >= 0x80. Reports write megabytes of messages, help and DDL,
// nearly all of it plain: sixteen bytes at a time where x86-64 always can, else one by one.
bool is_special(unsigned char c, bool high_too) { return c < 0x20 || c == '"' || c == '\\' || (high_too && c >= 0x80); }

// The first position from `i` on of a byte that needs a look; s.size() when none does.
size_t next_special(std::string_view s, size_t i, bool high_too) {
#ifdef __SSE2__
  // Sixteen at a time where x86-64 always can.
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), control_max = _mm_set1_epi8(0x1F);
  for (; i + 16 <= s.size(); i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    __m128i hits = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                _mm_cmpeq_epi8(_mm_min_epu8(v, control_max), v));  // v <= 0x1F
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(hits));
    if (high_too) mask |= static_cast<unsigned>(_mm_movemask_epi8(v));  // the bytes >= 0x80
    if (mask) return i + static_cast<size_t>(std::countr_zero(mask));
  }
#endif
  while (i < s.size() && !is_special(static_cast<unsigned char>(s[i]), high_too)) ++i;
  return i;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  enum class Utf8 { unknown, valid, invalid } utf8 = Utf8::unknown;  // known at the first byte >= 0x80
  size_t run = 0;  // start of the bytes not yet copied: runs that need no escape go in one append
  for (size_t i = 0;;) {
    i = next_special(s, i, utf8 != Utf8::valid);
    if (i == s.size()) break;
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      // Every byte before this one is ASCII: the text is UTF-8 when the rest is.
      if (utf8 == Utf8::unknown)
        utf8 = simdjson::validate_utf8(s.data() + i, s.size() - i) ? Utf8::valid : Utf8::invalid;
      size_t n = utf8 == Utf8::valid ? 1 : utf8_sequence_length(s, i);
      if (n == 0) {
        out.append(s.data() + run, i - run);
        out += "\xEF\xBF\xBD";
        run = ++i;
      } else {
        i += n;
      }
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

void append_html_escaped(std::string& out, std::string_view s) {
  bool utf8 = simdjson::validate_utf8(s.data(), s.size());
  size_t run = 0;
  auto put = [&](size_t i, size_t skip, std::string_view with) {
    out.append(s.data() + run, i - run);
    out += with;
    run = i + skip;
  };
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = utf8 ? 1 : utf8_sequence_length(s, i);
      if (n == 0) put(i, 1, "\xEF\xBF\xBD");
      i += n == 0 ? 1 : n;
      continue;
    }
    switch (c) {
      case '&': put(i, 1, "&amp;"); break;
      case '<': put(i, 1, "&lt;"); break;
      case '>': put(i, 1, "&gt;"); break;
      case '"': put(i, 1, "&quot;"); break;
      case '\'': put(i, 1, "&#39;"); break;
      case '\t':
      case '\n':
      case '\r': break;
      default:
        if (c < 0x20 || c == 0x7F) put(i, 1, "\xEF\xBF\xBD");
    }
    ++i;
  }
  out.append(s.data() + run, s.size() - run);
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  append_html_escaped(out, s);
  return out;
}

}  // namespace pglens
