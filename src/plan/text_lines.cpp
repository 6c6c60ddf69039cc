// TEXT plan lines: what a line is (node, section, worker, detail, trigger, log marker) and
// the rejoining of lines a terminal or chat tool hard-wrapped: a line that cannot start a plan
// line and follows one that looks cut off continues it.
#include <deque>

#include "plan/text.hpp"

namespace pglens::plan::detail::text {

// Recognising line starts

bool word_prefix(std::string_view s, std::string_view word) {
  return starts_with(s, word) && (s.size() == word.size() || s[word.size()] == ' ' || s[word.size()] == '(');
}

static std::string_view strip_prefixes(std::string_view s) {
  for (bool again = true; again;) {
    again = false;
    for (std::string_view p : {"Parallel ", "Async ", "Partial ", "Finalize "}) {
      if (starts_with(s, p)) {
        s.remove_prefix(p.size());
        again = true;
      }
    }
  }
  return s;
}

// True when `s` starts with a node name we know (a TEXT headline).
static bool is_known_headline(std::string_view s) {
  // "Filter: ..." and other details: a node name never ends its first word with ':'.
  size_t space = s.find(' ');
  if (space != std::string_view::npos && space > 0 && s[space - 1] == ':') return false;
  s = strip_prefixes(s);
  if (s.empty()) return false;
  for (std::string_view agg : {"Aggregate", "GroupAggregate", "HashAggregate", "MixedAggregate", "HashSetOp", "SetOp"})
    if (agg.front() == s.front() && word_prefix(s, agg)) return true;
  if (word_prefix(s, "Nested Loop")) return true;
  if ((starts_with(s, "Hash ") || starts_with(s, "Merge ")) && s.find(" Join") != std::string_view::npos) {
    size_t j = s.find(" Join");
    if (j < 24) return true;
  }
  for (auto op : kModifyOps)
    if (starts_with(s, op) && starts_with(s.substr(op.size()), " on ")) return true;
  if (starts_with(s, "Foreign ")) {
    for (auto op : kModifyOps)
      if (starts_with(s.substr(8), op) && starts_with(s.substr(8 + op.size()), " on ")) return true;
  }
  for (auto t : kSimpleTypes)
    if (t.front() == s.front() && word_prefix(s, t)) return true;
  return false;
}

bool has_cost_parens(std::string_view s) {
  return s.find("(cost=") != std::string_view::npos || s.find("(actual ") != std::string_view::npos ||
      s.find("(never executed)") != std::string_view::npos;
}

bool is_headline(std::string_view s) {
  if (s.empty() || !is_upper(s[0])) return false;
  return is_known_headline(s) || has_cost_parens(s);
}

bool is_section(std::string_view s) {
  auto numbered = [&](std::string_view word) {
    if (!starts_with(s, word)) return false;
    std::string_view rest = s.substr(word.size());
    return !rest.empty() && is_digit(rest[0]);
  };
  if (numbered("InitPlan ") || numbered("SubPlan ")) return true;
  // PostgreSQL 8.x printed sections without a number.
  if (s == "InitPlan" || s == "SubPlan") return true;
  if (starts_with(s, "CTE ") && s.size() > 4) {
    std::string_view name = s.substr(4);
    return name.find(' ') == std::string_view::npos || name.front() == '"';
  }
  return false;
}

bool is_worker(std::string_view s) {
  if (!starts_with(s, "Worker ")) return false;
  size_t i = 7;
  size_t digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++digits;
  return digits > 0 && i < s.size() && s[i] == ':';
}

// "Key: value" where Key is words that each start upper-case (or a digit, or a small
// connector like "by"): "Rows Removed by Filter", "I/O Timings", "Full-sort Groups".
// Returns the key length, or 0.
size_t detail_key_length(std::string_view s) {
  if (s.empty() || !is_upper(s[0])) return 0;
  size_t colon = s.substr(0, 66).find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 64) return 0;
  if (colon + 1 < s.size() && s[colon + 1] != ' ') return 0;
  std::string_view key = s.substr(0, colon);
  size_t pos = 0;
  int words = 0;
  while (pos < key.size()) {
    size_t end = key.find(' ', pos);
    if (end == std::string_view::npos) end = key.size();
    std::string_view word = key.substr(pos, end - pos);
    if (word.empty()) return 0;
    // Later words may be lower case in a short key ("Planning time", "Total runtime").
    bool ok = is_upper(word[0]) || is_digit(word[0]) || word == "by" || word == "of" || word == "for" || word == "on" ||
        word == "per" || (words > 0 && key.size() <= 24 && is_lower(word[0]));
    ++words;
    if (!ok) return 0;
    for (char c : word)
      if (!(is_word_char(c) || c == '/' || c == '-' || c == '(' || c == ')')) return 0;
    pos = end + 1;
  }
  return colon;
}

