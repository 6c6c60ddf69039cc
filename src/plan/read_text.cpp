// EXPLAIN (FORMAT TEXT): the tree is in the indentation. Lines are first rejoined where a
// terminal or chat tool hard-wrapped them (a line that cannot start a plan line continues the
// one above), then read with an explicit stack of open nodes and sections.
#include <algorithm>
#include <array>
#include <cmath>
#include <deque>

#include <fmt/format.h>

#include "plan/internal.hpp"

namespace pglens::plan::detail {
namespace {

// ---------------------------------------------------------------------------------------
// Recognising line starts

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word_char(char c) { return is_upper(c) || is_lower(c) || is_digit(c) || c == '_' || c == '.'; }

// Node names as the TEXT format prints them (after Parallel / Async / Partial / Finalize),
// longest first where one is a prefix of another.
constexpr std::array<std::string_view, 36> kSimpleTypes = {
    "Seq Scan", "Sample Scan", "Bitmap Heap Scan", "Bitmap Index Scan", "Tid Range Scan", "Tid Scan",
    "Subquery Scan", "Function Scan", "Table Function Scan", "Values Scan", "CTE Scan", "Named Tuplestore Scan",
    "WorkTable Scan", "Foreign Scan", "Result", "ProjectSet", "Merge Append", "Append", "Recursive Union",
    "BitmapAnd", "BitmapOr", "Gather Merge", "Gather", "Incremental Sort", "Sort", "Group", "Unique", "WindowAgg",
    "Limit", "LockRows", "Materialize", "Memoize", "Hash", "Index Only Scan", "Index Scan", "Custom Scan",
};

constexpr std::array<std::string_view, 4> kModifyOps = {"Insert", "Update", "Delete", "Merge"};

bool word_prefix(std::string_view s, std::string_view word) {
  return starts_with(s, word) && (s.size() == word.size() || s[word.size()] == ' ' || s[word.size()] == '(');
}

std::string_view strip_prefixes(std::string_view s) {
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
bool is_known_headline(std::string_view s) {
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
    bool ok = is_upper(word[0]) || is_digit(word[0]) || word == "by" || word == "of" || word == "for" ||
              word == "on" || word == "per" || (words > 0 && key.size() <= 24 && is_lower(word[0]));
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
bool is_key_head(std::string_view s) {
  if (s.find(' ') == std::string_view::npos) return false;
  for (std::string_view key : {"Rows Removed by Filter", "Rows Removed by Join Filter", "Rows Removed by Index Recheck",
                               "Planned Partitions", "Workers Planned", "Workers Launched", "Subplans Removed",
                               "Full-sort Groups", "Pre-sorted Groups", "One-Time Filter"})
    if (key.size() > s.size() && starts_with(key, s) && key[s.size()] == ' ') return true;
  return false;
}

bool is_line_start(std::string_view s) {
  return starts_with(s, "->") || detail_key_length(s) > 0 || is_key_head(s) || is_section(s) || is_worker(s) ||
         is_headline(s) || is_trigger(s) || is_log_marker(s, nullptr);
}

// A wrap where the space between two words was lost: the next line starts a `key=` token
// PostgreSQL prints after a space, or the line ends with a word that always stands alone.
bool wrapped_at_space(std::string_view before, std::string_view next) {
  for (std::string_view key : {"time=", "rows=", "loops=", "width=", "cost=", "hit=", "read=", "dirtied=", "written=",
                               "exact=", "lossy=", "calls=", "records=", "fpi=", "bytes="})
    if (starts_with(next, key)) return true;
  for (std::string_view word : {" on", " using", " AND", " OR", " actual", " Scan", " Join", " Loop", " Cond:",
                                " Filter:", " Key:"}) {
    if (before.size() >= word.size() && before.substr(before.size() - word.size()) == word) return true;
  }
  return false;
}

// Keys that PostgreSQL prints after another on the same line ("Sort Method: quicksort  Memory:
// 25kB"): at the start of a line they continue a wrapped pair line.
bool is_pair_key(std::string_view key) {
  for (std::string_view k : {"Batches", "Memory", "Disk", "Memory Usage", "Disk Usage", "Misses", "Evictions",
                             "Overflows", "Average Memory", "Peak Memory", "Average Disk", "Peak Disk"})
    if (key == k) return true;
  return false;
}

bool continues_pairs(std::string_view prev, std::string_view next) {
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
bool completes_key(std::string_view prev, std::string_view next) {
  // Only a line that is nothing but the first words of a key can be completed.
  if (prev.find(':') != std::string_view::npos || prev.find('(') != std::string_view::npos) return false;
  size_t klen = detail_key_length(next);
  if (klen == 0) return false;
  std::string_view rest = next.substr(0, klen);
  for (std::string_view key : {"Rows Removed by Filter", "Rows Removed by Join Filter", "Rows Removed by Index Recheck",
                               "Heap Fetches", "Heap Blocks", "Sort Method", "Sort Key", "Group Key", "Hash Cond",
                               "Index Cond", "Recheck Cond", "Merge Cond", "Join Filter", "One-Time Filter",
                               "Memory Usage", "Disk Usage", "Planned Partitions", "Workers Planned",
                               "Workers Launched", "Presorted Key", "Full-sort Groups", "Pre-sorted Groups",
                               "I/O Timings", "Subplans Removed", "Index Searches", "Cache Key", "Cache Mode"}) {
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
int paren_balance(std::string_view s) {
  int depth = 0;
  for (char c : s) {
    if (c == '(') ++depth;
    else if (c == ')') --depth;
  }
  return depth;
}

// `depth`: the parenthesis balance of `prev` (kept up to date as lines are glued).
bool looks_wrapped(std::string_view prev, int depth, size_t prev_physical_length, std::string_view next) {
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
bool ends_output(std::string_view s) {
  return starts_with(s, "Execution Time:") || starts_with(s, "Execution time:") || starts_with(s, "Total runtime:");
}

// ---------------------------------------------------------------------------------------
// Small syntaxes

struct Logical {
  std::string_view text;  // without indentation; into the input or `owned`
  std::string* owned = nullptr;  // the text of a line glued from several

  size_t col = 0;     // indentation in columns
  uint32_t first = 0, last = 0;
  bool boundary = false;
  int depth = 0;      // parenthesis balance of text
};

// "k=v k2=v2" tokens; values may be ranges "0.1..0.2".
template <class F>
void each_kv(std::string_view s, F&& f) {
  size_t pos = 0;
  while (pos < s.size()) {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == ',')) ++pos;
    size_t end = pos;
    while (end < s.size() && s[end] != ' ' && s[end] != ',') ++end;
    std::string_view tok = s.substr(pos, end - pos);
    size_t eq = tok.find('=');
    if (eq != std::string_view::npos) {
      std::string_view value = tok.substr(eq + 1);
      // A wrap joined with a space: "time= 0.5..1.0".
      if (value.empty() && end < s.size()) {
        size_t vpos = end + 1, vend = vpos;
        while (vend < s.size() && s[vend] != ' ' && s[vend] != ',') ++vend;
        value = s.substr(vpos, vend - vpos);
        end = vend;
      }
      f(tok.substr(0, eq), value);
    } else if (!tok.empty()) {
      f(tok, std::string_view());
    }
    pos = end;
  }
}

void range(std::string_view v, std::optional<double>& a, std::optional<double>& b) {
  size_t dots = v.find("..");
  if (dots == std::string_view::npos) {
    b = to_double(v);
    return;
  }
  a = to_double(v.substr(0, dots));
  b = to_double(v.substr(dots + 2));
}

// Splits "a, f(b, c), 'x, y'" at top-level commas.
std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  int depth = 0;
  bool quote = false, dquote = false;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == '\'') quote = false;
      continue;
    }
    if (dquote) {
      if (c == '"') dquote = false;
      continue;
    }
    if (c == '\'') quote = true;
    else if (c == '"') dquote = true;
    else if (c == '(' || c == '[') ++depth;
    else if ((c == ')' || c == ']') && depth > 0) --depth;
    else if (c == ',' && depth == 0) {
      out.emplace_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  std::string_view last = trim(s.substr(start));
  if (!last.empty() || !out.empty()) out.emplace_back(last);
  return out;
}

// "Key: v  Key2: v2" -> pairs (PostgreSQL separates them with two spaces).
std::vector<std::pair<std::string_view, std::string_view>> split_pairs(std::string_view s) {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t next = s.find("  ", pos);
    while (next != std::string_view::npos) {
      std::string_view after = trim(s.substr(next));
      if (detail_key_length(after) > 0) break;
      next = s.find("  ", next + 2);
    }
    std::string_view piece = trim(s.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    size_t colon = piece.find(':');
    if (colon != std::string_view::npos) out.emplace_back(trim(piece.substr(0, colon)), trim(piece.substr(colon + 1)));
    else if (!out.empty()) out.back().second = trim(std::string_view(out.back().second.data(), piece.end() - out.back().second.data()));
    if (next == std::string_view::npos) break;
    pos = next;
    while (pos < s.size() && s[pos] == ' ') ++pos;
  }
  return out;
}

void parse_buffers(std::string_view s, Buffers& b) {
  b.present = true;
  std::string_view category = "shared";
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find(", ", pos);
    std::string_view group = s.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    each_kv(group, [&](std::string_view k, std::string_view v) {
      if (v.empty()) {
        category = k;
        return;
      }
      int64_t n = to_int(v).value_or(0);
      if (category == "shared") {
        if (k == "hit") b.shared_hit = n;
        else if (k == "read") b.shared_read = n;
        else if (k == "dirtied") b.shared_dirtied = n;
        else if (k == "written") b.shared_written = n;
      } else if (category == "local") {
        if (k == "hit") b.local_hit = n;
        else if (k == "read") b.local_read = n;
        else if (k == "dirtied") b.local_dirtied = n;
        else if (k == "written") b.local_written = n;
      } else if (category == "temp") {
        if (k == "read") b.temp_read = n;
        else if (k == "written") b.temp_written = n;
      }
    });
    if (end == std::string_view::npos) break;
    pos = end + 2;
  }
}

void parse_io(std::string_view s, IoTimings& io) {
  io.present = true;
  std::string_view category = "shared";
  each_kv(s, [&](std::string_view k, std::string_view v) {
    if (v.empty()) {
      category = k;
      return;
    }
    double d = to_double(v).value_or(0);
    bool read = k == "read";
    if (category == "temp") (read ? io.temp_read_ms : io.temp_write_ms) = d;
    else if (category == "local") (read ? io.local_read_ms : io.local_write_ms) = d;
    else (read ? io.shared_read_ms : io.shared_write_ms) = d;  // "shared", "shared/local", none
  });
}

void parse_wal(std::string_view s, Wal& wal) {
  wal.present = true;
  each_kv(s, [&](std::string_view k, std::string_view v) {
    int64_t n = to_int(v).value_or(0);
    if (k == "records") wal.records = n;
    else if (k == "fpi") wal.fpi = n;
    else if (k == "bytes") wal.bytes = n;
    else if (k == "full") wal.buffers_full = n;
  });
}

// "262144 (originally 1024)" -> 262144 and 1024; no "originally" -> the same number.
void with_original(std::string_view v, std::optional<int64_t>& now, std::optional<int64_t>& original) {
  size_t o = v.find("(originally ");
  now = to_int(v.substr(0, o));
  if (o == std::string_view::npos) {
    original = now;
  } else {
    std::string_view rest = v.substr(o + 12);
    original = to_int(rest.substr(0, rest.find(')')));
  }
}

// One "Key: value" pair on a node (or, with `worker`, on a worker's line).
void apply_pair(Node& node, WorkerStats* worker, std::string_view key, std::string_view v) {
  if (worker) {
    if (key == "Sort Method") worker->sort_method.assign(v);
    else if (key == "Memory" || key == "Disk") {
      worker->sort_space_kb = to_kb(v);
      worker->sort_space_type.assign(key);
    } else if (key == "Buffers") parse_buffers(v, worker->buffers);
    else if (key == "I/O Timings") parse_io(v, worker->io);
    else if (key == "WAL") parse_wal(v, worker->wal);
    else worker->properties.push_back({std::string(key), std::string(v)});
    return;
  }
  if (key == "Sort Method") node.sort_method.assign(v);
  else if (key == "Memory" || key == "Disk") {
    node.sort_space_kb = to_kb(v);
    node.sort_space_type.assign(key);
  } else if (key == "Buckets") with_original(v, node.hash_buckets, node.original_hash_buckets);
  else if (key == "Batches") {
    if (node.node_type == "Hash") with_original(v, node.hash_batches, node.original_hash_batches);
    else node.hashagg_batches = to_int(v);
  } else if (key == "Memory Usage") node.peak_memory_kb = to_kb(v);
  else if (key == "Disk Usage") node.disk_usage_kb = to_kb(v);
  else if (key == "Planned Partitions") node.planned_partitions = to_int(v);
  else if (key == "Hits") node.cache_hits = to_int(v);
  else if (key == "Misses") node.cache_misses = to_int(v);
  else if (key == "Evictions") node.cache_evictions = to_int(v);
  else if (key == "Overflows") node.cache_overflows = to_int(v);
  else node.properties.push_back({std::string(key), std::string(v)});
}

bool is_multi_pair_key(std::string_view key) {
  return key == "Sort Method" || key == "Buckets" || key == "Planned Partitions" || key == "Batches" ||
         key == "Hits" || key == "Memory Usage";
}

void apply_detail(Node& node, std::string_view key, std::string_view v) {
  auto set_text = [&](std::string& f) { f.assign(v); };
  if (key == "Filter") set_text(node.filter);
  else if (key == "Index Cond") set_text(node.index_cond);
  else if (key == "Recheck Cond") set_text(node.recheck_cond);
  else if (key == "Hash Cond") set_text(node.hash_cond);
  else if (key == "Merge Cond") set_text(node.merge_cond);
  else if (key == "Join Filter") set_text(node.join_filter);
  else if (key == "One-Time Filter") set_text(node.one_time_filter);
  else if (key == "TID Cond") set_text(node.tid_cond);
  else if (key == "Sort Key") node.sort_key = split_list(v);
  else if (key == "Group Key" || key == "Hash Key") {
    // Grouping sets print several Group Key / Hash Key lines; JSON nests them in
    // "Grouping Sets". Kept as properties there (see finish_grouping_sets).
    if (key == "Group Key" && node.group_key.empty() && !node.property("Hash Key")) node.group_key = split_list(v);
    else node.properties.push_back({std::string(key), std::string(v)});
  }
  else if (key == "Presorted Key") node.presorted_key = split_list(v);
  else if (key == "Output") node.output = split_list(v);
  else if (key == "Heap Blocks") {
    each_kv(v, [&](std::string_view k, std::string_view n) {
      if (k == "exact") node.exact_heap_blocks = to_int(n);
      else if (k == "lossy") node.lossy_heap_blocks = to_int(n);
    });
  } else if (key == "Buffers") parse_buffers(v, node.buffers);
  else if (key == "I/O Timings") parse_io(v, node.io);
  else if (key == "WAL") parse_wal(v, node.wal);
  else if (key == "Rows Removed by Filter") node.rows_removed_by_filter = to_double(v);
  else if (key == "Rows Removed by Join Filter") node.rows_removed_by_join_filter = to_double(v);
  else if (key == "Rows Removed by Index Recheck") node.rows_removed_by_index_recheck = to_double(v);
  else if (key == "Heap Fetches") node.heap_fetches = to_double(v);
  else if (key == "Workers Planned") node.workers_planned = to_int(v);
  else if (key == "Workers Launched") node.workers_launched = to_int(v);
  else if (key == "Subplans Removed") node.subplans_removed = to_int(v);
  else if (key == "Index Searches") node.index_searches = to_int(v);
  else if (key == "Disabled") node.disabled = truthy(v);
  else if (is_multi_pair_key(key)) {
    std::string whole = std::string(key) + ": " + std::string(v);
    for (auto& [k, val] : split_pairs(whole)) apply_pair(node, nullptr, k, val);
  } else node.properties.push_back({std::string(key), std::string(v)});
}

// ---------------------------------------------------------------------------------------
// Headlines

// One possibly double-quoted identifier; advances `s`.
std::string read_ident(std::string_view& s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  std::string out;
  if (!s.empty() && s.front() == '"') {
    size_t i = 1;
    for (; i < s.size(); ++i) {
      if (s[i] == '"') {
        if (i + 1 < s.size() && s[i + 1] == '"') {
          out += '"';
          ++i;
        } else {
          ++i;
          break;
        }
      } else {
        out += s[i];
      }
    }
    s.remove_prefix(std::min(i, s.size()));
    return out;
  }
  size_t i = 0;
  while (i < s.size() && s[i] != ' ' && s[i] != '.') ++i;
  out.assign(s.substr(0, i));
  s.remove_prefix(i);
  return out;
}

std::vector<std::string> read_qualified(std::string_view& s) {
  std::vector<std::string> parts;
  parts.push_back(read_ident(s));
  while (!s.empty() && s.front() == '.') {
    s.remove_prefix(1);
    parts.push_back(read_ident(s));
  }
  return parts;
}

// "public.orders o" / "orders" into object (+schema) and alias.
void read_target(std::string_view s, Node& node, std::string& object) {
  auto parts = read_qualified(s);
  object = parts.back();
  if (parts.size() >= 2) node.schema = parts[parts.size() - 2];
  std::string alias = read_ident(s);
  node.alias = alias.empty() ? object : alias;
  std::string_view rest = trim(s);
  if (!rest.empty()) node.properties.push_back({"Target", std::string(rest)});
}

void parse_name(std::string_view s, Node& node) {
  // Prefixes.
  for (bool again = true; again;) {
    again = false;
    if (starts_with(s, "Parallel ")) node.parallel_aware = again = true, s.remove_prefix(9);
    if (starts_with(s, "Async ")) node.async_capable = again = true, s.remove_prefix(6);
  }
  std::string partial = "Simple";
  if (starts_with(s, "Partial ")) partial = "Partial", s.remove_prefix(8);
  else if (starts_with(s, "Finalize ")) partial = "Finalize", s.remove_prefix(9);

  struct Agg { std::string_view text, strategy; };
  for (Agg a : {Agg{"GroupAggregate", "Sorted"}, Agg{"HashAggregate", "Hashed"}, Agg{"MixedAggregate", "Mixed"},
                Agg{"Aggregate", "Plain"}}) {
    if (word_prefix(s, a.text)) {
      node.node_type = "Aggregate";
      node.strategy = a.strategy;
      node.partial_mode = partial;
      return;
    }
  }
  for (auto [text, strategy] : {std::pair<std::string_view, std::string_view>{"HashSetOp", "Hashed"}, {"SetOp", "Sorted"}}) {
    if (word_prefix(s, text)) {
      node.node_type = "SetOp";
      node.strategy = strategy;
      node.command = trim(s.substr(text.size()));
      return;
    }
  }
  if (word_prefix(s, "Nested Loop")) {
    node.node_type = "Nested Loop";
    std::string_view rest = trim(s.substr(11));
    node.join_type = "Inner";
    if (rest.size() > 5 && rest.substr(rest.size() - 5) == " Join") node.join_type = rest.substr(0, rest.size() - 5);
    return;
  }
  for (std::string_view kind : {"Hash", "Merge"}) {
    if (starts_with(s, kind) && s.size() > kind.size() + 4 && s.substr(s.size() - 4) == "Join" &&
        s[kind.size()] == ' ') {
      node.node_type = std::string(kind) + " Join";
      std::string_view middle = trim(s.substr(kind.size(), s.size() - 4 - kind.size()));
      node.join_type = middle.empty() ? "Inner" : std::string(middle);
      return;
    }
  }
  for (auto op : kModifyOps) {
    if (starts_with(s, op) && starts_with(s.substr(op.size()), " on ")) {
      node.node_type = "ModifyTable";
      node.operation = op;
      read_target(s.substr(op.size() + 4), node, node.relation);
      return;
    }
    if (starts_with(s, "Foreign ") && starts_with(s.substr(8), op) && starts_with(s.substr(8 + op.size()), " on ")) {
      node.node_type = "Foreign Scan";
      node.operation = op;
      read_target(s.substr(8 + op.size() + 4), node, node.relation);
      return;
    }
  }
  if (starts_with(s, "Custom Scan (")) {
    size_t close = s.find(')');
    node.node_type = "Custom Scan";
    node.custom_provider = s.substr(13, close == std::string_view::npos ? std::string_view::npos : close - 13);
    std::string_view rest = close == std::string_view::npos ? std::string_view() : trim(s.substr(close + 1));
    if (starts_with(rest, "on ")) read_target(rest.substr(3), node, node.relation);
    return;
  }
  for (std::string_view index_kind : {"Index Only Scan", "Index Scan"}) {
    if (!word_prefix(s, index_kind)) continue;
    node.node_type = index_kind;
    std::string_view rest = trim(s.substr(index_kind.size()));
    node.scan_direction = "Forward";
    if (word_prefix(rest, "Backward")) {
      node.scan_direction = "Backward";
      rest = trim(rest.substr(8));
    }
    if (starts_with(rest, "using ")) {
      rest.remove_prefix(6);
      node.index_name = read_ident(rest);
      rest = trim(rest);
    }
    if (starts_with(rest, "on ")) read_target(rest.substr(3), node, node.relation);
    return;
  }
  for (auto t : kSimpleTypes) {
    if (!word_prefix(s, t)) continue;
    node.node_type = t;
    if (t == "Foreign Scan") node.operation = "Select";
    std::string_view rest = trim(s.substr(t.size()));
    if (!starts_with(rest, "on ")) {
      if (!rest.empty()) node.properties.push_back({"Target", std::string(rest)});
      return;
    }
    rest.remove_prefix(3);
    if (t == "Bitmap Index Scan") {
      node.index_name = read_ident(rest);
    } else if (t == "Subquery Scan" || t == "Values Scan") {
      node.alias = read_ident(rest);
    } else if (t == "Function Scan") {
      read_target(rest, node, node.function_name);
    } else if (t == "CTE Scan" || t == "WorkTable Scan") {
      read_target(rest, node, node.cte_name);
    } else if (t == "Table Function Scan" || t == "Named Tuplestore Scan") {
      std::string object;
      read_target(rest, node, object);
      node.properties.push_back({t == "Table Function Scan" ? "Table Function Name" : "Tuplestore Name", object});
    } else {
      read_target(rest, node, node.relation);
    }
    return;
  }
  // Unknown node: keep its name; "X on y" still gives a target.
  size_t on = s.find(" on ");
  node.node_type = trim(s.substr(0, on));
  if (on != std::string_view::npos) read_target(s.substr(on + 4), node, node.relation);
}

// Returns an error message when a parenthesis group is cut off.
std::string parse_headline(std::string_view s, Node& node) {
  size_t cost = s.find("(cost=");
  size_t actual = s.find("(actual ");
  size_t never = s.find("(never executed)");
  size_t name_end = std::min({cost, actual, never, s.size()});
  parse_name(trim(s.substr(0, name_end)), node);
  std::string error;
  auto group = [&](size_t at) -> std::string_view {
    size_t close = s.find(')', at);
    if (close == std::string_view::npos) {
      error = "the node line ends inside '" + std::string(s.substr(at, 8)) + "...' (expected ')'): the plan may be cut here";
      return s.substr(at + 1);
    }
    return s.substr(at + 1, close - at - 1);
  };
  if (cost != std::string_view::npos) {
    each_kv(group(cost), [&](std::string_view k, std::string_view v) {
      if (k == "cost") range(v, node.startup_cost, node.total_cost);
      else if (k == "rows") node.plan_rows = to_double(v);
      else if (k == "width") node.plan_width = to_int(v);
    });
  }
  if (actual != std::string_view::npos) {
    each_kv(group(actual), [&](std::string_view k, std::string_view v) {
      if (k == "time") range(v, node.actual_startup_ms, node.actual_total_ms);
      else if (k == "rows") node.actual_rows = to_double(v);
      else if (k == "loops") node.actual_loops = to_double(v);
    });
  }
  if (never != std::string_view::npos) {
    node.never_executed = true;
    node.actual_rows = 0;
    node.actual_loops = 0;
  }
  return error;
}

// ---------------------------------------------------------------------------------------
// Plan-level lines

void parse_settings(std::string_view s, Plan& plan) {
  for (auto& item : split_list(s)) {
    size_t eq = item.find(" = ");
    if (eq == std::string::npos) {
      plan.settings.push_back({item, ""});
      continue;
    }
    std::string value = item.substr(eq + 3);
    if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
      std::string unq;
      for (size_t i = 1; i + 1 < value.size(); ++i) {
        unq += value[i];
        if (value[i] == '\'' && i + 2 < value.size() && value[i + 1] == '\'') ++i;
      }
      value = unq;
    }
    plan.settings.push_back({item.substr(0, eq), value});
  }
}

void parse_trigger(std::string_view s, Plan& plan) {
  Trigger t;
  size_t colon = s.rfind(": ");
  std::string_view head = s.substr(8, colon - 8);  // after "Trigger "
  std::string_view figures = s.substr(colon + 2);
  size_t for_c = head.find("for constraint ");
  size_t on = head.find(" on ");
  if (for_c != 0) t.name = trim(head.substr(0, std::min(for_c, on)));
  if (for_c != std::string_view::npos) {
    std::string_view c = head.substr(for_c + 15);
    t.constraint_name = trim(c.substr(0, c.find(" on ")));
  }
  if (on != std::string_view::npos) t.relation = trim(head.substr(on + 4));
  each_kv(figures, [&](std::string_view k, std::string_view v) {
    if (k == "time") t.time_ms = to_double(v);
    else if (k == "calls") t.calls = to_double(v);
  });
  plan.triggers.push_back(std::move(t));
}

void parse_jit_line(std::string_view key, std::string_view v, Jit& jit) {
  if (key == "Functions") {
    jit.functions = to_int(v);
  } else if (key == "Options") {
    for (auto& item : split_list(v)) {
      size_t sp = item.rfind(' ');
      if (sp == std::string::npos) jit.options.push_back({item, ""});
      else jit.options.push_back({item.substr(0, sp), item.substr(sp + 1)});
    }
  } else if (key == "Timing") {
    for (auto& item : split_list(v)) {
      std::string_view it = item;
      size_t sp = it.find(' ');
      std::string name(it.substr(0, sp));
      std::string_view rest = sp == std::string_view::npos ? std::string_view() : it.substr(sp + 1);
      std::optional<double> ms = parse_double(rest);
      size_t paren = rest.find('(');
      if (paren != std::string_view::npos) {  // "Generation 0.5 ms (Deform 0.2 ms)"
        std::string_view inner = rest.substr(paren + 1);
        inner = inner.substr(0, inner.find(')'));
        size_t isp = inner.find(' ');
        std::string_view num = inner.substr(isp + 1);
        if (auto d = parse_double(num)) jit.properties.push_back({name + " " + std::string(inner.substr(0, isp)), fmt::format("{}", *d)});
      }
      if (name == "Generation") jit.generation_ms = ms;
      else if (name == "Inlining") jit.inlining_ms = ms;
      else if (name == "Optimization") jit.optimization_ms = ms;
      else if (name == "Emission") jit.emission_ms = ms;
      else if (name == "Total") jit.total_ms = ms;
    }
  } else {
    jit.properties.push_back({std::string(key), std::string(v)});
  }
}

std::optional<double> ms_value(std::string_view v) { return parse_double(v); }

// ---------------------------------------------------------------------------------------
// The reader

struct Entry {
  bool section = false;
  size_t col = 0;     // node: column of its name; section: column of the header
  int node = -1;      // node index (sections: their owner)
  std::string name;   // section name
};

enum class Block { none, planning, jit, serialization, worker_jit };

class TextReader {
 public:
  // `expected_nodes`: a guess for reserving (moving 2 kB nodes on every growth is costly).
  TextReader(ReadResult& out, size_t expected_nodes) : out_(out), expected_nodes_(expected_nodes) {}

