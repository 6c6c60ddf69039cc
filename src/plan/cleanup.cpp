// Undoes what terminals, psql, GUI clients and chat tools do to a plan before we see it:
// CRLF, tabs, psql frames in every border style, '+' continuation marks, headers and
// (translated) row-count footers, pgAdmin/DBeaver quoting. Hard line wraps are undone by the
// TEXT reader, which knows what a line may start with.
#include <algorithm>
#include <vector>

#include "plan/internal.hpp"
#include "plan/text.hpp"

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

// One column per code point, two for East Asian wide ones, none for combining marks.
size_t display_width(std::string_view s) {
  size_t width = 0;
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++width, ++i;
      continue;
    }
    size_t n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    uint32_t cp = n == 4 ? b & 0x07u : n == 3 ? b & 0x0Fu : n == 2 ? b & 0x1Fu : 0;
    for (size_t k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    i += n;
    if ((cp >= 0x0300 && cp <= 0x036F) || cp == 0x200B) continue;
    bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF && cp != 0x303F) ||
        (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
        (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
    width += wide ? 2 : 1;
  }
  return width;
}

namespace {

// psql's wrap marks (`\pset format wrapped`): '.' (ascii), '…' (unicode) where a line was cut
// at the column's width and where its rest goes on; old-ascii marks with a space.
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";
size_t wrap_mark_at_start(std::string_view s) {
  if (starts_with(s, ".")) return 1;
  return starts_with(s, kEllipsis) ? kEllipsis.size() : 0;
}
size_t wrap_mark_at_end(std::string_view s) {
  if (!s.empty() && s.back() == '.') return 1;
  return s.size() >= 3 && s.substr(s.size() - 3) == kEllipsis ? kEllipsis.size() : 0;
}

// The one column of psql's table around a plan ("QUERY PLAN"), as `\pset border 0|1|2`,
// `\pset format aligned|wrapped` and `\pset linestyle ascii|old-ascii|unicode` draw it.
struct PsqlColumn {
  size_t rule_width = 0;  // display width of the rule under the header
  int border = -1;        // 0, 1 or 2; -1 until the first body line shows 0 or 1 (a margin)
  size_t width = 0;       // the column's width: a wrapped line's chunk is exactly this wide
  size_t body = 0;        // body lines read
  bool marked = false;    // psql marks wraps here ('.', '…'): only the marks say where lines go on
  bool padded = false;    // the header kept psql's trailing spaces: so did old-ascii's space marks
};

// Whether psql marked a wrap in the frame whose rule under the header is `lines[rule]`: a line
// as wide as a wrapped one ending in a mark (old-ascii's marks are spaces).
bool frame_has_wrap_marks(const std::vector<Line>& lines, size_t rule, size_t rule_width, bool bordered) {
  for (size_t j = rule + 1; j < lines.size(); ++j) {
    std::string_view t = lines[j].text;
    if (is_row_count_footer(trim(t))) break;
    if (bordered) {
      if (size_t rb = right_border(t)) t.remove_suffix(rb);
      else continue;
    } else {
      size_t width = display_width(t);
      if (width != rule_width && width != rule_width + 1) continue;
    }
    if (wrap_mark_at_end(t) && (!bordered || display_width(t) + 1 == rule_width)) return true;
  }
  return false;
}

enum class Mark { none, wrap, blank };  // blank: a space where old-ascii marks a wrap

// One body line of the column: its text without borders, margins and marks.
struct Cell {
  std::string_view content;
  Mark left = Mark::none;   // wrap: this line goes on with a line cut above
  Mark right = Mark::none;  // wrap (or blank): this line was cut, the next goes on with it
};

Cell cell_of(const Line& l, bool bordered, PsqlColumn& column) {
  std::string_view t = l.text;
  Cell cell;
  if (column.border < 0) {
    // PostgreSQL prints the root at column 0: a margin before it is border 1's.
    column.border = bordered ? 2 : !t.empty() && t.front() == ' ' ? 1 : 0;
    size_t frame = column.border == 2 ? 4 : column.border == 1 ? 2 : 0;
    column.width = column.rule_width > frame ? column.rule_width - frame : 0;
  }
  if (column.border == 2) {
    // "| text   |", "|.rest  .|", "│…rest  …│": border, margin or mark, text padded to the
    // width, margin or mark, border.
    size_t lead = t.find_first_not_of(' ');
    if (lead == std::string_view::npos) return cell;
    std::string_view r = t.substr(lead);
    size_t lb = left_border(r);
    if (!lb) {
      cell.content = r;
      return cell;
    }
    r.remove_prefix(lb);
    if (size_t rb = right_border(r)) r.remove_suffix(rb);
    if (size_t m = wrap_mark_at_start(r)) {
      cell.left = Mark::wrap;
      r.remove_prefix(m);
    } else if (!r.empty() && r.front() == ' ') {
      r.remove_prefix(1);
    }
    if (size_t m = wrap_mark_at_end(r); m && display_width(r) > column.width) {
      cell.right = Mark::wrap;
      r.remove_suffix(m);
      cell.content = r;  // the chunk keeps its trailing spaces
      return cell;
    }
    cell.content = trim_spaces_right(r);
    return cell;
  }
  // Border 0 and 1: no right border; a wrapped line is exactly the column (and margin) wide,
  // with its mark after it. Other lines are not padded.
  size_t full = column.width + static_cast<size_t>(column.border) + 1;
  if (column.border == 1) {
    if (size_t m = wrap_mark_at_start(t)) {
      cell.left = Mark::wrap;
      t.remove_prefix(m);
    } else if (!t.empty() && t.front() == ' ') {
      t.remove_prefix(1);
    }
    full -= 1;
  }
  if (column.width == 0) {  // no rule under the header: no width to tell wraps by
    cell.content = t;
    return cell;
  }
  size_t width = display_width(t);
  if (size_t m = wrap_mark_at_end(t); m && width == full) {
    cell.right = Mark::wrap;
    t.remove_suffix(m);
  } else if (l.trailing_spaces > 0 && display_width(l.text) + l.trailing_spaces == full + (column.border == 1)) {
    cell.right = Mark::blank;  // old-ascii's space mark, when the paste kept trailing spaces
  }
  cell.content = t;
  return cell;
}

// "Planning Time: ...", "Execution Time: ...", "JIT:", "Trigger ...: time=...": the lines
// PostgreSQL prints at column 0 after the tree. Any other text at column 0 after the root is a
// wrapped line's rest (old-ascii marks wraps with spaces, so only the text tells).
bool is_plan_level_line(std::string_view s) {
  if (text::is_trigger(s)) return true;
  size_t key = text::detail_key_length(s);
  if (key == 0) return false;
  std::string_view k = s.substr(0, key);
  for (std::string_view level :
       {"Planning Time", "Planning time", "Planning", "Execution Time", "Execution time", "Total runtime", "JIT",
        "Settings", "Serialization", "Query Identifier", "Query Text", "Trigger"})
    if (k == level) return true;
  return false;
}

int paren_depth(std::string_view s) {
  int depth = 0;
  for (char c : s) depth += c == '(' ? 1 : c == ')' ? -1 : 0;
  return depth;
}

// Whether `next` goes on with `prev` (the last line so far, `segment` its last physical
// line) where no wrap mark says so: old-ascii's blank marks, or a paste that trimmed them.
bool continues_unmarked(std::string_view prev, std::string_view segment, std::string_view next,
                        const PsqlColumn& column) {
  // Marks, or old-ascii's space marks kept (border 0 and 1), say it all.
  if (next.empty() || column.width == 0 || column.marked || (column.padded && column.border < 2)) return false;
  // A chunk of nothing but indentation.
  if (trim(segment).empty()) return true;
  size_t used = display_width(trim_spaces_right(segment));
  std::string_view tail = trim_spaces_right(prev);
  // An arrow is never a line of its own.
  bool arrow_cut = tail.size() >= 2 && tail.substr(tail.size() - 2) == "->";
  if (next.front() == ' ') {
    // After a chunk that (nearly) filled the column, text no plan line starts with is its rest
    // (cut before a space): at an odd column (PostgreSQL indents by even steps), or not a
    // capitalised word nor an arrow. Other indented lines: the TEXT reader judges.
    size_t indent = next.find_first_not_of(' ');
    if (indent == std::string_view::npos) return false;
    if (arrow_cut) return true;
    std::string_view text = next.substr(indent);
    return used + 3 >= column.width && (indent % 2 == 1 || !(text::is_upper(text.front()) || starts_with(text, "->")));
  }
  if (is_plan_level_line(next)) return false;
  // A chunk this full was cut; one much shorter is a line of its own.
  bool cut = used + 3 >= column.width || arrow_cut;
  if (!cut) return false;
  // A node line at column 0 after a complete line is the next plan's root (EXPLAIN of a query
  // a rule rewrote prints several trees).
  bool complete = paren_depth(prev) == 0 && !tail.empty() && tail.back() == ')';
  return !(text::is_headline(next) && complete);
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
      if (c != '\r') ++line.trailing_spaces;
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
  PsqlColumn column;
  bool column_open = false;       // lines[kept - 1] is the column's last body line
  bool expanded_open = false;     // lines[kept - 1] is an expanded-mode ("\x") value
  Mark last_right = Mark::none;   // how the column's last body line ended
  std::string_view last_segment;  // its own text (the last piece of a joined line)
  // Appends a wrapped line's rest to the line it was cut from, which filled `width` columns.
  auto join_rest = [&](const Line& rest, std::string_view text, size_t used, size_t width) {
    Line& prev = lines[kept - 1];
    std::string& joined = cleaned.storage.emplace_back(prev.text);
    if (used < width) joined.append(width - used, ' ');
    joined.append(text);
    prev.text = joined;
    prev.last = rest.origin;
    prev.trailing_spaces = rest.trailing_spaces;
  };
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
        column_open = expanded_open = false;
        continue;
      }
    }
    t = trim(t);
    bool expanded_before = expanded_open, column_before = column_open;
    column_open = expanded_open = false;
    // psql expanded mode (\\x): "-[ RECORD 1 ]---" and "QUERY PLAN | <line>"; a wrapped value
    // goes on in lines "           |.<rest>".
    if (starts_with(t, "-[ RECORD") || (box_char_len(t, 0) && starts_with(t.substr(3), "[ RECORD"))) continue;
    if (starts_with(t, "QUERY PLAN ")) {
      std::string_view rest = trim(t.substr(10));
      if (size_t n = left_border(rest)) {
        std::string_view content = rest.substr(n);
        if (!content.empty() && content.front() == ' ') content.remove_prefix(1);
        l.text = trim_spaces_right(content);
        lines[kept++] = l;
        expanded_open = true;
        continue;
      }
    }
    if (expanded_before && kept > 0) {
      size_t bar = left_border(t);
      size_t mark = bar ? wrap_mark_at_start(t.substr(bar)) : 0;
      size_t cut = wrap_mark_at_end(lines[kept - 1].text);
      if (mark && cut) {
        lines[kept - 1].text.remove_suffix(cut);
        join_rest(l, trim_spaces_right(t.substr(bar + mark)), 0, 0);
        expanded_open = true;
        continue;
      }
    }
    if (is_query_plan_header(t)) {
      framed = true;
      bordered = left_border(t) > 0;
      after_header = true;
      column = PsqlColumn{};
      column.padded = l.trailing_spaces > 0;
      continue;
    }
    // A wrapped line's chunk of indentation and a '-' (of "->") looks like a rule: inside the
    // column's body (border 0 and 1 draw no rule there) it is one when indented or as wide as
    // a chunk.
    bool rule = is_rule_line(t);
    if (rule && framed && !bordered && !header_above && column.body > 0 &&
        (l.text.front() == ' ' || display_width(l.text) + l.trailing_spaces == column.width + 1))
      rule = false;
    if (rule) {
      // Top/bottom/separator rules of a frame; a lone "---" elsewhere is noise too.
      if (framed && header_above) {
        column.rule_width = display_width(t);
        column.marked = frame_has_wrap_marks(lines, i, column.rule_width, bordered);
      }
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
    Cell cell;
    if (framed) {
      cell = cell_of(l, bordered, column);
      text = cell.content;
    }
    if (cell.right == Mark::none) {
      text = trim_spaces_right(text);
      // Newline marks at the right edge of a multi-line cell.
      if (text.size() >= 3 && is_newline_mark(text.substr(text.size() - 3))) {
        text.remove_suffix(3);
      } else if (!text.empty() && text.back() == '+' &&
                 (framed || strip_plus || (text.size() >= 2 && text[text.size() - 2] == ' '))) {
        text.remove_suffix(1);
      }
      text = trim_spaces_right(text);
    }
    if (!framed) {
      l.text = text;
      lines[kept++] = l;
      continue;
    }
    // A line psql wrapped goes on in the next: join them where the marks say so, or (old-ascii,
    // trimmed marks) where the text cannot stand alone.
    ++column.body;
    bool joins = false;
    if (column_before && kept > 0) {
      if (last_right == Mark::wrap) joins = column.border == 0 || cell.left == Mark::wrap;
      else if (last_right == Mark::blank) joins = true;
      else joins = continues_unmarked(lines[kept - 1].text, last_segment, text, column);
    }
    if (joins) {
      join_rest(l, text, display_width(last_segment), column.width);
    } else {
      l.text = text;
      l.wrap_width = static_cast<uint32_t>(column.width);
      lines[kept++] = l;
    }
    last_segment = text;
    last_right = cell.right;
    column_open = true;
  }
  lines.resize(kept);
  return cleaned;
}

}  // namespace pglens::plan::detail
