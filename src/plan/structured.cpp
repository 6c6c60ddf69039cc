#include "plan/structured.hpp"

#include <cstdint>
#include <cstring>
#include <optional>

namespace pglens::plan::detail {

NodeStarts find_node_starts(std::string_view text, std::string_view needle) {
  NodeStarts found;
  uint32_t line = 0;
  size_t line_begin = 0;  // byte offset where `line` starts
  size_t scanned = 0;     // newlines before this offset are counted
  const char* base = text.data();
  // Advances `line` to the line holding byte `to`.
  auto count_lines = [&](size_t to) {
    while (scanned < to) {
      const void* nl = std::memchr(base + scanned, '\n', to - scanned);
      if (!nl) {
        scanned = to;
        break;
      }
      scanned = static_cast<size_t>(static_cast<const char*>(nl) - base) + 1;
      line_begin = scanned;
      ++line;
    }
  };
  for (size_t hit = text.find(needle); hit != std::string_view::npos; hit = text.find(needle, hit + needle.size())) {
    count_lines(hit);
    // Only where a key can start: after spaces, "- ", "{" or "," from the line start.
    size_t k = hit;
    while (k > line_begin &&
           (text[k - 1] == ' ' || text[k - 1] == '\t' || text[k - 1] == '-' || text[k - 1] == '{' ||
            text[k - 1] == ',' || text[k - 1] == '\r'))
      --k;
    if (k == line_begin || (hit > line_begin && (text[hit - 1] == '{' || text[hit - 1] == ','))) {
      found.lines.push_back(line);
      found.line_offsets.push_back(static_cast<uint32_t>(line_begin));
    }
  }
  count_lines(text.size());
  // A text ending in a line break has no line after it.
  found.line_count = line + (text.empty() || text.back() == '\n' ? 0 : 1);
  if (found.line_count == 0) found.line_count = 1;
  return found;
}

void assign_structured_lines(std::vector<Plan>& plans, size_t from, const NodeStarts& starts, uint32_t first_line,
                             std::string_view text, std::optional<uint32_t> span_base) {
  uint32_t last_line = first_line + starts.line_count - 1;
  size_t total = 0;
  for (size_t p = from; p < plans.size(); ++p) total += plans[p].nodes.size();
  for (size_t p = from; p < plans.size(); ++p) plans[p].lines = {first_line, last_line};
  const std::vector<uint32_t>& at = starts.lines;
  if (total != at.size()) return;
  size_t k = 0;
  // The end of the line several nodes share, found once per line: searching again for each
  // node made a one-line (minified) plan O(nodes x bytes).
  size_t shared_line = SIZE_MAX, shared_line_end = text.size();
  for (size_t p = from; p < plans.size(); ++p) {
    for (auto& node : plans[p].nodes) {
      uint32_t begin = first_line + at[k];
      uint32_t end = k + 1 < at.size() ? first_line + at[k + 1] - (at[k + 1] > at[k] ? 1 : 0) : last_line;
      node.lines = {begin, std::max(begin, end)};
      if (span_base) {
        // Bytes of those same lines: up to the next node's line, or to the end of a line
        // several nodes share, or to the end of the text.
        const std::vector<uint32_t>& offsets = starts.line_offsets;
        size_t stop = text.size();
        if (k + 1 < at.size()) {
          if (at[k + 1] > at[k]) {
            stop = offsets[k + 1];
          } else {
            if (offsets[k] != shared_line) {
              shared_line = offsets[k];
              size_t nl = text.find('\n', offsets[k]);
              shared_line_end = nl == std::string_view::npos ? text.size() : nl + 1;
            }
            stop = shared_line_end;
          }
        }
        node.span = {*span_base + offsets[k], *span_base + static_cast<uint32_t>(stop)};
      }
      ++k;
    }
  }
}

}  // namespace pglens::plan::detail
