#include "plan/structured.hpp"

namespace pglens::plan::detail {

void assign_structured_lines(std::vector<Plan>& plans, size_t from, std::string_view text, uint32_t first_line,
                             std::string_view needle) {
  // Lines (relative to first_line) where a node starts.
  std::vector<uint32_t> starts;
  uint32_t line = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view l = text.substr(pos, eol - pos);
    size_t hit = l.find(needle);
    while (hit != std::string_view::npos) {
      // Only where a key can start: after spaces, "- ", "{" or ",".
      size_t k = hit;
      while (k > 0 && (l[k - 1] == ' ' || l[k - 1] == '\t' || l[k - 1] == '-' || l[k - 1] == '{' || l[k - 1] == ',' ||
                       l[k - 1] == '\r'))
        --k;
      if (k == 0 || (hit > 0 && (l[hit - 1] == '{' || l[hit - 1] == ','))) starts.push_back(line);
      hit = l.find(needle, hit + needle.size());
    }
    pos = eol + 1;
    ++line;
  }
  uint32_t last_line = first_line + (line > 0 ? line - 1 : 0);
  size_t total = 0;
  for (size_t p = from; p < plans.size(); ++p) total += plans[p].nodes.size();
  for (size_t p = from; p < plans.size(); ++p) plans[p].lines = {first_line, last_line};
  if (total != starts.size()) return;
  size_t k = 0;
  for (size_t p = from; p < plans.size(); ++p) {
    for (auto& node : plans[p].nodes) {
      uint32_t begin = first_line + starts[k];
      uint32_t end = k + 1 < starts.size() ? first_line + starts[k + 1] - (starts[k + 1] > starts[k] ? 1 : 0) : last_line;
      node.lines = {begin, std::max(begin, end)};
      ++k;
    }
  }
}

}  // namespace pglens::plan::detail
