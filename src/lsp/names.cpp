#include "lsp/names.hpp"

#include <vector>

namespace pglens::lsp {
namespace {

bool ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
      (static_cast<unsigned char>(c) >= 0x80);
}

struct Part {
  Span span;
  std::string text;
};

// Reads one identifier starting at `at`; returns its end, or `at` when there is none.
uint32_t read_part(std::string_view text, uint32_t at, std::string& out) {
  out.clear();
  if (at < text.size() && text[at] == '"') {
    uint32_t i = at + 1;
    while (i < text.size()) {
      if (text[i] == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          out += '"';
          i += 2;
          continue;
        }
        return i + 1;
      }
      if (text[i] == '\n') return at;
      out += text[i++];
    }
    return at;
  }
  uint32_t i = at;
  while (i < text.size() && ident_char(text[i])) {
    char c = text[i++];
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  if (i > at && text[at] >= '0' && text[at] <= '9') return at;  // a number, not a name
  return i;
}

}  // namespace

std::optional<QualifiedName> name_at(std::string_view text, uint32_t offset) {
  if (offset > text.size()) return std::nullopt;
  // Inside a quoted identifier? Count the quotes on the line before the cursor.
  uint32_t line_start = offset;
  while (line_start > 0 && text[line_start - 1] != '\n') --line_start;
  uint32_t start = offset;
  bool quoted = false;
  uint32_t open = 0;
  for (uint32_t i = line_start; i < offset; ++i)
    if (text[i] == '"') {
      quoted = !quoted;
      open = i;
    }
  if (quoted) start = open;
  // Walk back to the start of the chain: over identifier characters, then over a dot and
  // the part before it (plain or quoted).
  for (;;) {
    while (start > line_start && ident_char(text[start - 1])) --start;
    if (start < line_start + 2 || text[start - 1] != '.') break;
    char before = text[start - 2];
    if (ident_char(before)) {
      start -= 1;
      continue;
    }
    if (before != '"') break;
    uint32_t j = start - 2;  // the closing quote of the part before the dot
    while (j > line_start && text[j - 1] != '"') --j;
    if (j == line_start) break;
    start = j - 1;
  }
  std::vector<Part> parts;
  uint32_t at = start;
  std::string part;
  for (;;) {
    uint32_t end = read_part(text, at, part);
    if (end == at) break;
    parts.push_back({{at, end}, part});
    if (end < text.size() && text[end] == '.') {
      at = end + 1;
      continue;
    }
    break;
  }
  if (parts.empty() || parts.size() > 2) return std::nullopt;
  Span whole{parts.front().span.begin, parts.back().span.end};
  if (offset < whole.begin || offset > whole.end) return std::nullopt;
  QualifiedName q;
  q.span = whole;
  q.name = parts.back().text;
  if (parts.size() == 2) q.schema = parts.front().text;
  return q;
}

}  // namespace pglens::lsp
