// EXPLAIN (FORMAT XML): <explain><Query><Plan>... with PostgreSQL's property names turned into
// tags (spaces and other non-name characters become '-').
#include <pugixml.hpp>

#include <unordered_map>

#include "plan/structured.hpp"

namespace pglens::plan::detail {
namespace {

// Keys whose spelling cannot be recovered by turning '-' back into ' '.
const std::unordered_map<std::string, std::string>& irregular_tags() {
  static const std::unordered_map<std::string, std::string> tags = {
      {"One-Time-Filter", "One-Time Filter"},
      {"I-O-Read-Time", "I/O Read Time"},
      {"I-O-Write-Time", "I/O Write Time"},
      {"Shared-I-O-Read-Time", "Shared I/O Read Time"},
      {"Shared-I-O-Write-Time", "Shared I/O Write Time"},
      {"Local-I-O-Read-Time", "Local I/O Read Time"},
      {"Local-I-O-Write-Time", "Local I/O Write Time"},
      {"Temp-I-O-Read-Time", "Temp I/O Read Time"},
      {"Temp-I-O-Write-Time", "Temp I/O Write Time"},
      {"Full-sort-Groups", "Full-sort Groups"},
      {"Pre-sorted-Groups", "Pre-sorted Groups"},
  };
  return tags;
}

std::string key_of(const pugi::xml_node& n) {
  std::string tag = n.name();
  auto it = irregular_tags().find(tag);
  if (it != irregular_tags().end()) return it->second;
  for (char& c : tag)
    if (c == '-') c = ' ';
  return tag;
}

bool is_item_name(std::string_view name) {
  return name == "Plan" || name == "Worker" || name == "Trigger" || name == "Item" || name == "Query" ||
      name == "Group-Keys" || name == "Grouping-Set" || name == "Target-Table";
}

struct XmlAdapter {
  using V = pugi::xml_node;
  static bool has_elements(const V& v) {
    for (auto c = v.first_child(); c; c = c.next_sibling())
      if (c.type() == pugi::node_element) return true;
    return false;
  }
  static bool is_array(const V& v) {
    bool any = false;
    for (auto c = v.first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      if (!is_item_name(c.name())) return false;
      any = true;
    }
    return any;
  }
  static bool is_object(const V& v) { return has_elements(v) && !is_array(v); }
  template <class F>
  static void members(const V& v, F&& f) {
    for (auto c = v.first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element) continue;
      std::string key = key_of(c);
      f(std::string_view(key), c);
    }
  }
  template <class F>
  static void items(const V& v, F&& f) {
    for (auto c = v.first_child(); c; c = c.next_sibling())
      if (c.type() == pugi::node_element) f(c);
  }
  static std::string_view scalar(const V& v, std::string&) { return v.child_value(); }
};

}  // namespace

void read_xml(std::string_view text, uint32_t first_line, ReadResult& out) {
  pugi::xml_document doc;
  auto result = doc.load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!result) {
    uint32_t line = first_line;
    for (ptrdiff_t i = 0; i < result.offset && static_cast<size_t>(i) < text.size(); ++i)
      if (text[static_cast<size_t>(i)] == '\n') ++line;
    out.errors.push_back({line, std::string("not valid XML: ") + result.description()});
    // pugixml keeps what it parsed before the error: read on.
  }
  pugi::xml_node root = doc.child("explain");
  if (!root) root = doc.document_element();
  StructuredWalker<XmlAdapter> walker;
  size_t before = out.plans.size();
  for (auto query = root.child("Query"); query; query = query.next_sibling("Query")) {
    Plan plan = walker.read_explain(query);
    if (plan.nodes.empty()) continue;
    plan.format = Format::xml;
    out.plans.push_back(std::move(plan));
  }
  if (out.plans.size() == before) out.errors.push_back({first_line, "XML document has no <Query><Plan> element"});
  assign_structured_lines(out.plans, before, find_node_starts(text, "<Node-Type>"), first_line);
  if (!out.format) out.format = Format::xml;
}

}  // namespace pglens::plan::detail
