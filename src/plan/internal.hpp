// Shared pieces of the plan readers (not public API).
#pragma once

#include <charconv>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pglens/plan.hpp"

namespace pglens::plan::detail {

// The lines of an input after paste damage was undone, each with its original line number.
struct Line {
  std::string_view text;  // into the input, or into CleanLines::storage when repaired
  uint32_t origin = 0;    // 1-based line in the original input
  uint32_t last = 0;      // the last original line, when psql's wrapped lines were joined into this one
  // psql's wrapped format: the column's width. A line the next one continues filled the column
  // exactly (a chunk ending in spaces lost them to trimming): pad it to this before joining.
  uint32_t wrap_width = 0;
  uint32_t trailing_spaces = 0;  // trimmed from the end (psql pads and marks wraps with spaces)
  bool tab_indented = false;     // began with a tab: a continuation line of a server log entry
  bool boundary = false;         // a psql footer or frame end was here: the output of one statement ended
  uint32_t last_origin() const { return last > origin ? last : origin; }
  bool had_trailing_space() const { return trailing_spaces > 0; }
};

// Byte offsets of the original input's line starts, for turning line ranges into spans.
struct Origin {
  std::vector<uint32_t> line_starts;  // 0-based line -> byte offset
  uint32_t size = 0;
  explicit Origin(std::string_view input);
  Span span_of(LineRange lines) const;
};

std::string_view trim(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
bool iequals(std::string_view a, std::string_view b);

// Parses a number at the start of `s` (leading spaces skipped); advances `s` past it.
std::optional<double> parse_double(std::string_view& s);
std::optional<double> to_double(std::string_view s);
std::optional<int64_t> to_int(std::string_view s);
// "25kB" / "1.5MB" -> kB.
std::optional<int64_t> to_kb(std::string_view s);

// Structured formats (JSON, YAML, XML) share PostgreSQL's key names. These apply one
// scalar; they return false when the key is not one they know.
bool apply_node_scalar(Node& node, std::string_view key, std::string_view value);
bool apply_buffers_scalar(Buffers& b, IoTimings& io, Wal& wal, std::string_view key, std::string_view value);
bool apply_worker_scalar(WorkerStats& w, std::string_view key, std::string_view value);
// The same for a JSON number, read without a round trip through text; false also for a
// key that takes text (the caller then applies the number's text).
bool apply_node_number(Node& node, std::string_view key, double value);
bool apply_buffers_number(Buffers& b, IoTimings& io, Wal& wal, std::string_view key, double value);
// Keys whose value is a list of strings on a node.
std::vector<std::string>* node_list(Node& node, std::string_view key);

// Turns a boolean-ish text into "true"/"false" kept as is otherwise.
bool truthy(std::string_view v);

// Adds `value` under `key`, merging workers of the same number (older servers print
// "Workers" twice for one node).
WorkerStats& worker_by_number(std::vector<WorkerStats>& workers, int number);

// After reading: links children, numbers nodes, computes metrics.
void finish_plan(Plan& plan, const Origin* origin);

// Whether JSON text is inside a string literal, fed one character at a time (escapes
// understood): the one place that scans JSON text before a parser sees it (finding where a
// document ends, undoing wraps inside strings, closing a truncated document).
class JsonStrings {
 public:
  // Feeds `c`; true when it is outside every string and not a quote (structure or space).
  bool outside(char c) {
    if (in_string_) {
      if (escaped_) escaped_ = false;
      else if (c == '\\') escaped_ = true;
      else if (c == '"') in_string_ = false;
      return false;
    }
    if (c == '"') in_string_ = true;
    return !in_string_;
  }
  // Inside a string, and the next character is not escaped.
  bool in_plain_string() const { return in_string_ && !escaped_; }

 private:
  bool in_string_ = false, escaped_ = false;
};

// Readers. Each appends plans and errors; `first_line` maps their lines to the input.
void read_text(const std::vector<Line>& lines, ReadResult& out);
// `span_base`: the text is the original input from that byte on; the nodes get their spans.
void read_json(std::string_view text, uint32_t first_line, ReadResult& out,
               std::optional<uint32_t> span_base = std::nullopt);
void read_yaml(std::string_view text, uint32_t first_line, ReadResult& out);
void read_xml(std::string_view text, uint32_t first_line, ReadResult& out);

// Undoes paste damage: CRLF, psql frames, quotes, footers, tabs. Keeps origins. Lines
// point into the input; only a line that had to be rewritten (tabs, quotes) gets storage.
struct CleanLines {
  std::vector<Line> lines;
  std::deque<std::string> storage;  // stable addresses: lines point into it
};
CleanLines clean_lines(std::string_view input);
// Columns a UTF-8 text takes in a terminal, as psql counts them when it wraps.
size_t display_width(std::string_view s);

}  // namespace pglens::plan::detail