  void feed(const Logical& l) {
    std::string_view s = l.text;
    if (l.boundary) {
      close();
      return;
    }
    std::optional<double> duration;
    if (is_log_marker(s, &duration)) {
      close();
      pending_duration_ = duration;
      return;
    }
    if (starts_with(s, "Query Text:")) {
      close();
      pending_query_ = trim(s.substr(11));
      return;
    }
    // Blocks and worker context end where the indentation returns.
    if (block_ != Block::none && l.col <= block_col_) block_ = Block::none;
    if (worker_ && l.col <= worker_col_) worker_ = nullptr;

    if (starts_with(s, "->")) {
      std::string_view headline = trim(s.substr(2));
      size_t name_col = l.col + s.size() - headline.size();
      add_node(l, headline, l.col, name_col, true);
      return;
    }
    if (is_section(s) && plan_ && !plan_->nodes.empty()) {
      pop_to(l.col);
      int owner = std::max(0, owner_for(l.col));  // a section left of every node: the root's
      stack_.push_back({true, l.col, owner, std::string(s)});
      return;
    }
    if (plan_ && !plan_->nodes.empty() && l.col > root_col_ && is_target_line(s, l.col)) return;
    if ((!plan_ || plan_->nodes.empty() || closed_ || l.col <= root_col_) && is_headline(s)) {
      add_node(l, s, l.col, l.col, false);
      return;
    }
    if (!plan_ || closed_) return;  // text around plans: transcripts, log prefixes
    if (is_worker(s)) {
      Node* node = owner_node(l.col);
      if (!node) return;
      size_t colon = s.find(':');
      int number = static_cast<int>(to_int(s.substr(7, colon - 7)).value_or(0));
      worker_ = &worker_by_number(node->workers, number);
      worker_node_ = node;
      worker_col_ = l.col;
      extend(*node, l);
      apply_worker_text(trim(s.substr(colon + 1)));
      return;
    }
    if (is_trigger(s)) {
      parse_trigger(s, *plan_);
      return;
    }
    size_t key_len = detail_key_length(s);
    if (key_len == 0) {
      out_.errors.push_back({l.first, "unexpected text in the plan: \"" + std::string(s.substr(0, 60)) +
                                          "\" (expected a node line, a detail like \"Filter: ...\" or a summary line)"});
      return;
    }
    std::string_view key = s.substr(0, key_len);
    std::string_view value = trim(s.substr(key_len + 1));
    if (worker_ && l.col > worker_col_) {
      extend(*worker_node_, l);
      if (key == "JIT") return;  // its lines follow, more indented: kept as worker properties
      if (is_multi_pair_key(key)) {
        for (auto& [k, v] : split_pairs(s)) apply_pair(*worker_node_, worker_, k, v);
      } else {
        apply_pair(*worker_node_, worker_, key, value);
      }
      return;
    }
    if (block_ != Block::none) {
      apply_block(key, value);
      return;
    }
    Node* node = l.col > root_col_ ? owner_node(l.col) : nullptr;
    if (node) {
      extend(*node, l);
      apply_detail(*node, key, value);
      return;
    }
    apply_plan_line(l, key, value);
  }

