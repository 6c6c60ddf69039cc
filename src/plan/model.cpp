// The plan model's display names and bookkeeping.
#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "plan/internal.hpp"

namespace pglens::plan {

std::string_view to_string(Format f) {
  switch (f) {
    case Format::text: return "text";
    case Format::json: return "json";
    case Format::yaml: return "yaml";
    case Format::xml: return "xml";
  }
  return "text";
}

namespace {

// PostgreSQL's quote_identifier, without the keyword list: quotes anything that is not a
// plain lower-case identifier.
std::string quote_ident(std::string_view s) {
  bool plain = !s.empty() && ((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_');
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$')) plain = false;
  if (plain) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    out += c;
    if (c == '"') out += '"';
  }
  out += '"';
  return out;
}

std::string qualified(const std::string& schema, const std::string& name) {
  return schema.empty() ? quote_ident(name) : quote_ident(schema) + "." + quote_ident(name);
}

}  // namespace

std::string Node::name() const {
  std::string n;
  if (parallel_aware) n += "Parallel ";
  if (async_capable) n += "Async ";
  if (node_type == "Aggregate") {
    if (partial_mode == "Partial" || partial_mode == "Finalize") n += partial_mode + " ";
    if (strategy == "Sorted") n += "GroupAggregate";
    else if (strategy == "Hashed") n += "HashAggregate";
    else if (strategy == "Mixed") n += "MixedAggregate";
    else n += "Aggregate";
  } else if (node_type == "ModifyTable") {
    n += operation.empty() ? node_type : operation;
  } else if (node_type == "Foreign Scan" && !operation.empty() && operation != "Select") {
    n += "Foreign " + operation;
  } else if (node_type == "Custom Scan") {
    n += custom_provider.empty() ? node_type : "Custom Scan (" + custom_provider + ")";
  } else if (node_type == "SetOp") {
    n += strategy == "Hashed" ? "HashSetOp" : "SetOp";
    if (!command.empty()) n += " " + command;
  } else if (node_type == "Hash Join" || node_type == "Merge Join") {
    n += node_type.substr(0, node_type.size() - 5);
    n += (join_type.empty() || join_type == "Inner") ? " Join" : " " + join_type + " Join";
  } else if (node_type == "Nested Loop") {
    n += node_type;
    if (!join_type.empty() && join_type != "Inner") n += " " + join_type + " Join";
  } else {
    n += node_type;
    if (scan_direction == "Backward") n += " Backward";
  }
  return n;
}

std::string Node::label() const {
  std::string l = name();
  auto with_alias = [&](const std::string& object) {
    std::string t = qualified(schema, object);
    if (!alias.empty() && alias != object) {
      t += ' ';
      t += quote_ident(alias);
    }
    return t;
  };
  if (!index_name.empty() && node_type != "Bitmap Index Scan") {
    l += " using " + quote_ident(index_name);
    if (!relation.empty()) l += " on " + with_alias(relation);
  } else if (!index_name.empty()) {
    l += " on " + quote_ident(index_name);
  } else if (!relation.empty()) {
    l += " on " + with_alias(relation);
  } else if (!function_name.empty()) {
    l += " on " + with_alias(function_name);
  } else if (!cte_name.empty()) {
    l += " on " + with_alias(cte_name);
  } else if (!alias.empty()) {
    l += " on " + quote_ident(alias);
  }
  return l;
}

const std::string* Node::property(std::string_view key) const {
  for (const auto& p : properties)
    if (p.key == key) return &p.value;
  return nullptr;
}

bool Plan::analyzed() const {
  if (execution_time_ms) return true;
  return std::any_of(nodes.begin(), nodes.end(),
                     [](const Node& n) { return n.actual_loops.has_value() || n.never_executed; });
}

bool Plan::timed() const {
  return std::any_of(nodes.begin(), nodes.end(), [](const Node& n) { return n.actual_total_ms.has_value(); });
}

std::string format_ms(double ms) {
  if (ms >= 1000) return fmt::format("{:.2f} s", ms / 1000);
  if (ms >= 100) return fmt::format("{:.0f} ms", ms);
  if (ms >= 1) return fmt::format("{:.1f} ms", ms);
  return fmt::format("{:.3f} ms", ms);
}

std::string node_time_text(const Node& node, bool timed) {
  if (node.never_executed) return "never";
  if (!timed) return "no timing";
  return format_ms(node.metrics.exclusive_time_ms);
}

namespace detail {

Origin::Origin(std::string_view input) : size(static_cast<uint32_t>(input.size())) {
  line_starts.reserve(static_cast<size_t>(std::count(input.begin(), input.end(), '\n')) + 1);
  line_starts.push_back(0);
  const char* begin = input.data();
  const char* end = begin + input.size();
  for (const char* p = begin; p < end;) {
    const void* hit = std::memchr(p, '\n', static_cast<size_t>(end - p));
    if (!hit) break;
    p = static_cast<const char*>(hit) + 1;
    line_starts.push_back(static_cast<uint32_t>(p - begin));
  }
}

Span Origin::span_of(LineRange lines) const {
  if (lines.first == 0 || line_starts.empty()) return {};
  uint32_t first = std::min<uint32_t>(lines.first, static_cast<uint32_t>(line_starts.size())) - 1;
  uint32_t last = std::min<uint32_t>(std::max(lines.last, lines.first), static_cast<uint32_t>(line_starts.size())) - 1;
  uint32_t end = last + 1 < line_starts.size() ? line_starts[last + 1] : size;
  return Span{line_starts[first], end};
}

void finish_plan(Plan& plan, const Origin* origin) {
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    Node& n = plan.nodes[i];
    n.id = static_cast<int>(i) + 1;
    if (n.parent >= 0) n.depth = plan.nodes[static_cast<size_t>(n.parent)].depth + 1;
    if (origin) n.span = origin->span_of(n.lines);
  }
  compute_metrics(plan);
}

}  // namespace detail
}  // namespace pglens::plan
