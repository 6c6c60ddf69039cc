// The TEXT reader's pieces (not public API): recognising what a line is, rejoining hard
// wraps, the small syntaxes of detail lines, node headlines and plan-level lines.
#pragma once

#include <array>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plan/internal.hpp"

namespace pglens::plan::detail::text {

// ---------------------------------------------------------------------------------------
// Line starts (text_lines.cpp)

inline bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
inline bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_word_char(char c) { return is_upper(c) || is_lower(c) || is_digit(c) || c == '_' || c == '.'; }

// Node names as the TEXT format prints them (after Parallel / Async / Partial / Finalize),
// longest first where one is a prefix of another.
inline constexpr std::array<std::string_view, 36> kSimpleTypes = {
    "Seq Scan",
    "Sample Scan",
    "Bitmap Heap Scan",
    "Bitmap Index Scan",
    "Tid Range Scan",
    "Tid Scan",
    "Subquery Scan",
    "Function Scan",
    "Table Function Scan",
    "Values Scan",
    "CTE Scan",
    "Named Tuplestore Scan",
    "WorkTable Scan",
    "Foreign Scan",
    "Result",
    "ProjectSet",
    "Merge Append",
    "Append",
    "Recursive Union",
    "BitmapAnd",
    "BitmapOr",
    "Gather Merge",
    "Gather",
    "Incremental Sort",
    "Sort",
    "Group",
    "Unique",
    "WindowAgg",
    "Limit",
    "LockRows",
    "Materialize",
    "Memoize",
    "Hash",
    "Index Only Scan",
    "Index Scan",
    "Custom Scan",
};

inline constexpr std::array<std::string_view, 4> kModifyOps = {"Insert", "Update", "Delete", "Merge"};

// `word` at the start of `s`, followed by nothing, a space or '('.
bool word_prefix(std::string_view s, std::string_view word);
// The cost / actual / never-executed parentheses of a node line.
bool has_cost_parens(std::string_view s);
// A node line without its "->" (a root, or a known node name).
bool is_headline(std::string_view s);
// "InitPlan 1 (returns $0)", "SubPlan 2", "CTE name".
bool is_section(std::string_view s);
// "Worker 0:  ...".
bool is_worker(std::string_view s);
// "Key: value" where Key is words that each start upper-case (or a digit, or a small
// connector like "by"): "Rows Removed by Filter", "I/O Timings", "Full-sort Groups".
// Returns the key length, or 0.
size_t detail_key_length(std::string_view s);
// "Trigger name: time=... calls=...".
bool is_trigger(std::string_view s);
// auto_explain: "... LOG:  duration: 12.345 ms  plan:"; fills `duration` when given.
bool is_log_marker(std::string_view s, std::optional<double>* duration);

// ---------------------------------------------------------------------------------------
// Rejoining hard wraps (text_lines.cpp)

struct Logical {
  std::string_view text;         // without indentation; into the input or `owned`
  std::string* owned = nullptr;  // the text of a line glued from several
  size_t col = 0;                // indentation in columns
  uint32_t first = 0, last = 0;  // lines of the original input
  bool boundary = false;
  int depth = 0;               // parenthesis balance of text
  bool new_log_entry = false;  // the first line without a tab after a server log's tab-indented ones
};

// Logical lines: a line that cannot start a plan line and looks cut off continues the one
// above; auto_explain's multi-line "Query Text:" is gathered into one. Glued text is kept in
// `glued`.
std::vector<Logical> rejoin_lines(const std::vector<Line>& lines, std::deque<std::string>& glued);

// ---------------------------------------------------------------------------------------
// Detail lines and plan-level lines (text_details.cpp)

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

// "0.1..0.2" into both; a single number into `b`.
void range(std::string_view v, std::optional<double>& a, std::optional<double>& b);
// Splits "a, f(b, c), 'x, y'" at top-level commas.
std::vector<std::string> split_list(std::string_view s);
// "Key: v  Key2: v2" -> pairs (PostgreSQL separates them with two spaces).
std::vector<std::pair<std::string_view, std::string_view>> split_pairs(std::string_view s);
void parse_buffers(std::string_view s, Buffers& b);
// One "Key: value" pair on a node (or, with `worker`, on a worker's line).
void apply_pair(Node& node, WorkerStats* worker, std::string_view key, std::string_view v);
// Keys PostgreSQL prints with others on the same line ("Sort Method: ...  Memory: ...").
bool is_multi_pair_key(std::string_view key);
// One detail line of a node.
void apply_detail(Node& node, std::string_view key, std::string_view v);
void parse_settings(std::string_view s, Plan& plan);
void parse_trigger(std::string_view s, Plan& plan);
void parse_jit_line(std::string_view key, std::string_view v, Jit& jit);
std::optional<double> ms_value(std::string_view v);

// ---------------------------------------------------------------------------------------
// Node lines (text_headline.cpp)

// Fills the node's identity, target and figures from its line; returns an error message
// when a parenthesis group is cut off.
std::string parse_headline(std::string_view s, Node& node);

}  // namespace pglens::plan::detail::text