  void close() {
    if (plan_) finish_current();
    plan_ = nullptr;
    closed_ = false;
    stack_.clear();
    worker_ = nullptr;
    block_ = Block::none;
  }

 private:
  ReadResult& out_;
  size_t expected_nodes_ = 0;
  Plan* plan_ = nullptr;
  bool closed_ = false;  // after "Execution Time": further lines are not this plan's
  size_t root_col_ = 0;
  std::vector<Entry> stack_;
  WorkerStats* worker_ = nullptr;
  Node* worker_node_ = nullptr;
  size_t worker_col_ = 0;
  Block block_ = Block::none;
  size_t block_col_ = 0;
  std::optional<double> pending_duration_;
  std::string pending_query_;

  static void extend(Node& n, const Logical& l) { n.lines.last = std::max(n.lines.last, l.last); }

  // TEXT does not print how a child hangs under its parent; JSON does. Derive it the way
  // PostgreSQL assigns it: members of Append-like nodes, the subquery of a Subquery Scan,
  // otherwise the outer then the inner child.
  void infer_relationships() {
    for (auto& parent : plan_->nodes) {
      bool members = parent.node_type == "Append" || parent.node_type == "Merge Append" ||
                     parent.node_type == "BitmapAnd" || parent.node_type == "BitmapOr" ||
                     parent.node_type == "Custom Scan";
      int plain = 0;
      for (int c : parent.children)
        if (plan_->nodes[static_cast<size_t>(c)].subplan_name.empty()) ++plain;
      if (parent.node_type == "ModifyTable" && plain > 1) members = true;
      int k = 0;
      for (int c : parent.children) {
        Node& child = plan_->nodes[static_cast<size_t>(c)];
        if (!child.parent_relationship.empty()) continue;
        if (members) child.parent_relationship = "Member";
        else if (parent.node_type == "Subquery Scan") child.parent_relationship = "Subquery";
        else child.parent_relationship = k == 0 ? "Outer" : "Inner";
        ++k;
      }
    }
  }

