// EXPLAIN (FORMAT JSON): an array of explain objects, or auto_explain's single object. Read
// with simdjson's DOM (its parser keeps duplicate keys — older servers print "Workers" twice).
#include <simdjson.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <optional>

#include "plan/structured.hpp"

namespace pglens::plan::detail {
namespace {

struct JsonAdapter {
  using V = simdjson::dom::element;
  static bool is_object(V v) { return v.type() == simdjson::dom::element_type::OBJECT; }
  static bool is_array(V v) { return v.type() == simdjson::dom::element_type::ARRAY; }
  template <class F>
  static void members(V v, F&& f) {
    simdjson::dom::object obj;
    if (v.get_object().get(obj)) return;
    for (auto field : obj) f(std::string_view(field.key), field.value);
  }
  template <class F>
  static void items(V v, F&& f) {
    simdjson::dom::array arr;
    if (v.get_array().get(arr)) return;
    for (auto item : arr) f(item);
  }
  // A number's value, for fields that take numbers (no round trip through text).
  static std::optional<double> number(V v) {
    switch (v.type()) {
      case simdjson::dom::element_type::INT64: return static_cast<double>(int64_t(v.get_int64().value_unsafe()));
      case simdjson::dom::element_type::UINT64: return static_cast<double>(uint64_t(v.get_uint64().value_unsafe()));
      case simdjson::dom::element_type::DOUBLE: return double(v.get_double().value_unsafe());
      default: return std::nullopt;
    }
  }
  static std::string_view scalar(V v, std::string& scratch) {
    char buf[64];
    switch (v.type()) {
      case simdjson::dom::element_type::STRING: return std::string_view(v.get_string().value_unsafe());
      case simdjson::dom::element_type::INT64: {
        auto r = std::to_chars(buf, buf + sizeof buf, int64_t(v.get_int64().value_unsafe()));
        scratch.assign(buf, r.ptr);
        return scratch;
      }
      case simdjson::dom::element_type::UINT64: {
        auto r = std::to_chars(buf, buf + sizeof buf, uint64_t(v.get_uint64().value_unsafe()));
        scratch.assign(buf, r.ptr);
        return scratch;
      }
      case simdjson::dom::element_type::DOUBLE: {
        auto r = std::to_chars(buf, buf + sizeof buf, double(v.get_double().value_unsafe()));
        scratch.assign(buf, r.ptr);
        return scratch;
      }
      case simdjson::dom::element_type::BOOL: return v.get_bool().value_unsafe() ? "true" : "false";
      default: return "";
    }
  }
};

// JSON text being repaired, with the original line each of its lines began on.
struct Repair {
  std::string text;
  std::vector<uint32_t> origin;  // line k of `text` -> 0-based line of the input

  uint32_t line_of(size_t byte) const {
    size_t k = static_cast<size_t>(
        std::count(text.begin(), text.begin() + static_cast<ptrdiff_t>(std::min(byte, text.size())), '\n'));
    return origin[std::min(k, origin.size() - 1)];
  }
  // Removes the line holding `byte`; false when it is the only line.
  bool drop_line_at(size_t byte) {
    if (origin.size() < 2) return false;
    byte = std::min(byte, text.size() - 1);
    size_t begin = text.rfind('\n', byte == 0 ? 0 : byte - 1);
    begin = begin == std::string::npos ? 0 : begin + 1;
    size_t end = text.find('\n', byte);
    end = end == std::string::npos ? text.size() : end + 1;
    size_t k = static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<ptrdiff_t>(begin), '\n'));
    text.erase(begin, end - begin);
    origin.erase(origin.begin() + static_cast<ptrdiff_t>(k));
    return true;
  }
};

// Drops raw line breaks inside strings: a chat tool or terminal wrapped a key or value.
Repair unwrap_strings(std::string_view text) {
  Repair out;
  out.text.reserve(text.size());
  out.origin.push_back(0);
  uint32_t line = 0;
  JsonStrings strings;
  for (char c : text) {
    if (c == '\n') ++line;
    if ((c == '\n' || c == '\r') && strings.in_plain_string()) continue;
    strings.outside(c);
    out.text += c;
    if (c == '\n') out.origin.push_back(line);
  }
  return out;
}

// A truncated document cut back to its last complete member and closed, so what came before
// the cut can still be read. Empty when there is nothing to salvage.
std::string close_truncated(std::string_view text) {
  std::string openers;
  JsonStrings strings;
  size_t last_comma = std::string::npos, depth_at_comma = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (!strings.outside(c)) continue;
    if (c == '{' || c == '[') openers += c;
    else if ((c == '}' || c == ']') && !openers.empty()) openers.pop_back();
    else if (c == ',') {
      last_comma = i;
      depth_at_comma = openers.size();
    }
  }
  if (openers.empty() || last_comma == std::string::npos) return {};
  std::string out(text.substr(0, last_comma));
  for (size_t d = std::min(depth_at_comma, openers.size()); d-- > 0;) out += openers[d] == '{' ? '}' : ']';
  return out;
}

// Where a JSON text stops being valid and what the parser expected there. simdjson says only
// that it failed; nlohmann's SAX parser (no tree built, no recursion) says where and why.
struct JsonProblem {
  size_t byte = 0;      // 0-based offset inside the offending token
  bool at_end = false;  // the text ended early
  std::string message;  // "syntax error while parsing object - unexpected ']'; expected string literal"
};

