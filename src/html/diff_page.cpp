#include "html/diff_page.hpp"

#include <fmt/format.h>

#include "html/page.hpp"
#include "html/plan_page.hpp"
#include "plan/display.hpp"

namespace pglens::html {
namespace {

std::string esc(std::string_view s) { return html_escape(s); }

std::string node_link(std::string_view prefix, const plan::Node& n) {
  return fmt::format("<a href=\"#{}-n{}\">{} <span class=\"id\">#{}</span></a>", prefix, n.id, esc(n.label()), n.id);
}

std::string trend_class(diff::Trend t) {
  return t == diff::Trend::faster ? " faster" : t == diff::Trend::slower ? " slower" : "";
}

void append_finding_list(std::string& out, std::string_view title, std::string_view css,
                         const std::vector<diff::FindingChange>& list) {
  if (list.empty()) return;
  out += fmt::format("<h3>{} ({})</h3><ul class=\"{}\">", title, list.size(), css);
  for (const auto& f : list) {
    out +=
        fmt::format("<li data-rule=\"{}\"><span class=\"rule\">{}</span>", esc(f.finding->rule), esc(f.finding->rule));
    if (!f.table.empty()) out += " on " + esc(f.table);
    out += ": " + esc(f.finding->message) + "</li>";
  }
  out += "</ul>";
}

}  // namespace

std::string diff_page(const DiffSide& before, const DiffSide& after, const diff::PlanDiff& d) {
  const plan::Plan& a = before.plan;
  const plan::Plan& b = after.plan;
  std::string body = "<header class=\"page\"><h1>";
  append_html_escaped(body, before.name);
  body += " → ";
  append_html_escaped(body, after.name);
  body += "</h1><div class=\"sub\">pglens diff — ";
  if (d.timed && d.speedup > 0) {
    body += fmt::format("{} → {}, ", esc(plan::format_ms(d.before_ms)), esc(plan::format_ms(d.after_ms)));
    body += d.speedup >= 1 ? fmt::format("<b class=\"better\">{:.1f}× faster</b>", d.speedup)
                           : fmt::format("<b class=\"worse\">{:.1f}× slower</b>", 1 / d.speedup);
  } else {
    body += "no times on both sides: shapes and estimates only";
  }
  body += "</div></header>\n<main id=\"main\" data-start=\"top\">";

  std::vector<int> order = diff::pairs_in_order(a, b, d);
  body += "<section class=\"block\"><h2>Plan shape</h2>";
  std::string shapes;
  for (int k : order) {
    const auto& p = d.pairs[static_cast<size_t>(k)];
    if (!p.changed_shape()) continue;
    shapes += "<li>";
    if (p.before >= 0 && p.after >= 0) {
      shapes += node_link("b", a.nodes[static_cast<size_t>(p.before)]) + " → " +
          node_link("a", b.nodes[static_cast<size_t>(p.after)]);
    } else if (p.before >= 0) {
      shapes += node_link("b", a.nodes[static_cast<size_t>(p.before)]) + " <span class=\"better\">gone</span>";
    } else {
      shapes += node_link("a", b.nodes[static_cast<size_t>(p.after)]) + " <span class=\"muted\">added</span>";
    }
    shapes += "</li>";
  }
  body +=
      shapes.empty() ? "<p>The same shape: every node kept its kind.</p>" : "<ul class=\"shape\">" + shapes + "</ul>";
  if (!d.notes.empty()) {
    body += "<p class=\"muted\">Where the trees could not be matched node to node:</p><ul class=\"muted\">";
    for (const auto& n : d.notes) body += "<li>" + esc(n) + "</li>";
    body += "</ul>";
  }
  body += "</section>";

  body += "<section class=\"block\"><h2>Findings</h2>";
  if (d.gone.empty() && d.appeared.empty()) body += "<p>The same findings before and after.</p>";
  append_finding_list(body, "Gone", "better gone", d.gone);
  append_finding_list(body, "New", "worse appeared", d.appeared);
  append_finding_list(body, "Still there", "kept", d.kept);
  body += "</section>";

  body +=
      "<section class=\"block\"><h2>Node by node</h2><table class=\"grid changes\"><tr><th>node</th>"
      "<th>change</th></tr>";
  for (int k : order) {
    const auto& p = d.pairs[static_cast<size_t>(k)];
    std::string cls = p.after < 0 ? "removed" : p.before < 0 ? "added" : p.changed_shape() ? "changed" : "";
    cls += trend_class(diff::trend(a, b, p));
    body += fmt::format("<tr class=\"{}\"><td>", cls);
    body += p.after >= 0
        ? node_link("a", b.nodes[static_cast<size_t>(p.after)])
        : node_link("b", a.nodes[static_cast<size_t>(p.before)]) + " <span class=\"muted\">(before)</span>";
    body += "</td><td class=\"mono\">" + esc(diff::pair_figures(a, b, p)) + "</td></tr>";
  }
  body += "</table></section>";

  // Both trees, marked: after first (what runs now), then before.
  TreeOptions after_tree{.id_prefix = "a", .input = after.input, .notes = std::vector<NodeNote>(b.nodes.size())};
  TreeOptions before_tree{.id_prefix = "b", .input = before.input, .notes = std::vector<NodeNote>(a.nodes.size())};
  for (const auto& p : d.pairs) {
    std::string cls = p.after < 0 ? "removed" : p.before < 0 ? "added" : p.changed_shape() ? "changed" : "";
    cls += trend_class(diff::trend(a, b, p));
    std::string note = "<span class=\"change\">" + esc(diff::pair_figures(a, b, p)) + "</span>";
    if (p.after >= 0) after_tree.notes[static_cast<size_t>(p.after)] = {cls, note};
    if (p.before >= 0) before_tree.notes[static_cast<size_t>(p.before)] = {cls, note};
  }
  append_plan_section(body, b, after.diagnosis, after_tree, fmt::format("After: {}", after.name));
  append_plan_section(body, a, before.diagnosis, before_tree, fmt::format("Before: {}", before.name));
  body += "</main>";
  return document(fmt::format("pglens diff: {} → {}", before.name, after.name), body);
}

}  // namespace pglens::html