  // A node with several keys is a grouping-sets aggregate: none of its keys is "the" Group Key.
  void finish_grouping_sets() {
    for (auto& n : plan_->nodes) {
      if (n.group_key.empty() || (!n.property("Group Key") && !n.property("Hash Key"))) continue;
      std::string joined;
      for (const auto& k : n.group_key) joined += (joined.empty() ? "" : ", ") + k;
      n.properties.insert(n.properties.begin(), {"Group Key", joined});
      n.group_key.clear();
    }
  }

  void finish_current() {
    if (!plan_) return;
    infer_relationships();
    finish_grouping_sets();
    if (!plan_->nodes.empty()) plan_->lines.last = std::max(plan_->lines.last, plan_->nodes.back().lines.last);
  }

  void pop_to(size_t col) {
    while (!stack_.empty() && stack_.back().col >= col) stack_.pop_back();
  }

  // The deepest open node whose details would be at `col`.
  int owner_for(size_t col) const {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it)
      if (!it->section && it->col < col) return it->node;
    return stack_.empty() ? -1 : stack_.front().node;
  }
  Node* owner_node(size_t col) {
    int i = owner_for(col);
    return i >= 0 ? &plan_->nodes[static_cast<size_t>(i)] : nullptr;
  }

  // "Update on parted_1 parted" under "Update on parted": a target of a ModifyTable.
  bool is_target_line(std::string_view s, size_t col) {
    if (has_cost_parens(s)) return false;
    Node* owner = owner_node(col);
    if (!owner || owner->node_type != "ModifyTable") return false;
    for (auto op : kModifyOps) {
      if (starts_with(s, op) && starts_with(s.substr(op.size()), " on ")) {
        owner->properties.push_back({"Target", std::string(s.substr(op.size() + 4))});
        return true;
      }
    }
    return false;
  }

