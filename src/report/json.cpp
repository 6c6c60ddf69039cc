#include <algorithm>

#include <nlohmann/json.hpp>

#include "pglens/report.hpp"
#include "pglens/rule.hpp"

namespace pglens {

namespace {

using nlohmann::ordered_json;

ordered_json range_json(const LineIndex& lines, Span span) {
  Position b = lines.position(span.begin), e = lines.position(span.end);
  return {{"line", b.line}, {"column", b.column}, {"end_line", e.line}, {"end_column", e.column}};
}

}  // namespace

std::string JsonReportWriter::file(const FileReport& r) {
  // Written one finding at a time, as ordered_json::dump(2) writes the whole array: a
  // document of every finding at once held several times the memory of its text.
  std::string text;
  auto add_item = [&](const ordered_json& item) {
    text += first_ ? "[\n  " : ",\n  ";
    first_ = false;
    for (char c : item.dump(2)) {  // one level deeper; strings hold no raw newline
      text += c;
      if (c == '\n') text += "  ";
    }
  };
  if (!r.error.empty()) {
    Position p = r.error_position.value_or(Position{1, 1});
    add_item({{"file", r.file.path}, {"line", p.line}, {"column", p.column}, {"end_line", p.line},
              {"end_column", p.column}, {"rule", "io-error"}, {"severity", "error"}, {"message", r.error}});
    return text;
  }
  if (r.diagnostics.empty()) return text;
  LineIndex lines(r.file.text);
  for (const auto& d : r.diagnostics) {
    ordered_json j = {{"file", r.file.path}};
    j.update(range_json(lines, d.span));
    j["offset"] = d.span.begin;
    j["end_offset"] = d.span.end;
    j["rule"] = d.rule;
    j["severity"] = to_string(d.severity);
    j["message"] = d.message;
    if (!d.help_text.empty()) j["help"] = d.help_text;
    if (d.fix_value) {
      ordered_json edits = ordered_json::array();
      for (const auto& e : d.fix_value->edits) {
        ordered_json ej = range_json(lines, e.span);
        ej["replacement"] = e.replacement;
        edits.push_back(std::move(ej));
      }
      j["fix"] = {{"description", d.fix_value->description}, {"safe", d.fix_value->safe}, {"edits", edits}};
    }
    if (!d.ddl_text.empty()) j["ddl"] = d.ddl_text;
    if (!d.related_locations.empty()) {
      ordered_json rel = ordered_json::array();
      for (const auto& rl : d.related_locations) {
        ordered_json rj = range_json(lines, rl.span);
        rj["message"] = rl.message;
        rel.push_back(std::move(rj));
      }
      j["related"] = rel;
    }
    add_item(j);
  }
  return text;
}

std::string JsonReportWriter::finish() {
  std::string text = first_ ? "[]\n" : "\n]\n";
  first_ = true;
  return text;
}

std::string render_json(std::span<const FileReport> reports) {
  JsonReportWriter writer;
  std::string text;
  for (const auto& r : reports) text += writer.file(r);
  return text + writer.finish();
}

std::string render_sarif(std::span<const FileReport> reports) {
  // Only the rules that reported appear in the run, so the output does not grow with the registry.
  std::vector<std::string_view> ids;
  for (const auto& rep : reports)
    for (const auto& d : rep.diagnostics)
      if (std::find(ids.begin(), ids.end(), d.rule) == ids.end()) ids.push_back(d.rule);
  std::sort(ids.begin(), ids.end());
  ordered_json rules = ordered_json::array();
  for (std::string_view id : ids) {
    const RuleInfo* r = find_rule(id);
    if (!r) continue;
    std::string_view level = r->default_severity == Severity::error ? "error"
                             : r->default_severity == Severity::warning ? "warning" : "note";
    rules.push_back({{"id", r->id},
                     {"name", r->id},
                     {"shortDescription", {{"text", r->summary}}},
                     {"fullDescription", {{"text", r->docs.what_it_does}}},
                     {"help", {{"text", r->docs.why_is_this_bad}, {"markdown", render_rule_docs(*r)}}},
                     {"helpUri", rule_docs_url(r->id)},
                     {"defaultConfiguration", {{"level", level}}},
                     {"properties", {{"category", to_string(r->category)}}}});
  }
  ordered_json results = ordered_json::array();
  ordered_json notifications = ordered_json::array();
  for (const auto& rep : reports) {
    if (!rep.error.empty()) {
      notifications.push_back({{"level", "error"},
                               {"message", {{"text", rep.error}}},
                               {"locations", ordered_json::array({{{"physicalLocation",
                                                                    {{"artifactLocation", {{"uri", rep.file.path}}}}}}})}});
      continue;
    }
    if (rep.diagnostics.empty()) continue;
    LineIndex lines(rep.file.text);
    for (const auto& d : rep.diagnostics) {
      Position b = lines.position(d.span.begin, ColumnUnit::utf16), e = lines.position(d.span.end, ColumnUnit::utf16);
      std::string_view level = d.severity == Severity::error ? "error" : d.severity == Severity::warning ? "warning" : "note";
      std::string text = d.message;
      if (!d.help_text.empty()) text += "\nhelp: " + d.help_text;
      if (!d.ddl_text.empty()) text += "\n" + d.ddl_text;
      ordered_json res = {
          {"ruleId", d.rule},
          {"level", level},
          {"message", {{"text", text}}},
          {"locations",
           ordered_json::array({{{"physicalLocation",
                                  {{"artifactLocation", {{"uri", rep.file.path}}},
                                   {"region",
                                    {{"startLine", b.line}, {"startColumn", b.column}, {"endLine", e.line},
                                     {"endColumn", std::max(e.column, e.line == b.line ? b.column + 1 : e.column)}}}}}}})},
      };
      auto it = std::find(ids.begin(), ids.end(), d.rule);
      if (it != ids.end()) res["ruleIndex"] = it - ids.begin();
      if (d.fix_value) {
        ordered_json replacements = ordered_json::array();
        for (const auto& edit : d.fix_value->edits) {
          Position eb = lines.position(edit.span.begin, ColumnUnit::utf16), ee = lines.position(edit.span.end, ColumnUnit::utf16);
          replacements.push_back({{"deletedRegion",
                                   {{"startLine", eb.line}, {"startColumn", eb.column}, {"endLine", ee.line}, {"endColumn", ee.column}}},
                                  {"insertedContent", {{"text", edit.replacement}}}});
        }
        res["fixes"] = ordered_json::array(
            {{{"description", {{"text", d.fix_value->description}}},
              {"artifactChanges",
               ordered_json::array({{{"artifactLocation", {{"uri", rep.file.path}}}, {"replacements", replacements}}})}}});
      }
      results.push_back(std::move(res));
    }
  }
  ordered_json run = {
      {"tool",
       {{"driver",
         {{"name", "pglens"},
          {"version", PGLENS_VERSION},
          {"semanticVersion", PGLENS_VERSION},
          {"informationUri", "https://github.com/pglens/pglens"},
          {"rules", rules}}}}},
      {"columnKind", "utf16CodeUnits"},
      {"results", results},
  };
  if (!notifications.empty())
    run["invocations"] = ordered_json::array({{{"executionSuccessful", false}, {"toolExecutionNotifications", notifications}}});
  ordered_json doc = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                      {"version", "2.1.0"},
                      {"runs", ordered_json::array({run})}};
  return doc.dump(2) + "\n";
}

}  // namespace pglens
