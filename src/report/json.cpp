#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pglens/report.hpp"
#include "pglens/rule.hpp"
#include "source/json_string.hpp"

namespace pglens {

namespace {

using nlohmann::ordered_json;

// Writes one JSON object as nlohmann's dump(2) lays it out, `indent` spaces in: the report
// of a big run is 7,000+ findings, and building each as a json value to dump it cost more
// than the rules that found it (bench/README.md). Strings: append_json_string.
class ObjectWriter {
 public:
  ObjectWriter(std::string& out, int indent) : out_(out), indent_(indent) {}

  ObjectWriter& str(std::string_view k, std::string_view v) {
    key(k);
    append_string(v);
    return *this;
  }
  ObjectWriter& num(std::string_view k, uint64_t v) {
    key(k);
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
    out_.append(digits, static_cast<size_t>(end - digits));
    return *this;
  }
  // A planner cost, as EXPLAIN prints it: two decimals.
  ObjectWriter& cost(std::string_view k, double v) {
    key(k);
    out_ += fmt::format("{:.2f}", v);
    return *this;
  }
  ObjectWriter& boolean(std::string_view k, bool v) {
    key(k);
    out_ += v ? "true" : "false";
    return *this;
  }
  ObjectWriter& range(const LineIndex& lines, Span span) {
    Position b = lines.position(span.begin), e = lines.position(span.end);
    return num("line", b.line).num("column", b.column).num("end_line", e.line).num("end_column", e.column);
  }
  // An object-valued field; returns the writer of the nested object.
  ObjectWriter object(std::string_view k) {
    key(k);
    return ObjectWriter(out_, indent_ + 2);
  }
  // An array of objects: `each(writer, item)` fills one object per item.
  template <class Items, class Each>
  ObjectWriter& array(std::string_view k, const Items& items, Each each) {
    key(k);
    if (items.empty()) {
      out_ += "[]";
      return *this;
    }
    out_ += "[\n";
    bool first = true;
    for (const auto& item : items) {
      if (!first) out_ += ",\n";
      first = false;
      out_.append(static_cast<size_t>(indent_ + 4), ' ');
      ObjectWriter w(out_, indent_ + 4);
      each(w, item);
      w.close();
    }
    out_ += '\n';
    out_.append(static_cast<size_t>(indent_ + 2), ' ');
    out_ += ']';
    return *this;
  }
  void close() {
    if (first_) {
      out_ += "{}";
      return;
    }
    out_ += '\n';
    out_.append(static_cast<size_t>(indent_), ' ');
    out_ += '}';
  }

 private:
  // `k` is one of this file's literal keys: plain ASCII, written without a look for escapes.
  void key(std::string_view k) {
    out_.append(first_ ? "{\n" : ",\n", 2);
    first_ = false;
    out_.append(static_cast<size_t>(indent_ + 2), ' ');
    out_ += '"';
    out_.append(k);
    out_.append("\": ", 3);
  }

  void append_string(std::string_view s) { append_json_string(out_, s); }

