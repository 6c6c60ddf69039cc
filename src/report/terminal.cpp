// Text from SQL files, plans and file names is untrusted: printed raw, an ESC sequence in a
// pull request's .sql file could recolour, retitle or erase what pglens printed above it.
#include <fmt/format.h>

#include "pglens/report.hpp"

namespace pglens {
namespace {

// U+FFFD REPLACEMENT CHARACTER, for bytes that are not UTF-8 and for C1 controls (which
// have no picture of their own). One code point, so columns stay aligned.
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// The picture of a C0 control or DEL (U+2400..U+2421, as rustc shows ESC as ␛).
void append_picture(std::string& out, unsigned char c) {
  unsigned code = c == 0x7F ? 0x2421 : 0x2400 + c;
  out += static_cast<char>(0xE0 | (code >> 12));
  out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
  out += static_cast<char>(0x80 | (code & 0x3F));
}

// The length of the valid UTF-8 sequence at `s[i]`, or 0 when it is not one.
size_t utf8_length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (c >= 0xF5 || n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  unsigned char second = byte(i + 1);
  if (c == 0xE0 && second < 0xA0) return 0;   // overlong
  if (c == 0xED && second >= 0xA0) return 0;  // surrogate
  if (c == 0xF0 && second < 0x90) return 0;   // overlong
  if (c == 0xF4 && second >= 0x90) return 0;  // past U+10FFFF
  return n;
}

// pglens's own colours: ESC [ params m, every param one that only colours or weights text
// (reset, bold, dim, red, green, yellow, cyan). Nothing that hides text (8, 30/40 pairs).
bool own_sgr(std::string_view s, size_t i, size_t& length) {
  if (i + 2 >= s.size() || s[i + 1] != '[') return false;
  size_t k = i + 2, start = k;
  std::string_view param;
  for (; k < s.size(); ++k) {
    char c = s[k];
    if (c == ';' || c == 'm') {
      param = s.substr(start, k - start);
      if (param != "0" && param != "1" && param != "2" && param != "31" && param != "32" && param != "33" &&
          param != "36")
        return false;
      if (c == 'm') {
        length = k + 1 - i;
        return true;
      }
      start = k + 1;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return false;
}

std::string make_safe(std::string_view text, bool keep_newlines, bool keep_own_colors) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      size_t sgr = 0;
      if (c == 0x1B && keep_own_colors && own_sgr(text, i, sgr)) {
        out.append(text.substr(i, sgr));
        i += sgr;
        continue;
      }
      bool control = c < 0x20 || c == 0x7F;
      if (control && c != '\t' && !(keep_newlines && c == '\n')) append_picture(out, c);
      else out += static_cast<char>(c);
      ++i;
      continue;
    }
    size_t n = utf8_length(text, i);
    // C1 controls (U+0080..U+009F, C2 80..C2 9F): CSI is one of them.
    if (n == 0 || (n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0)) {
      out += kReplacement;
      i += n == 0 ? 1 : n;
      continue;
    }
    out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace

std::string terminal_safe(std::string_view text, bool keep_newlines) { return make_safe(text, keep_newlines, false); }

std::string terminal_safe_styled(std::string_view text, bool keep_own_colors) {
  return make_safe(text, true, keep_own_colors);
}

}  // namespace pglens
