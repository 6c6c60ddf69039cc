// Undoes what terminals, psql, GUI clients and chat tools do to a plan before we see it:
// CRLF, tabs, psql frames in every border style, '+' continuation marks, headers and
// (translated) row-count footers, pgAdmin/DBeaver quoting. Hard line wraps are undone by the
// TEXT reader, which knows what a line may start with.
#include <algorithm>
#include <vector>

#include "plan/internal.hpp"

namespace pglens::plan::detail {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

// UTF-8 box drawing characters psql's unicode linestyle uses: U+2500..U+257F (E2 94 80 ..
// E2 95 BF), and the '↵' (U+21B5: E2 86 B5) / '…' newline and wrap marks.
size_t box_char_len(std::string_view s, size_t i) {
  if (i + 2 < s.size() + 0 && static_cast<unsigned char>(s[i]) == 0xE2) {
    auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b1 == 0x94 || b1 == 0x95) return 3;
  }
  return 0;
}

bool is_newline_mark(std::string_view s) { return s == "\xE2\x86\xB5" /* ↵ */ || s == "\xE2\x80\xA6" /* … */; }

// A line made only of frame characters: dashes, '+', '|', '=', box drawing.
bool is_rule_line(std::string_view t) {
  if (t.empty()) return false;
  bool dash = false;
  for (size_t i = 0; i < t.size();) {
    if (size_t n = box_char_len(t, i)) {
      dash = true;
      i += n;
      continue;
    }
    char c = t[i];
    if (c == '-' || c == '=') dash = true;
    else if (c != '+' && c != '|' && c != ' ') return false;
    ++i;
  }
  return dash;
}

// Leading / trailing vertical border: '|', '│' (E2 94 82), '║' (E2 95 91), '┃'.
size_t left_border(std::string_view t) {
  if (!t.empty() && t[0] == '|') return 1;
  if (t.size() >= 3 && static_cast<unsigned char>(t[0]) == 0xE2 && box_char_len(t, 0)) return 3;
  return 0;
}
size_t right_border(std::string_view t) {
  if (!t.empty() && t.back() == '|') return 1;
  if (t.size() >= 3 && box_char_len(t, t.size() - 3)) return 3;
  return 0;
}

// "(42 rows)", "(1 row)", "(8 lignes)", "(8 Zeilen)", "(8 строк)".
bool is_row_count_footer(std::string_view t) {
  if (t.size() < 5 || t.front() != '(' || t.back() != ')') return false;
  size_t i = 1;
  size_t digits = 0;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i, ++digits;
  if (digits == 0 || i >= t.size() || t[i] != ' ') return false;
  ++i;
  size_t word = i;
  while (i < t.size() - 1 && t[i] != ' ' && t[i] != '(' && t[i] != ')') ++i;
  return i == t.size() - 1 && i > word;
}

bool is_query_plan_header(std::string_view t) {
  t = trim(t);
  if (size_t n = left_border(t)) t = trim(t.substr(n));
  if (size_t n = right_border(t)) t = trim(t.substr(0, t.size() - n));
  if (!t.empty() && t.front() == '"' && t.back() == '"' && t.size() >= 2) t = t.substr(1, t.size() - 2);
  return iequals(t, "QUERY PLAN");
}

// A whole line in double quotes (pgAdmin / DBeaver / CSV export) or in single quotes (SQL
// clients that copy a cell as a literal), the quote doubled inside.
bool fully_quoted(std::string_view t, char quote = '"') {
  if (t.size() < 2 || t.front() != quote || t.back() != quote) return false;
  std::string_view inner = t.substr(1, t.size() - 2);
  for (size_t i = 0; i < inner.size(); ++i) {
    if (inner[i] == quote) {
      if (i + 1 < inner.size() && inner[i + 1] == quote) ++i;
      else return false;
    }
  }
  return true;
}

std::string unquote_line(std::string_view t, char quote) {
  std::string out;
  std::string_view inner = t.substr(1, t.size() - 2);
  for (size_t i = 0; i < inner.size(); ++i) {
    out += inner[i];
    if (inner[i] == quote && i + 1 < inner.size() && inner[i + 1] == quote) ++i;
  }
  return out;
}

