// Entry point: undo paste damage, find each plan in the input (TEXT, JSON, YAML or XML, with
// anything around it), hand it to its reader, compute the derived figures.
#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "plan/text.hpp"

namespace pglens::plan {
namespace detail {
namespace {

size_t indent_of(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return i;
}

bool starts_json(std::string_view t) {
  if (t.empty() || (t.front() != '[' && t.front() != '{')) return false;
  std::string_view rest = trim(t.substr(1));
  return rest.empty() || rest.front() == '{' || rest.front() == '"' || rest.front() == '[';
}

// Index of the line where the JSON value starting at `from` closes; the last line when it
// never does (a truncated document).
size_t json_end(const std::vector<Line>& lines, size_t from) {
  int depth = 0;
  JsonStrings strings;
  for (size_t i = from; i < lines.size(); ++i) {
    if (lines[i].boundary) return i - 1;
    for (char c : lines[i].text) {
      if (!strings.outside(c)) continue;
      if (c == '{' || c == '[') ++depth;
      else if (c == '}' || c == ']') {
        if (--depth == 0) return i;
      }
    }
  }
  return lines.size() - 1;
}

bool names_plan_early(const std::vector<Line>& lines, size_t from) {
  for (size_t i = from; i < lines.size() && i < from + 4; ++i) {
    std::string_view t = lines[i].text;
    if (t.find("\"Plan\"") != std::string::npos || t.find("\"Query Text\"") != std::string::npos) return true;
  }
  return false;
}

bool is_yaml_key_line(std::string_view t) {
  size_t colon = t.find(':');
  return colon != std::string_view::npos && colon > 0 && (colon + 1 == t.size() || t[colon + 1] == ' ');
}

// A YAML explain starts with "- Plan:" (EXPLAIN) or "Plan:" after "Query Text:" (auto_explain).
bool starts_yaml(const std::vector<Line>& lines, size_t i) {
  std::string_view t = trim(lines[i].text);
  if (t == "- Plan:" || t == "- Query Text:" || starts_with(t, "- Query Text: ")) return true;
  if (t == "Plan:") return true;
  if (starts_with(t, "Query Text:")) {
    size_t col = indent_of(lines[i].text);
    for (size_t j = i + 1; j < lines.size() && j < i + 500; ++j) {
      std::string_view u = trim(lines[j].text);
      if (u.empty()) continue;
      size_t c = indent_of(lines[j].text);
      if (c < col) return false;
      if (c == col) return u == "Plan:";
    }
  }
  return false;
}

size_t yaml_end(const std::vector<Line>& lines, size_t from) {
  size_t col = indent_of(lines[from].text);
  size_t last = from;
  for (size_t i = from + 1; i < lines.size(); ++i) {
    if (lines[i].boundary) break;
    std::string_view t = trim(lines[i].text);
    if (t.empty()) continue;
    size_t c = indent_of(lines[i].text);
    if (c < col) break;
    if (c == col && !(starts_with(t, "- ") || is_yaml_key_line(t))) break;
    last = i;
  }
  return last;
}

std::string join(const std::vector<Line>& lines, size_t from, size_t to, size_t dedent) {
  std::string out;
  for (size_t i = from; i <= to; ++i) {
    std::string_view t = lines[i].text;
    size_t cut = std::min(dedent, indent_of(t));
    out.append(t.substr(cut));
    out += '\n';
  }
  return out;
}

// Plans nested deeper than this are refused, as lint refuses statements nested deeper than
// 1,000 levels: no planner builds such a tree from a real query, and showing one indents
// every line by its depth (output quadratic in depth).
constexpr int kMaxPlanDepth = 1000;

void finish_plans(ReadResult& out, const Origin* origin) {
  for (auto& plan : out.plans) finish_plan(plan, origin);
  std::erase_if(out.plans, [&](const Plan& plan) {
    auto deepest = std::max_element(plan.nodes.begin(), plan.nodes.end(),
                                    [](const Node& a, const Node& b) { return a.depth < b.depth; });
    if (deepest == plan.nodes.end() || deepest->depth <= kMaxPlanDepth) return false;
    out.errors.push_back({plan.lines.first,
                          fmt::format("plan nested {} levels deep (deeper than {}); pglens does not "
                                      "read it: no real query plans so deep a tree, it was made by a "
                                      "program",
                                      deepest->depth, kMaxPlanDepth)});
    return true;
  });
}

// A JSON plan exported as one CSV field (psql's \copy ... CSV, pgAdmin's CSV export): an
// optional "QUERY PLAN" header line, then the document in double quotes with every quote
// inside doubled. Returns the document with the same lines (the header left empty), or
// nothing when the input is not that.
std::optional<std::string> unquote_csv_json(std::string_view input) {
  size_t at = input.find_first_not_of(" \t\r\n");
  if (at == std::string_view::npos) return std::nullopt;
  std::string out(input.substr(0, at));
  size_t eol = input.find('\n', at);
  std::string_view first_line =
      trim(input.substr(at, eol == std::string_view::npos ? std::string_view::npos : eol - at));
  if (first_line == "QUERY PLAN" || first_line == "\"QUERY PLAN\"") {
    if (eol == std::string_view::npos) return std::nullopt;
    out += '\n';
    at = eol + 1;
    size_t next = input.find_first_not_of(" \t\r\n", at);
    if (next == std::string_view::npos) return std::nullopt;
    out.append(input.substr(at, next - at));
    at = next;
  }
  if (input[at] != '"') return std::nullopt;
  size_t open = input.find_first_not_of(" \t\r\n", at + 1);
  if (open == std::string_view::npos || (input[open] != '[' && input[open] != '{')) return std::nullopt;
  bool doubled = false;
  for (size_t i = at + 1; i < input.size(); ++i) {
    if (input[i] != '"') {
      out += input[i];
      continue;
    }
    if (i + 1 < input.size() && input[i + 1] == '"') {
      out += '"';
      doubled = true;
      ++i;
      continue;
    }
    // The closing quote: only space may follow.
    if (!doubled || input.find_first_not_of(" \t\r\n", i + 1) != std::string_view::npos) return std::nullopt;
    out.append(input.substr(i + 1));
    return out;
  }
  return std::nullopt;
}

// Reads `input`, which is `original` or a repair of it with the same lines (spans and line
// numbers are the original's).
ReadResult read_plans_of(std::string_view input, std::string_view original) {
  ReadResult out;
  // Fast path: a clean JSON document (what tools and FORMAT JSON produce) goes straight to
  // simdjson, without the line-by-line paste repair; anything else takes the full path.
  size_t start = input.find_first_not_of(" \t\r\n");
  if (start != std::string_view::npos && (input[start] == '[' || input[start] == '{')) {
    ReadResult fast;
    auto first_line =
        static_cast<uint32_t>(1 + std::count(input.begin(), input.begin() + static_cast<ptrdiff_t>(start), '\n'));
    bool repaired = input.data() != original.data();
    read_json(input.substr(start), first_line, fast,
              repaired ? std::nullopt : std::optional<uint32_t>(static_cast<uint32_t>(start)));
    if (fast.errors.empty() && !fast.plans.empty()) {
      bool spans_known = std::all_of(fast.plans.begin(), fast.plans.end(), [](const Plan& plan) {
        return std::all_of(plan.nodes.begin(), plan.nodes.end(), [](const Node& n) { return n.span.end > 0; });
      });
      // A line index of the whole input only when the JSON reader could not give the spans.
      std::optional<Origin> origin;
      if (!spans_known) origin.emplace(original);
      finish_plans(fast, origin ? &*origin : nullptr);
      return fast;
    }
  }
  CleanLines cleaned = clean_lines(input);
  std::vector<Line>& lines = cleaned.lines;
  std::vector<Line> text_lines;
  auto flush_text = [&] {
    if (text_lines.empty()) return;
    read_text(text_lines, out);
    text_lines.clear();
  };
  // An auto_explain "duration: ... plan:" line right before a structured plan belongs to it.
  auto take_marker = [&]() -> std::optional<double> {
    for (auto it = text_lines.rbegin(); it != text_lines.rend(); ++it) {
      std::string_view t = trim(it->text);
      if (t.empty()) continue;
      std::optional<double> ms;
      if (!text::is_log_marker(t, &ms)) return std::nullopt;
      text_lines.erase(std::next(it).base());
      return ms;
    }
    return std::nullopt;
  };
  auto structured = [&](size_t from, size_t to, size_t dedent,
                        void (*reader)(std::string_view, uint32_t, ReadResult&)) {
    auto duration = take_marker();
    flush_text();
    size_t before = out.plans.size();
    reader(join(lines, from, to, dedent), lines[from].origin, out);
    for (size_t p = before; p < out.plans.size(); ++p)
      if (duration) out.plans[p].log_duration_ms = duration;
  };

  for (size_t i = 0; i < lines.size();) {
    // Most lines are TEXT plan lines: only a few first characters can start anything else.
    size_t first = lines[i].text.find_first_not_of(' ');
    char c = first == std::string::npos ? ' ' : lines[i].text[first];
    if (c != '[' && c != '{' && c != '<' && c != '-' && c != 'P' && c != 'Q') {
      text_lines.push_back(lines[i]);
      ++i;
      continue;
    }
    std::string_view t = trim(lines[i].text);
    // A JSON plan names "Plan" (or auto_explain's "Query Text") within its first lines;
    // checking that first keeps stray brackets in prose from costing a scan to the end.
    if (starts_json(t) && names_plan_early(lines, i)) {
      size_t end = json_end(lines, i);
      std::string block = join(lines, i, end, 0);
      if (block.find("\"Plan") != std::string::npos || block.find("\"Node Type") != std::string::npos) {
        structured(i, end, 0,
                   [](std::string_view text, uint32_t line, ReadResult& result) { read_json(text, line, result); });
        i = end + 1;
        continue;
      }
    }
    if (starts_with(t, "<explain") || starts_with(t, "<?xml")) {
      size_t end = i;
      while (end + 1 < lines.size() && lines[end].text.find("</explain>") == std::string::npos) ++end;
      structured(i, end, 0, read_xml);
      i = end + 1;
      continue;
    }
    if (starts_yaml(lines, i)) {
      size_t end = yaml_end(lines, i);
      structured(i, end, indent_of(lines[i].text), read_yaml);
      i = end + 1;
      continue;
    }
    text_lines.push_back(lines[i]);
    ++i;
  }
  flush_text();

  Origin origin(original);
  bool found = !out.plans.empty();
  finish_plans(out, &origin);
  if (!found) {
    out.errors.push_back({0,
                          "no EXPLAIN plan found: expected a node line such as \"Seq Scan on t  (cost=...)\", "
                          "or EXPLAIN output in JSON, YAML or XML"});
    out.format.reset();
  }
  return out;
}

}  // namespace
}  // namespace detail

ReadResult read_plans(std::string_view input) {
  if (auto unquoted = detail::unquote_csv_json(input)) return detail::read_plans_of(*unquoted, input);
  return detail::read_plans_of(input, input);
}

std::optional<Format> detect_format(std::string_view input) { return read_plans(input).format; }

}  // namespace pglens::plan