bool is_trigger(std::string_view s) {
  return starts_with(s, "Trigger ") && s.find(": ") != std::string_view::npos &&
      (s.find("time=") != std::string_view::npos || s.find("calls=") != std::string_view::npos);
}

// auto_explain: "... LOG:  duration: 12.345 ms  plan:"
bool is_log_marker(std::string_view s, std::optional<double>* duration) {
  size_t d = s.find("duration: ");
  if (d == std::string_view::npos) return false;
  size_t p = s.find("plan:", d);
  if (p == std::string_view::npos) return false;
  if (duration) {
    std::string_view num = s.substr(d + 10);
    *duration = parse_double(num);
  }
  return true;
}

// "Rows Removed by": the first words of a key whose last word wrapped onto the next line.
static bool is_key_head(std::string_view s) {
  if (s.find(' ') == std::string_view::npos) return false;
  for (std::string_view key : {"Rows Removed by Filter", "Rows Removed by Join Filter", "Rows Removed by Index Recheck",
                               "Planned Partitions", "Workers Planned", "Workers Launched", "Subplans Removed",
                               "Full-sort Groups", "Pre-sorted Groups", "One-Time Filter"})
    if (key.size() > s.size() && starts_with(key, s) && key[s.size()] == ' ') return true;
  return false;
}

static bool is_line_start(std::string_view s) {
  return starts_with(s, "->") || detail_key_length(s) > 0 || is_key_head(s) || is_section(s) || is_worker(s) ||
      is_headline(s) || is_trigger(s) || is_log_marker(s, nullptr);
}

// A wrap where the space between two words was lost: the next line starts a `key=` token
// PostgreSQL prints after a space, or the line ends with a word that always stands alone.
static bool wrapped_at_space(std::string_view before, std::string_view next) {
  for (std::string_view key : {"time=", "rows=", "loops=", "width=", "cost=", "hit=", "read=", "dirtied=", "written=",
                               "exact=", "lossy=", "calls=", "records=", "fpi=", "bytes="})
    if (starts_with(next, key)) return true;
  for (std::string_view word :
       {" on", " using", " AND", " OR", " actual", " Scan", " Join", " Loop", " Cond:", " Filter:", " Key:"}) {
    if (before.size() >= word.size() && before.substr(before.size() - word.size()) == word) return true;
  }
  return false;
}

// Keys that PostgreSQL prints after another on the same line ("Sort Method: quicksort  Memory:
// 25kB"): at the start of a line they continue a wrapped pair line.
static bool is_pair_key(std::string_view key) {
  for (std::string_view k : {"Batches", "Memory", "Disk", "Memory Usage", "Disk Usage", "Misses", "Evictions",
                             "Overflows", "Average Memory", "Peak Memory", "Average Disk", "Peak Disk"})
    if (key == k) return true;
  return false;
}

static bool continues_pairs(std::string_view prev, std::string_view next) {
  if (prev.find("  ") == std::string_view::npos && !starts_with(prev, "Buckets:") && !starts_with(prev, "Hits:") &&
      !starts_with(prev, "Sort Method:"))
    return false;
  size_t klen = detail_key_length(next);
  if (klen == 0 || !is_pair_key(next.substr(0, klen))) return false;
  size_t plen = detail_key_length(prev);
  std::string_view first = prev.substr(0, plen);
  bool pair_line = is_worker(prev) || first == "Buckets" || first == "Sort Method" || first == "Hits" ||
      first == "Batches" || first == "Planned Partitions" || first == "Full-sort Groups" ||
      first == "Pre-sorted Groups";
  if (!pair_line) return false;
  std::string needle = "  " + std::string(next.substr(0, klen + 1));
  return prev.find(needle) == std::string_view::npos && !starts_with(prev, next.substr(0, klen + 1));
}

