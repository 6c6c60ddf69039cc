// EXPLAIN (FORMAT JSON): an array of explain objects, or auto_explain's single object. Read
// with simdjson's DOM (its parser keeps duplicate keys — older servers print "Workers" twice).
#include <simdjson.h>

#include <charconv>

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

// Drops raw line breaks inside strings: a chat tool or terminal wrapped a key or value.
std::string unwrap_strings(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      else if (c == '\n' || c == '\r') continue;
    } else if (c == '"') {
      in_string = true;
    }
    out += c;
  }
  return out;
}

// A truncated document cut back to its last complete member and closed, so what came before
// the cut can still be read. Empty when there is nothing to salvage.
std::string close_truncated(std::string_view text) {
  std::string openers;
  bool in_string = false, escaped = false;
  size_t last_comma = std::string::npos, depth_at_comma = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') openers += c;
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

}  // namespace

void read_json(std::string_view text, uint32_t first_line, ReadResult& out) {
  simdjson::dom::parser parser;
  // Deep plans nest three JSON levels per plan level; allow what the input size allows.
  size_t max_depth = std::max<size_t>(1024, text.size() / 4 + 16);
  if (parser.allocate(text.size() + simdjson::SIMDJSON_PADDING, max_depth)) {
    out.errors.push_back({first_line, "JSON plan too large to read"});
    return;
  }
  simdjson::padded_string padded(text);
  simdjson::dom::element doc;
  auto error = parser.parse(padded).get(doc);
  std::string repaired;
  if (error) {
    repaired = unwrap_strings(text);
    simdjson::padded_string again(repaired);
    error = parser.parse(again).get(doc);
    if (error) {
      std::string closed = close_truncated(repaired);
      if (!closed.empty()) {
        simdjson::padded_string salvage(closed);
        if (!parser.parse(salvage).get(doc)) {
          uint32_t last = first_line + static_cast<uint32_t>(std::count(text.begin(), text.end(), '\n'));
          out.errors.push_back({last, "JSON plan ends early (expected more of the document); read what came before"});
          error = simdjson::SUCCESS;
          repaired = closed;
        }
      }
    }
    if (error) {
      out.errors.push_back({first_line, std::string("not valid JSON: ") + simdjson::error_message(error)});
      return;
    }
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
  assign_structured_lines(out.plans, before, starts, first_line);
  if (!out.format) out.format = Format::json;
}

}  // namespace pglens::plan::detail