// The column `s` starts its text at when its tabs stop every `width` columns.
size_t indent_with_tabs(std::string_view s, size_t width) {
  size_t col = 0;
  for (char c : s) {
    if (c == '\t') col += width - col % width;
    else if (c == ' ') ++col;
    else break;
  }
  return col;
}

// The tab width that makes the plan's indentation consistent. PostgreSQL indents every line
// two columns right of the name of the node or section it belongs to ("->  Sort" names at
// arrow + 4); a paste whose indentation mixes tabs and spaces (an editor with tabs of 4, a
// log that indents with a tab) lines up only with the width it was written with. Ties keep 8.
size_t choose_tab_width(std::string_view input) {
  constexpr size_t kWidths[] = {8, 4, 2};
  constexpr size_t kMaxColumn = 4096;
  size_t best = 8, best_score = 0;
  for (size_t width : kWidths) {
    std::vector<bool> names(kMaxColumn + 8, false);  // columns where a node or section name starts
    size_t score = 0;
    for (size_t pos = 0; pos < input.size();) {
      size_t eol = input.find('\n', pos);
      if (eol == std::string_view::npos) eol = input.size();
      std::string_view line = input.substr(pos, eol - pos);
      pos = eol + 1;
      size_t col = indent_with_tabs(line, width);
      size_t lead = line.find_first_not_of(" \t");
      if (lead == std::string_view::npos || col >= kMaxColumn) continue;
      std::string_view text = line.substr(lead);
      if (col >= 2 && names[col - 2]) ++score;
      size_t name = col;
      if (starts_with(text, "->")) {
        size_t after = text.find_first_not_of(' ', 2);
        name = col + (after == std::string_view::npos ? 2 : after);
      }
      if (name < kMaxColumn) names[name] = true;
    }
    if (score > best_score) best = width, best_score = score;
  }
  return best;
}

