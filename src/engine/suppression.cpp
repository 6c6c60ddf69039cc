#include "engine/suppression.hpp"

#include <algorithm>

namespace pglens::detail {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || (c >= 'A' && c <= 'Z');
}

// Parses the body of one comment; returns false when it is not a suppression.
bool parse_comment(std::string_view text, Span comment, Suppression& out) {
  std::string_view body = text.substr(comment.begin, comment.end - comment.begin);
  uint32_t at = comment.begin;
  const size_t skip = 2;  // `--` or `/*`, two bytes either way
  if (body.starts_with("/*") && body.ends_with("*/")) body.remove_suffix(2);
  body.remove_prefix(skip);
  at += static_cast<uint32_t>(skip);
  while (!body.empty() && is_space(body.front())) {
    body.remove_prefix(1);
    ++at;
  }
  std::string_view marker;
  if (body.starts_with("pglens-ignore-file:")) {
    marker = "pglens-ignore-file:";
    out.whole_file = true;
  } else if (body.starts_with("pglens-ignore:")) marker = "pglens-ignore:";
  else return false;
  body.remove_prefix(marker.size());
  at += static_cast<uint32_t>(marker.size());
  out.comment = comment;
  size_t i = 0;
  for (;;) {
    while (i < body.size() && (body[i] == ' ' || body[i] == '\t')) ++i;
    size_t b = i;
    while (i < body.size() && is_id_char(body[i])) ++i;
    if (i == b) break;
    out.rules.push_back(
        {std::string(body.substr(b, i - b)), {at + static_cast<uint32_t>(b), at + static_cast<uint32_t>(i)}});
    size_t j = i;
    while (j < body.size() && (body[j] == ' ' || body[j] == '\t')) ++j;
    if (j < body.size() && body[j] == ',') {
      i = j + 1;
      continue;
    }
    break;  // the rest is the reason
  }
  return true;
}

}  // namespace

std::vector<Suppression> find_suppressions(std::string_view text, const LineIndex& lines,
                                           const std::vector<sql::Comment>& comments,
                                           const std::vector<sql::StatementSpan>& statements) {
  std::vector<Suppression> out;
  for (const auto& c : comments) {
    // Cheap filter before parsing: most comments are not suppressions.
    std::string_view body = text.substr(c.span.begin, c.span.end - c.span.begin);
    if (body.find("pglens-ignore") == std::string_view::npos) continue;
    Suppression s;
    if (!parse_comment(text, c.span, s)) continue;
    s.own_line = c.own_line;
    if (!s.whole_file) {
      uint32_t line = lines.line_of(c.span.begin);
      auto line_range = [&](uint32_t l) {
        uint32_t b = lines.line_start(std::min(l, lines.line_count() - 1));
        return Span{b, b + static_cast<uint32_t>(lines.line_text(std::min(l, lines.line_count() - 1)).size())};
      };
      // The statement the comment sits in, if any, and the first one starting after it.
      auto next = std::lower_bound(statements.begin(), statements.end(), c.span.end,
                                   [](const sql::StatementSpan& st, uint32_t off) { return st.span.begin < off; });
      const sql::StatementSpan* inside = nullptr;
      if (next != statements.begin()) {
        const auto& prev = *(next - 1);
        if (c.span.begin < prev.span.end ||
            (!c.own_line && lines.line_of(prev.span.end > 0 ? prev.span.end - 1 : 0) == line))
          inside = &prev;
      }
      if (c.own_line && !inside) {
        s.scope = next != statements.end() ? next->span : line_range(line + 1);
      } else if (c.own_line) {
        s.scope = line_range(line + 1);
      } else {
        // Trailing: this line, or the whole statement when the comment ends it.
        s.scope = line_range(line);
        if (inside && lines.line_of(inside->span.end > 0 ? inside->span.end - 1 : 0) == line)
          s.scope = {std::min(s.scope.begin, inside->span.begin), std::max(s.scope.end, inside->end)};
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

void apply_suppressions(std::vector<Suppression>& sups, std::vector<Diagnostic>& ds) {
  if (sups.empty()) return;
  std::erase_if(ds, [&](const Diagnostic& d) {
    bool suppressed = false;
    for (auto& s : sups) {
      if (!s.whole_file && !(d.span.begin >= s.scope.begin && d.span.begin <= s.scope.end)) continue;
      for (auto& r : s.rules) {
        if (r.id == d.rule) {
          r.used = true;
          suppressed = true;
        }
      }
    }
    return suppressed;
  });
}

}  // namespace pglens::detail