  void start_plan(const Logical& l, size_t col) {
    close();
    out_.plans.emplace_back();
    plan_ = &out_.plans.back();
    plan_->format = Format::text;
    plan_->lines = {l.first, l.last};
    plan_->log_duration_ms = pending_duration_;
    plan_->query_text = std::move(pending_query_);
    pending_duration_.reset();
    pending_query_.clear();
    root_col_ = col;
    plan_->nodes.reserve(expected_nodes_);
    if (!out_.format) out_.format = Format::text;
  }

  void add_node(const Logical& l, std::string_view headline, size_t arrow_col, size_t name_col, bool arrow) {
    if (!plan_ || closed_ || (!arrow && plan_->nodes.size() > 0)) start_plan(l, arrow ? arrow_col : name_col);
    worker_ = nullptr;
    block_ = Block::none;
    int parent = -1;
    std::string section;
    if (!plan_->nodes.empty()) {
      pop_to(arrow_col);
      if (!stack_.empty() && stack_.back().section) {
        section = stack_.back().name;
        parent = stack_.back().node;
      } else if (!stack_.empty()) {
        parent = stack_.back().node;
      } else {
        parent = 0;
        out_.errors.push_back({l.first, "node is not indented under any node (expected \"->\" deeper than its parent); "
                                        "attached to the root"});
      }
      if (parent >= 0 && section.empty()) {
        size_t expected = plan_node_col(parent) + 2;
        if (arrow_col > expected + 2)
          out_.errors.push_back({l.first, "node is indented deeper than expected under node " +
                                              std::to_string(parent + 1) + ": part of the plan may be missing above"});
      }
    }
    int index = static_cast<int>(plan_->nodes.size());
    plan_->nodes.emplace_back();
    Node& node = plan_->nodes.back();
    node.parent = parent;
    node.lines = {l.first, l.last};
    if (!section.empty()) {
      node.subplan_name = section;
      node.parent_relationship = starts_with(section, "SubPlan") ? "SubPlan" : "InitPlan";
    }
    std::string error = parse_headline(headline, node);
    if (!error.empty()) out_.errors.push_back({l.last, error});
    if (parent >= 0) plan_->nodes[static_cast<size_t>(parent)].children.push_back(index);
    node_cols_.resize(plan_->nodes.size());
    node_cols_[static_cast<size_t>(index)] = name_col;
    stack_.push_back({false, name_col, index, {}});
  }

