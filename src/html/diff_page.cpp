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

std::string speed_line(const diff::PlanDiff& d) {
  if (!(d.timed && d.speedup > 0)) return "no times on both sides: shapes and estimates only";
  std::string s = fmt::format("{} → {}, ", esc(plan::format_ms(d.before_ms)), esc(plan::format_ms(d.after_ms)));
  s += d.speedup >= 1 ? fmt::format("<b class=\"better\">{:.1f}× faster</b>", d.speedup)
                      : fmt::format("<b class=\"worse\">{:.1f}× slower</b>", 1 / d.speedup);
  return s;
}

// One pair: shape changes, findings, node table, both trees. `k` is 1 for the first pair (ids
// "a-n3", "b-n3" as on a one-pair page), else the ids carry it ("a2-n3").
void append_pair(std::string& body, const DiffSide& before, const DiffSide& after, const diff::PlanDiff& d, size_t k,
                 std::string_view tree_suffix) {
  const plan::Plan& a = before.plan;
  const plan::Plan& b = after.plan;
  std::string pa = k == 1 ? "a" : fmt::format("a{}", k);
  std::string pb = k == 1 ? "b" : fmt::format("b{}", k);
  std::vector<int> order = diff::pairs_in_order(a, b, d);
  body += "<section class=\"block\"><h2>Plan shape</h2>";
  std::string shapes;
  for (int i : order) {
    const auto& p = d.pairs[static_cast<size_t>(i)];
    if (!p.changed_shape()) continue;
    shapes += "<li>";
    if (p.before >= 0 && p.after >= 0) {
      shapes += node_link(pb, a.nodes[static_cast<size_t>(p.before)]) + " → " +
          node_link(pa, b.nodes[static_cast<size_t>(p.after)]);
    } else if (p.before >= 0) {
      shapes += node_link(pb, a.nodes[static_cast<size_t>(p.before)]) + " <span class=\"better\">gone</span>";
    } else {
      shapes += node_link(pa, b.nodes[static_cast<size_t>(p.after)]) + " <span class=\"muted\">added</span>";
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
  for (int i : order) {
    const auto& p = d.pairs[static_cast<size_t>(i)];
    std::string cls = p.after < 0 ? "removed" : p.before < 0 ? "added" : p.changed_shape() ? "changed" : "";
    cls += trend_class(diff::trend(a, b, p));
    body += fmt::format("<tr class=\"{}\"><td>", cls);
    body += p.after >= 0
        ? node_link(pa, b.nodes[static_cast<size_t>(p.after)])
        : node_link(pb, a.nodes[static_cast<size_t>(p.before)]) + " <span class=\"muted\">(before)</span>";
    body += "</td><td class=\"mono\">" + esc(diff::pair_figures(a, b, p)) + "</td></tr>";
  }
  body += "</table></section>";

  // Both trees, marked: after first (what runs now), then before.
  TreeOptions after_tree{.id_prefix = pa, .input = after.input, .notes = std::vector<NodeNote>(b.nodes.size())};
  TreeOptions before_tree{.id_prefix = pb, .input = before.input, .notes = std::vector<NodeNote>(a.nodes.size())};
  for (const auto& p : d.pairs) {
    std::string cls = p.after < 0 ? "removed" : p.before < 0 ? "added" : p.changed_shape() ? "changed" : "";
    cls += trend_class(diff::trend(a, b, p));
    std::string note = "<span class=\"change\">" + esc(diff::pair_figures(a, b, p)) + "</span>";
    if (p.after >= 0) after_tree.notes[static_cast<size_t>(p.after)] = {cls, note};
    if (p.before >= 0) before_tree.notes[static_cast<size_t>(p.before)] = {cls, note};
  }
  append_plan_section(body, b, after.diagnosis, after_tree, fmt::format("After: {}{}", after.name, tree_suffix));
  append_plan_section(body, a, before.diagnosis, before_tree, fmt::format("Before: {}{}", before.name, tree_suffix));
}

}  // namespace

std::string diff_page(const DiffSide& before, const DiffSide& after, const diff::PlanDiff& d) {
  return diff_page(before.name, after.name, {DiffPair{before, after, d}}, {});
}

std::string diff_page(std::string_view before_name, std::string_view after_name, const std::vector<DiffPair>& pairs,
                      const std::vector<std::string>& unpaired) {
  std::string body = "<header class=\"page\"><h1>";
  append_html_escaped(body, before_name);
  body += " → ";
  append_html_escaped(body, after_name);
  body += "</h1><div class=\"sub\">pglens diff — ";
  if (pairs.size() == 1) body += speed_line(pairs[0].diff);
  else body += fmt::format("{} pairs of plans: plan <i>i</i> before with plan <i>i</i> after", pairs.size());
  body += "</div></header>\n<main id=\"main\" data-start=\"top\">";
  if (!unpaired.empty()) {
    body += "<ul class=\"errors unpaired\">";
    for (const auto& u : unpaired) body += "<li>" + esc(u) + "</li>";
    body += "</ul>";
  }
  if (pairs.size() == 1) {
    append_pair(body, pairs[0].before, pairs[0].after, pairs[0].diff, 1, "");
  } else {
    body += "<nav class=\"pairs\"><ol>";
    for (size_t k = 1; k <= pairs.size(); ++k)
      body += fmt::format("<li><a href=\"#pair{}\">Plan {}</a>: {}</li>", k, k, speed_line(pairs[k - 1].diff));
    body += "</ol></nav>";
    for (size_t k = 1; k <= pairs.size(); ++k) {
      const auto& pr = pairs[k - 1];
      body += fmt::format("<section class=\"pair\" id=\"pair{}\"><h2>Plan {} of {}: {}</h2>", k, k, pairs.size(),
                          speed_line(pr.diff));
      append_pair(body, pr.before, pr.after, pr.diff, k, fmt::format(" (plan {})", k));
      body += "</section>";
    }
  }
  body += "</main>";
  return document(fmt::format("pglens diff: {} → {}", before_name, after_name), body);
}

}  // namespace pglens::html