JsonProblem locate_problem(std::string_view text) {
  struct Sax final : nlohmann::json_sax<nlohmann::json> {
    JsonProblem problem;
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return true; }
    bool key(string_t&) override { return true; }
    bool end_object() override { return true; }
    bool start_array(std::size_t) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override {
      std::string_view what = ex.what();
      size_t column = what.find("column ");
      size_t colon = what.find(": ", column == std::string_view::npos ? 0 : column);
      problem.message = colon == std::string_view::npos ? std::string(what) : std::string(what.substr(colon + 2));
      // `position` counts the characters read: the last one read is in the offending token.
      problem.byte = position > 0 ? position - 1 : 0;
      problem.at_end = problem.message.find("unexpected end of input") != std::string::npos;
      return false;
    }
  } sax;
  nlohmann::json::sax_parse(text.begin(), text.end(), &sax);
  return sax.problem;
}

}  // namespace

void read_json(std::string_view text, uint32_t first_line, ReadResult& out, std::optional<uint32_t> span_base) {
  // Deep plans nest three JSON levels per plan level; allow what the input size allows.
  auto max_depth_for = [](size_t size) { return std::max<size_t>(1024, size / 4 + 16); };
  // Plans up to kKeptCapacity bytes share one parser per thread, kept between reads: the
  // language server reads a plan again after every edit, and a fresh parser's buffers
  // cost more than parsing a small plan. A larger plan gets its own, handed back after.
  constexpr size_t kKeptCapacity = 256 * 1024;
  thread_local simdjson::dom::parser kept;
  std::optional<simdjson::dom::parser> own;
  bool small = text.size() <= kKeptCapacity;
  simdjson::dom::parser& parser = small ? kept : own.emplace();
  size_t capacity = small ? kKeptCapacity : text.size();
  if (parser.capacity() < capacity || parser.max_depth() < max_depth_for(capacity)) {
    if (parser.allocate(capacity + simdjson::SIMDJSON_PADDING, max_depth_for(capacity))) {
      out.errors.push_back({first_line, "JSON plan too large to read"});
      return;
    }
  }
  simdjson::dom::element doc;
  // Copied into the parser's own padded buffer (kept with the parser).
  auto error = parser.parse(text.data(), text.size()).get(doc);
  std::string repaired;
  if (error) {
    Repair repair = unwrap_strings(text);
    auto parse_repair = [&] {
      simdjson::padded_string again(repair.text);
      return parser.parse(again).get(doc);
    };
    error = parse_repair();
    // Garbage mixed in (a log line, a stray prompt): each offending line is reported and
    // dropped, and the rest read; a few at most, then the document is taken as cut there.
    for (int dropped = 0; error && dropped < 16; ++dropped) {
      JsonProblem problem = locate_problem(repair.text);
      if (problem.message.empty() || problem.at_end) break;
      uint32_t line = first_line + repair.line_of(problem.byte);
      if (!repair.drop_line_at(problem.byte)) break;
      out.errors.push_back({line, "not valid JSON: " + problem.message + "; the line is left out"});
      error = parse_repair();
    }
    if (error) {
      JsonProblem problem = locate_problem(repair.text);
      uint32_t line = first_line + repair.line_of(problem.byte);
      std::string what = problem.message.empty() ? simdjson::error_message(error) : problem.message;
      std::string closed = close_truncated(std::string_view(repair.text).substr(0, problem.byte));
      simdjson::padded_string salvage(closed);
      if (!closed.empty() && !parser.parse(salvage).get(doc)) {
        if (problem.at_end)
          out.errors.push_back({line, "JSON plan ends early (expected more of the document); read what came before"});
        else out.errors.push_back({line, "not valid JSON: " + what + "; read what came before"});
        error = simdjson::SUCCESS;
        repair.text = std::move(closed);
      } else {
        out.errors.push_back({line, "not valid JSON: " + what});
        return;
      }
    }
    repaired = std::move(repair.text);
  }
  StructuredWalker<JsonAdapter> walker;
  std::string_view source = repaired.empty() ? text : std::string_view(repaired);
  NodeStarts starts = find_node_starts(source, "\"Node Type\"");
  // One plan (the usual case): all the nodes found are its own. A node takes at least 64
  // bytes of JSON, whatever else an input holds.
  simdjson::dom::array top_array;
  if (!JsonAdapter::is_array(doc) || (!doc.get_array().get(top_array) && top_array.size() == 1))
    walker.reserve_nodes(std::min(starts.lines.size(), source.size() / 64));
  size_t before = out.plans.size();
  auto take = [&](simdjson::dom::element top) {
    if (!JsonAdapter::is_object(top)) return;
    Plan plan = walker.read_explain(top);
    if (plan.nodes.empty()) {
      out.errors.push_back({first_line, "JSON document has no \"Plan\" object"});
      return;
    }
    plan.format = Format::json;
    out.plans.push_back(std::move(plan));
  };
  if (JsonAdapter::is_array(doc)) JsonAdapter::items(doc, take);
  else take(doc);
  // A repaired text's bytes are no longer the input's: the caller maps lines to spans then.
  assign_structured_lines(out.plans, before, starts, first_line, source, repaired.empty() ? span_base : std::nullopt);
  if (!out.format) out.format = Format::json;
}

}  // namespace pglens::plan::detail