  std::vector<size_t> node_cols_;
  size_t plan_node_col(int i) const { return node_cols_[static_cast<size_t>(i)]; }

  void apply_worker_text(std::string_view rest) {
    if (rest.empty()) return;
    if (starts_with(rest, "actual ")) {
      each_kv(rest.substr(7), [&](std::string_view k, std::string_view v) {
        if (k == "time") range(v, worker_->actual_startup_ms, worker_->actual_total_ms);
        else if (k == "rows") worker_->actual_rows = to_double(v);
        else if (k == "loops") worker_->actual_loops = to_double(v);
      });
      return;
    }
    if (starts_with(rest, "never executed")) {
      worker_->actual_rows = 0;
      worker_->actual_loops = 0;
      return;
    }
    for (auto& [k, v] : split_pairs(rest)) apply_pair(*worker_node_, worker_, k, v);
  }

  void apply_block(std::string_view key, std::string_view value) {
    switch (block_) {
      case Block::planning:
        if (key == "Buffers") parse_buffers(value, plan_->planning_buffers);
        else if (key == "Memory") {
          each_kv(value, [&](std::string_view k, std::string_view v) {
            if (k == "used") plan_->planning_memory_used_kb = to_kb(v);
            else if (k == "allocated") plan_->planning_memory_allocated_kb = to_kb(v);
          });
        } else plan_->properties.push_back({"Planning " + std::string(key), std::string(value)});
        break;
      case Block::jit: parse_jit_line(key, value, plan_->jit); break;
      case Block::serialization: plan_->serialization.push_back({std::string(key), std::string(value)}); break;
      default: break;
    }
  }