  std::string& out_;
  int indent_;
  bool first_ = true;
};

}  // namespace

std::string JsonReportWriter::file(const FileReport& r) {
  // Written one finding at a time: a document of every finding at once held several times
  // the memory of its text.
  std::string text;
  auto item = [&]() {
    text += first_ ? "[\n  " : ",\n  ";
    first_ = false;
    return ObjectWriter(text, 2);
  };
  if (!r.error.empty()) {
    Position p = r.error_position.value_or(Position{1, 1});
    ObjectWriter w = item();
    w.str("file", r.file.path)
        .num("line", p.line)
        .num("column", p.column)
        .num("end_line", p.line)
        .num("end_column", p.column)
        .str("rule", "io-error")
        .str("severity", "error")
        .str("message", r.error);
    w.close();
    return text;
  }
  if (r.diagnostics.empty()) return text;
  // A finding takes about a kilobyte (its help and DDL): grown once or twice rather than a
  // dozen times from empty.
  text.reserve(1024 * r.diagnostics.size());
  LineIndex lines(r.file.text);
  for (size_t i = 0; i < r.diagnostics.size(); ++i) {
    const Diagnostic& d = r.diagnostics[i];
    ObjectWriter w = item();
    w.str("file", r.file.path).range(lines, d.span).num("offset", d.span.begin).num("end_offset", d.span.end);
    w.str("rule", d.rule).str("severity", to_string(d.severity)).str("message", d.message);
    if (!d.help_text.empty()) w.str("help", d.help_text);
    if (d.fix_value) {
      ObjectWriter fix = w.object("fix");
      fix.str("description", d.fix_value->description).boolean("safe", d.fix_value->safe);
      fix.array("edits", d.fix_value->edits, [&](ObjectWriter& e, const auto& edit) {
        e.range(lines, edit.span).str("replacement", edit.replacement);
      });
      fix.close();
    }
    if (!d.ddl_text.empty()) w.str("ddl", d.ddl_text);
    if (auto v = r.verified.find(i); v != r.verified.end())
      w.boolean("verified", v->second.used)
          .cost("cost_before", v->second.cost_before)
          .cost("cost_after", v->second.cost_after);
    if (!d.related_locations.empty())
      w.array("related", d.related_locations,
              [&](ObjectWriter& rel, const auto& rl) { rel.range(lines, rl.span).str("message", rl.message); });
    w.close();
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

namespace {

// A path as SARIF's artifactLocation.uri, a URI reference: every byte but the unreserved
// ones and `/` percent-encoded (`my file#1.sql` -> `my%20file%231.sql`; UTF-8 byte by byte).
std::string uri_of_path(std::string_view path) {
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

}  // namespace

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
        : r->default_severity == Severity::warning                  ? "warning"
                                                                    : "note";
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
      notifications.push_back(
          {{"level", "error"},
           {"message", {{"text", rep.error}}},
           {"locations",
            ordered_json::array(
                {{{"physicalLocation", {{"artifactLocation", {{"uri", uri_of_path(rep.file.path)}}}}}}})}});
      continue;
    }
    if (rep.diagnostics.empty()) continue;
    LineIndex lines(rep.file.text);
    for (const auto& d : rep.diagnostics) {
      Position b = lines.position(d.span.begin, ColumnUnit::utf16), e = lines.position(d.span.end, ColumnUnit::utf16);
      std::string_view level = d.severity == Severity::error ? "error"
          : d.severity == Severity::warning                  ? "warning"
                                                             : "note";
      std::string text = d.message;
      if (!d.help_text.empty()) text += "\nhelp: " + d.help_text;
      if (!d.ddl_text.empty()) text += "\n" + d.ddl_text;
      ordered_json res = {
          {"ruleId", d.rule},
          {"level", level},
          {"message", {{"text", text}}},
          {"locations",
           ordered_json::array(
               {{{"physicalLocation",
                  {{"artifactLocation", {{"uri", uri_of_path(rep.file.path)}}},
                   {"region",
                    {{"startLine", b.line},
                     {"startColumn", b.column},
                     {"endLine", e.line},
                     {"endColumn", std::max(e.column, e.line == b.line ? b.column + 1 : e.column)}}}}}}})},
      };
      auto it = std::find(ids.begin(), ids.end(), d.rule);
      if (it != ids.end()) res["ruleIndex"] = it - ids.begin();
      if (d.fix_value) {
        ordered_json replacements = ordered_json::array();
        for (const auto& edit : d.fix_value->edits) {
          Position eb = lines.position(edit.span.begin, ColumnUnit::utf16),
                   ee = lines.position(edit.span.end, ColumnUnit::utf16);
          replacements.push_back(
              {{"deletedRegion",
                {{"startLine", eb.line}, {"startColumn", eb.column}, {"endLine", ee.line}, {"endColumn", ee.column}}},
               {"insertedContent", {{"text", edit.replacement}}}});
        }
        res["fixes"] =
            ordered_json::array({{{"description", {{"text", d.fix_value->description}}},
                                  {"artifactChanges",
                                   ordered_json::array({{{"artifactLocation", {{"uri", uri_of_path(rep.file.path)}}},
                                                         {"replacements", replacements}}})}}});
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
    run["invocations"] =
        ordered_json::array({{{"executionSuccessful", false}, {"toolExecutionNotifications", notifications}}});
  ordered_json doc = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                      {"version", "2.1.0"},
                      {"runs", ordered_json::array({run})}};
  return doc.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";  // a file name may not be UTF-8
}

}  // namespace pglens