std::string expand_tabs(std::string_view s, size_t width) {
  std::string out;
  out.reserve(s.size() + width);
  for (char c : s) {
    if (c == '\t') {
      size_t n = width - out.size() % width;
      out.append(n, ' ');
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view trim_spaces_right(std::string_view s) {
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Whether a line without trailing space could be a "QUERY PLAN" header: it ends in the
// header's last letter, a border or a quote (cheap, before the real test).
bool maybe_header(std::string_view t) {
  char c = t.back();
  return c == 'N' || c == 'n' || c == '|' || c == '"' || static_cast<unsigned char>(c) >= 0x80;
}

}  // namespace

CleanLines clean_lines(std::string_view input) {
  if (input.substr(0, 3) == "\xEF\xBB\xBF") input.remove_prefix(3);
  CleanLines cleaned;
  std::vector<Line>& lines = cleaned.lines;
  lines.reserve(static_cast<size_t>(std::count(input.begin(), input.end(), '\n')) + 1);
  // Counts that decide the repairs below, taken in the same pass.
  size_t nonempty = 0, plus = 0, quoted = 0, quoted_nonempty = 0, single_quoted = 0;
  size_t pos = 0;
  uint32_t origin = 1;
  size_t tab_width = 0;  // chosen at the first tab
  while (pos <= input.size()) {
    size_t eol = input.find('\n', pos);
    if (eol == std::string_view::npos) eol = input.size();
    std::string_view raw = input.substr(pos, eol - pos);
    Line line;
    line.origin = origin++;
    line.tab_indented = !raw.empty() && raw.front() == '\t';
    if (raw.find('\t') != std::string_view::npos) {
      if (!tab_width) tab_width = choose_tab_width(input);
      raw = cleaned.storage.emplace_back(expand_tabs(raw, tab_width));
    }
    std::string_view text = trim_right(raw);
    // A carriage return alone is a line ending, not trailing space.
    for (char c : raw.substr(text.size()))
      if (c != '\r') line.had_trailing_space = true;
    line.text = text;
    lines.push_back(line);
    if (!text.empty()) {
      ++nonempty;
      if (text.back() == '+') ++plus;
      if (text.back() == '\'' && fully_quoted(trim(text), '\'')) ++single_quoted;
      if (text.back() == '"') {
        std::string_view t = trim(text);
        if (!is_query_plan_header(t)) {
          ++quoted_nonempty;
          if (fully_quoted(t)) ++quoted;
        }
      } else if (!maybe_header(text) || !is_query_plan_header(text)) {
        ++quoted_nonempty;
      }
    }
    if (eol == input.size()) break;
    pos = eol + 1;
  }

  // pgAdmin / DBeaver (double quotes) or a SQL client (single quotes): most lines quoted ->
  // unquote those.
  char quote = quoted > 0 && quoted * 10 >= quoted_nonempty * 6 ? '"'
      : single_quoted > 0 && single_quoted * 10 >= nonempty * 6 ? '\''
                                                                : '\0';
  if (quote) {
    plus = nonempty = 0;
    for (auto& l : lines) {
      std::string_view t = trim(l.text);
      if (fully_quoted(t, quote)) {
        // Keep the indentation inside the quotes; drop the one outside.
        l.text = trim_right(cleaned.storage.emplace_back(unquote_line(t, quote)));
      }
      if (l.text.empty()) continue;
      ++nonempty;
      if (l.text.back() == '+') ++plus;
    }
  }

  // psql '+' continuation marks without a frame (a cell copied without its header): when
  // most lines end in '+', they all do.
  bool strip_plus = plus >= 2 && plus * 2 >= nonempty;

  // psql frames: header "QUERY PLAN", a rule line, content, a footer or bottom rule.
  size_t kept = 0;  // lines are compacted in place
  bool framed = false, bordered = false;
  bool after_header = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    Line l = lines[i];
    bool header_above = after_header;
    after_header = false;
    // The common case: a plain plan line outside any frame needs nothing more. Lines have no
    // trailing space here, so only the left needs skipping.
    std::string_view t = l.text;
    size_t first = t.find_first_not_of(' ');
    if (!framed && first != std::string_view::npos) {
      char head = t[first], tail = t.back();
      if (tail != '+' && tail != '|' && head != '(' && head != '-' && head != '=' && head != '"' && head != 'Q' &&
          head != '|' && static_cast<unsigned char>(head) < 0x80 && static_cast<unsigned char>(tail) < 0x80) {
        lines[kept++] = l;
        continue;
      }
    }
    t = trim(t);
    // psql expanded mode (\\x): "-[ RECORD 1 ]---" and "QUERY PLAN | <line>".
    if (starts_with(t, "-[ RECORD")) continue;
    if (starts_with(t, "QUERY PLAN ")) {
      std::string_view rest = trim(t.substr(10));
      if (size_t n = left_border(rest)) {
        std::string_view content = rest.substr(n);
        if (!content.empty() && content.front() == ' ') content.remove_prefix(1);
        l.text = trim_spaces_right(content);
        lines[kept++] = l;
        continue;
      }
    }
    if (is_query_plan_header(t)) {
      framed = true;
      bordered = left_border(t) > 0;
      after_header = true;
      continue;
    }
    if (is_rule_line(t)) {
      // Top/bottom/separator rules of a frame; a lone "---" elsewhere is noise too.
      if (framed && !header_above && !bordered) framed = false;
      continue;
    }
    if (is_row_count_footer(t)) {
      framed = false;
      l.text = {};
      l.boundary = true;
      lines[kept++] = l;
      continue;
    }
    std::string_view text = l.text;
    if (framed && bordered) {
      // "| Seq Scan on t |" / "│ Seq Scan on t │": drop both borders and the padding.
      size_t lead = text.find_first_not_of(' ');
      if (lead != std::string_view::npos) {
        if (size_t n = left_border(text.substr(lead))) text.remove_prefix(lead + n);
      }
      text = trim_spaces_right(text);
      if (size_t n = right_border(text)) text.remove_suffix(n);
    }
    text = trim_spaces_right(text);
    // Newline marks at the right edge of a multi-line cell.
    if (text.size() >= 3 && is_newline_mark(text.substr(text.size() - 3))) {
      text.remove_suffix(3);
    } else if (!text.empty() && text.back() == '+' &&
               (framed || strip_plus || (text.size() >= 2 && text[text.size() - 2] == ' '))) {
      text.remove_suffix(1);
    }
    l.text = trim_spaces_right(text);
    lines[kept++] = l;
  }
  lines.resize(kept);
  return cleaned;
}

}  // namespace pglens::plan::detail