// "Rows Removed by" + "Filter: 99000": the line ends with the start of a key the next line
// finishes.
static bool completes_key(std::string_view prev, std::string_view next) {
  // Only a line that is nothing but the first words of a key can be completed.
  if (prev.find(':') != std::string_view::npos || prev.find('(') != std::string_view::npos) return false;
  size_t klen = detail_key_length(next);
  if (klen == 0) return false;
  std::string_view rest = next.substr(0, klen);
  for (std::string_view key : {"Rows Removed by Filter",
                               "Rows Removed by Join Filter",
                               "Rows Removed by Index Recheck",
                               "Heap Fetches",
                               "Heap Blocks",
                               "Sort Method",
                               "Sort Key",
                               "Group Key",
                               "Hash Cond",
                               "Index Cond",
                               "Recheck Cond",
                               "Merge Cond",
                               "Join Filter",
                               "One-Time Filter",
                               "Memory Usage",
                               "Disk Usage",
                               "Planned Partitions",
                               "Workers Planned",
                               "Workers Launched",
                               "Presorted Key",
                               "Full-sort Groups",
                               "Pre-sorted Groups",
                               "I/O Timings",
                               "Subplans Removed",
                               "Index Searches",
                               "Cache Key",
                               "Cache Mode"}) {
    if (key.size() <= rest.size() + 1 || key.substr(key.size() - rest.size()) != rest) continue;
    std::string_view head = key.substr(0, key.size() - rest.size() - 1);  // "Rows Removed by"
    if (prev.size() >= head.size() && prev.substr(prev.size() - head.size()) == head &&
        (prev.size() == head.size() || prev[prev.size() - head.size() - 1] == ' '))
      return true;
  }
  return false;
}

// Whether `next` (not a line start) continues the line above rather than being stray text:
// wrapping tools break long lines, and a line cut off inside parentheses or a value is
// unfinished however short it is.
static int paren_balance(std::string_view s) {
  int depth = 0;
  for (char c : s) {
    if (c == '(') ++depth;
    else if (c == ')') --depth;
  }
  return depth;
}

// `depth`: the parenthesis balance of `prev` (kept up to date as lines are glued).
static bool looks_wrapped(std::string_view prev, int depth, size_t prev_physical_length, std::string_view next) {
  if (depth > 0) return true;
  for (std::string_view tail : {"=", ",", " AND", " OR", ".."})
    if (prev.size() >= tail.size() && prev.substr(prev.size() - tail.size()) == tail) return true;
  if ((starts_with(prev, "Planning Time:") || starts_with(prev, "Execution Time:")) &&
      prev.substr(prev.size() >= 2 ? prev.size() - 2 : 0) != "ms")
    return true;
  auto first = static_cast<unsigned char>(next.front());
  bool plausible = first >= 0x20 && first != '%' && first != '#' && first != '!' && first != '@' && first != '|' &&
      first != '$' && first != '&' && first != '*' && first != '\\';
  return plausible && prev_physical_length >= 40;
}

// Plan-level lines: nothing continues them (a wrap heuristic must not glue the next
// statement's output onto "Execution Time").
static bool ends_output(std::string_view s) {
  return starts_with(s, "Execution Time:") || starts_with(s, "Execution time:") || starts_with(s, "Total runtime:");
}

