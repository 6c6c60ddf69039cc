// EXPLAIN (FORMAT YAML): a sequence of explain maps ("- Plan: ..."), or auto_explain's map.
#include <yaml-cpp/yaml.h>

#include "plan/structured.hpp"

namespace pglens::plan::detail {
namespace {

struct YamlAdapter {
  using V = YAML::Node;
  static bool is_object(const V& v) { return v.IsMap(); }
  static bool is_array(const V& v) { return v.IsSequence(); }
  template <class F>
  static void members(const V& v, F&& f) {
    if (!v.IsMap()) return;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& key = it->first.Scalar();
      f(std::string_view(key), it->second);
    }
  }
  template <class F>
  static void items(const V& v, F&& f) {
    if (!v.IsSequence()) return;
    for (auto it = v.begin(); it != v.end(); ++it) f(*it);
  }
  static std::string_view scalar(const V& v, std::string&) {
    if (!v.IsScalar()) return "";
    return v.Scalar();
  }
};

}  // namespace

void read_yaml(std::string_view text, uint32_t first_line, ReadResult& out) {
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    uint32_t bad = e.mark.is_null() ? 0 : static_cast<uint32_t>(e.mark.line);
    // What came before the offending line may still be a whole document: read that.
    size_t cut = 0;
    for (uint32_t k = 0; k < bad && cut != std::string_view::npos; ++k) {
      cut = text.find('\n', cut);
      if (cut != std::string_view::npos) ++cut;
    }
    bool salvaged = false;
    if (bad > 0 && cut != std::string_view::npos) {
      try {
        doc = YAML::Load(std::string(text.substr(0, cut)));
        salvaged = doc.IsSequence() || doc.IsMap();
      } catch (const YAML::Exception&) {}
    }
    out.errors.push_back({first_line + bad, "not valid YAML: " + e.msg + (salvaged ? "; read what came before" : "")});
    if (!salvaged) return;
  }
  StructuredWalker<YamlAdapter> walker;
  size_t before = out.plans.size();
  auto take = [&](const YAML::Node& top) {
    if (!top.IsMap()) return;
    Plan plan = walker.read_explain(top);
    if (plan.nodes.empty()) {
      out.errors.push_back({first_line, "YAML document has no \"Plan\" map"});
      return;
    }
    plan.format = Format::yaml;
    out.plans.push_back(std::move(plan));
  };
  try {
    if (doc.IsSequence()) YamlAdapter::items(doc, take);
    else take(doc);
  } catch (const YAML::Exception& e) { out.errors.push_back({first_line, "cannot read YAML plan: " + e.msg}); }
  assign_structured_lines(out.plans, before, find_node_starts(text, "Node Type:"), first_line);
  if (!out.format) out.format = Format::yaml;
}

}  // namespace pglens::plan::detail