  void apply_plan_line(const Logical& l, std::string_view key, std::string_view value) {
    plan_->lines.last = std::max(plan_->lines.last, l.last);
    if (key == "Planning Time" || key == "Planning time") {
      plan_->planning_time_ms = ms_value(value);
    } else if (key == "Execution Time" || key == "Execution time" || key == "Total runtime") {
      plan_->execution_time_ms = ms_value(value);
      closed_ = true;
    } else if (key == "Planning") {
      block_ = Block::planning;
      block_col_ = l.col;
    } else if (key == "JIT") {
      block_ = Block::jit;
      block_col_ = l.col;
      plan_->jit.present = true;
    } else if (key == "Settings") {
      parse_settings(value, *plan_);
    } else if (key == "Serialization") {
      block_ = Block::serialization;
      block_col_ = l.col;
      each_kv(value, [&](std::string_view k, std::string_view v) {
        if (v.empty()) return;
        if (k == "time") plan_->serialization_time_ms = to_double(v);
        else plan_->serialization.push_back({std::string(k), std::string(v)});
      });
    } else {
      plan_->properties.push_back({std::string(key), std::string(value)});
    }
  }

};

}  // namespace

void read_text(const std::vector<Line>& lines, ReadResult& out) {
  // Pass 1: logical lines, hard wraps rejoined.
  std::vector<Logical> logical;
  logical.reserve(lines.size());
  std::deque<std::string> glued;  // stable addresses: logical lines point into it
  // Appends to a logical line, giving it storage of its own the first time.
  auto append = [&](Logical& l, std::string_view a, std::string_view b) {
    if (!l.owned) l.owned = &glued.emplace_back(l.text);
    l.owned->append(a);
    l.owned->append(b);
    l.text = *l.owned;
  };
  bool glue_ok = false;      // the previous logical line may be continued
  bool in_query = false;     // collecting an auto_explain "Query Text:"
  size_t query_col = 0;
  bool prev_trailing_space = false;
  size_t prev_physical_length = 0;
  for (const Line& line : lines) {
    std::string_view raw = line.text;
    struct Remember {
      size_t& to;
      size_t value;
      ~Remember() { to = value; }
    } remember{prev_physical_length, raw.size()};
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
        q.last = line.origin;
        continue;
      }
      in_query = false;
    }
    std::string_view glue_with;
    if (glue_ok && !logical.empty()) {
      if (!is_line_start(s) && looks_wrapped(logical.back().text, logical.back().depth, prev_physical_length, s)) glue_with = "auto";
      else if (continues_pairs(logical.back().text, s)) glue_with = "  ";
      else if (completes_key(logical.back().text, s)) glue_with = " ";
    }
    if (!glue_with.empty() && glue_with != "auto") {
      Logical& prev = logical.back();
      append(prev, glue_with, s);
      prev.depth += paren_balance(s);
      prev.last = line.origin;
      prev_trailing_space = line.had_trailing_space;
      continue;
    }
    if (glue_with == "auto") {
      Logical& prev = logical.back();
      char a = prev.text.empty() ? ' ' : prev.text.back();
      // A terminal wraps at its width and loses nothing: the rest starts in column 0.
      bool terminal_wrap = col == 0 && prev_physical_length >= 40 && !prev_trailing_space;
      bool direct = terminal_wrap ||
                    (!prev_trailing_space && is_word_char(a) && is_word_char(s.front()) && !wrapped_at_space(prev.text, s));
      append(prev, direct ? "" : " ", s);
      prev.depth += paren_balance(s);
      prev.last = line.origin;
      prev_trailing_space = line.had_trailing_space;
      glue_ok = !ends_output(prev.text);
      continue;
    }
    logical.push_back({s, nullptr, col, line.origin, line.origin, false, paren_balance(s)});
    prev_trailing_space = line.had_trailing_space;
    if (starts_with(s, "Query Text:")) {
      in_query = true;
      query_col = col;
      glue_ok = false;
      continue;
    }
    // Only lines of a plan can be continued; prose around a plan is left alone.
    glue_ok = !ends_output(s) && (starts_with(s, "->") || detail_key_length(s) > 0 || is_headline(s) ||
                                  is_section(s) || is_worker(s) || is_trigger(s) || is_key_head(s));
  }

  // Pass 2: the tree.
  size_t arrows = 1;
  for (const Logical& l : logical)
    if (starts_with(l.text, "->")) ++arrows;
  TextReader reader(out, arrows);
  for (const Logical& l : logical) reader.feed(l);
  reader.close();
}

}  // namespace pglens::plan::detail