std::vector<Logical> rejoin_lines(const std::vector<Line>& lines, std::deque<std::string>& glued) {
  std::vector<Logical> logical;
  logical.reserve(lines.size());
  // Appends to a logical line, giving it storage of its own the first time.
  auto append = [&](Logical& l, std::string_view a, std::string_view b) {
    if (!l.owned) l.owned = &glued.emplace_back(l.text);
    l.owned->append(a);
    l.owned->append(b);
    l.text = *l.owned;
  };
  bool glue_ok = false;   // the previous logical line may be continued
  bool in_query = false;  // collecting an auto_explain "Query Text:"
  size_t query_col = 0;
  bool prev_trailing_space = false;
  size_t prev_physical_length = 0;
  size_t prev_wrap_width = 0;  // psql's column width when the line above was in its wrapped format
  size_t prev_used_width = 0;  // and the columns that line took
  bool prev_tab_indented = false;
  for (const Line& line : lines) {
    // A server log writes an entry's continuation lines after a tab: a line without one
    // after them starts the next entry, however long the line above.
    bool new_log_entry = prev_tab_indented && !line.tab_indented;
    prev_tab_indented = line.tab_indented;
    std::string_view raw = line.text;
    struct Remember {
      size_t& to;
      size_t value;
      ~Remember() { to = value; }
    } remember{prev_physical_length, raw.size()}, remember_wrap{prev_wrap_width, line.wrap_width},
        remember_used{prev_used_width, line.wrap_width ? display_width(raw) : 0};
    size_t col = 0;
    while (col < raw.size() && raw[col] == ' ') ++col;
    std::string_view s = raw.substr(col);
    if (line.boundary) {
      logical.push_back({{}, nullptr, 0, line.origin, line.origin, true});
      glue_ok = in_query = false;
      continue;
    }
    if (s.empty()) {
      glue_ok = false;
      continue;
    }
    if (in_query) {
      if (!is_headline(s) && !starts_with(s, "->") && !is_log_marker(s, nullptr)) {
        Logical& q = logical.back();
        append(q, "\n", col > query_col ? std::string(col - query_col, ' ') : std::string());
        append(q, {}, s);
        q.last = line.last_origin();
        continue;
      }
      in_query = false;
    }
    std::string_view glue_with;
    if (glue_ok && !logical.empty() && !new_log_entry) {
      if (!is_line_start(s) && looks_wrapped(logical.back().text, logical.back().depth, prev_physical_length, s))
        glue_with = "auto";
      else if (continues_pairs(logical.back().text, s)) glue_with = "  ";
      else if (completes_key(logical.back().text, s)) glue_with = " ";
    }
    if (!glue_with.empty() && glue_with != "auto") {
      Logical& prev = logical.back();
      append(prev, glue_with, s);
      prev.depth += paren_balance(s);
      prev.last = line.last_origin();
      prev_trailing_space = line.had_trailing_space();
      continue;
    }
    if (glue_with == "auto") {
      Logical& prev = logical.back();
      char a = prev.text.empty() ? ' ' : prev.text.back();
      // psql's wrapped format cut the line above at its column's width: the rest goes on
      // exactly there (a chunk's trailing spaces may have been trimmed off: pad them back).
      if (prev_wrap_width > 0) {
        size_t used = prev_used_width;
        if (used + 3 >= prev_wrap_width) {
          append(prev, std::string(used < prev_wrap_width ? prev_wrap_width - used : 0, ' '), raw);
          prev.depth += paren_balance(s);
          prev.last = line.last_origin();
          prev_trailing_space = line.had_trailing_space();
          glue_ok = !ends_output(prev.text);
          continue;
        }
      }
      // A terminal wraps at its width and loses nothing: the rest starts in column 0.
      bool terminal_wrap = col == 0 && prev_physical_length >= 40 && !prev_trailing_space;
      bool direct = terminal_wrap ||
          (!prev_trailing_space && is_word_char(a) && is_word_char(s.front()) && !wrapped_at_space(prev.text, s));
      append(prev, direct ? "" : " ", s);
      prev.depth += paren_balance(s);
      prev.last = line.last_origin();
      prev_trailing_space = line.had_trailing_space();
      glue_ok = !ends_output(prev.text);
      continue;
    }
    logical.push_back({s, nullptr, col, line.origin, line.last_origin(), false, paren_balance(s), new_log_entry});
    prev_trailing_space = line.had_trailing_space();
    if (starts_with(s, "Query Text:")) {
      in_query = true;
      query_col = col;
      glue_ok = false;
      continue;
    }
    // Only lines of a plan can be continued; prose around a plan is left alone.
    glue_ok = !ends_output(s) &&
        (starts_with(s, "->") || detail_key_length(s) > 0 || is_headline(s) || is_section(s) || is_worker(s) ||
         is_trigger(s) || is_key_head(s));
  }
  return logical;
}

}  // namespace pglens::plan::detail::text
