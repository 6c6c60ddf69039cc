#include "html/report_pages.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "html/page.hpp"
#include "log/log.hpp"
#include "plan/display.hpp"

namespace pglens::html {
namespace {

std::string esc(std::string_view s) { return html_escape(s); }

std::string ms_text(double ms) { return esc(plan::format_ms(ms)); }

std::string us_text(double us) { return ms_text(us / 1000); }

// "2026-03-02 08:15:00 UTC" of microseconds since the epoch; "?" for null.
std::string when(const nlohmann::json& us) {
  if (!us.is_number_integer()) return "?";
  auto s = std::chrono::sys_seconds(std::chrono::seconds(us.get<int64_t>() / 1000000));
  return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", s);
}

std::string thousands(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

// The first `max` characters of a statement on one line (the table's column).
std::string one_line(std::string_view s, size_t max) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == '\n' || c == '\t' || c == '\r' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  if (out.size() > max) {
    size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out = out.substr(0, cut) + "…";
  }
  return out;
}

// A decade's label on the axis: 10 µs, 1 ms, 10 s.
std::string decade_label(double us) {
  if (us < 1000) return fmt::format("{:.0f} µs", us);
  if (us < 1e6) return fmt::format("{:.0f} ms", us / 1000);
  return fmt::format("{:.0f} s", us / 1e6);
}

template <class T>
T get(const nlohmann::json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) { return fallback; }
}

std::string str(const nlohmann::json& j, const char* key) { return get<std::string>(j, key, ""); }

std::string bytes_text(int64_t bytes) {
  double b = static_cast<double>(bytes);
  if (bytes >= 1024 * 1024) return fmt::format("{:.1f} MB", b / (1024 * 1024));
  if (bytes >= 1024) return fmt::format("{:.0f} kB", b / 1024);
  return fmt::format("{} B", bytes);
}

}  // namespace

void append_histogram(std::string& out, const Distribution& d, std::string_view id) {
  double lo = 0, hi = 0;
  uint64_t calls = 0;
  for (const auto& [v, n] : d.buckets) {
    calls += n;
    if (!(v > 0) || !n) continue;
    lo = lo == 0 ? v : std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (calls == 0) {
    out += "<p class=\"muted\">No timed calls.</p>";
    return;
  }
  if (lo == 0) lo = hi = 1;  // every call logged as 0 ms
  // Whole decades around the values, at least one; five cells a decade.
  double dlo = std::floor(std::log10(lo)), dhi = std::ceil(std::log10(hi));
  if (dhi <= dlo) dhi = dlo + 1;
  dhi = std::min(dhi, dlo + 12);
  constexpr int kPerDecade = 5;
  int cells_n = static_cast<int>(dhi - dlo) * kPerDecade;
  std::vector<uint64_t> cells(static_cast<size_t>(cells_n), 0);
  for (const auto& [v, n] : d.buckets) {
    int c = v > 0 ? static_cast<int>(std::floor((std::log10(v) - dlo) * kPerDecade)) : 0;
    cells[static_cast<size_t>(std::clamp(c, 0, cells_n - 1))] += n;
  }
  uint64_t top = *std::max_element(cells.begin(), cells.end());
  constexpr double kW = 640, kLeft = 8, kPlotW = 624, kTop = 34, kPlotH = 90, kH = kTop + kPlotH + 22;
  auto x_of_us = [&](double us) {
    double at = us > 0 ? (std::log10(us) - dlo) / (dhi - dlo) : 0;
    return kLeft + std::clamp(at, 0.0, 1.0) * kPlotW;
  };
  out += fmt::format(
      "<figure class=\"histogram\" id=\"{}\"><svg viewBox=\"0 0 {:.0f} {:.0f}\" role=\"img\" aria-labelledby=\"{}-c\">",
      esc(id), kW, kH, esc(id));
  out += fmt::format("<line class=\"axis\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>", kLeft,
                     kTop + kPlotH, kLeft + kPlotW, kTop + kPlotH);
  double cell_w = kPlotW / cells_n;
  for (int c = 0; c < cells_n; ++c) {
    uint64_t n = cells[static_cast<size_t>(c)];
    if (!n) continue;
    double h = std::max(1.5, kPlotH * static_cast<double>(n) / static_cast<double>(top));
    double from = std::pow(10, dlo + static_cast<double>(c) / kPerDecade);
    double to = std::pow(10, dlo + static_cast<double>(c + 1) / kPerDecade);
    out += fmt::format(
        "<rect class=\"cell\" data-calls=\"{}\" x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\">"
        "<title>{} call{} from {} to {}</title></rect>",
        n, kLeft + c * cell_w + 0.5, kTop + kPlotH - h, std::max(0.5, cell_w - 1), h, thousands(n), n == 1 ? "" : "s",
        us_text(from), us_text(to));
  }
  for (double dec = dlo; dec <= dhi; ++dec) {
    double x = x_of_us(std::pow(10, dec));
    out += fmt::format(
        "<line class=\"tick\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>"
        "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\">{}</text>",
        x, kTop + kPlotH, x, kTop + kPlotH + 4, x, kTop + kPlotH + 16,
        dec == dlo       ? "start"
            : dec == dhi ? "end"
                         : "middle",
        esc(decade_label(std::pow(10, dec))));
  }
  // The percentiles: a line each, labels on three rows so close ones stay readable.
  struct Mark {
    const char* name;
    double ms;
  };
  const Mark marks[] = {{"p50", d.p50_ms}, {"p95", d.p95_ms}, {"p99", d.p99_ms}, {"max", d.max_ms}};
  int row = 0;
  for (const auto& m : marks) {
    if (!(m.ms >= 0)) continue;
    double x = x_of_us(m.ms * 1000);
    double y = 9 + 8.5 * row;
    row = (row + 1) % 3;
    bool right = x > kLeft + kPlotW - 110;
    out += fmt::format(
        "<g class=\"pct {}\" data-ms=\"{}\"><line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\">{} {}</text></g>",
        m.name, m.ms, x, y + 2, x, kTop + kPlotH, right ? x - 3 : x + 3, y + 2, right ? "end" : "start", m.name,
        ms_text(m.ms));
  }
  out += "</svg>";
  out += fmt::format(
      "<figcaption id=\"{}-c\" class=\"muted\">{} timed call{} on a log scale (five bars a decade); p50 {}, p95 {}, "
      "p99 {}, p99.9 {}, max {} (within 1 %).</figcaption></figure>",
      esc(id), thousands(calls), calls == 1 ? "" : "s", ms_text(d.p50_ms), ms_text(d.p95_ms), ms_text(d.p99_ms),
      ms_text(d.p999_ms), ms_text(d.max_ms));
}

std::string log_page(const LogPageInput& in) {
  nlohmann::json j = nlohmann::json::parse(in.report_json, nullptr, false);
  std::string body = "<header class=\"page\"><h1>Workload: ";
  append_html_escaped(body, in.title);
  body += "</h1><div class=\"sub\">pglens log — ";
  if (j.is_discarded() || !j.is_object() || !j.contains("queries") || !j["queries"].is_array()) {
    body += "no report</div></header><main id=\"main\"><p class=\"errors\">Not a report of pglens log.</p></main>";
    return document("pglens log", body);
  }
  const auto& queries = j["queries"];
  uint64_t statements = get<uint64_t>(j, "statements", 0);
  double total_us = get<double>(j, "total_us", 0);
  body += fmt::format("{} statements, {} distinct, {} in all; {} to {}</div></header>\n<main id=\"main\">",
                      thousands(statements), thousands(queries.size()), us_text(total_us), when(j["first_us"]),
                      when(j["last_us"]));
  std::string ids = str(j, "session_ids");
  if (ids != "session")
    body +=
        "<p class=\"callout\">The log has no session ids (%c in log_line_prefix): N+1 loops are looked for per "
        "process id, or not at all. Add <code>%c</code> to <code>log_line_prefix</code>.</p>";
  if (get<uint64_t>(j, "untimed", 0))
    body += fmt::format(
        "<p class=\"muted\">{} statements were logged without a duration (log_statement without log_duration).</p>",
        thousands(get<uint64_t>(j, "untimed", 0)));

  // The queries by total time.
  body +=
      "<section class=\"block\"><h2>Queries by total time</h2><table class=\"grid queries\"><thead><tr>"
      "<th class=\"num\">#</th><th class=\"num\">share</th><th></th><th class=\"num\">total</th>"
      "<th class=\"num\">calls</th><th class=\"num\">mean</th><th class=\"num\">p50</th><th class=\"num\">p95</th>"
      "<th class=\"num\">p99</th><th class=\"num\">max</th><th>query</th></tr></thead><tbody>";
  size_t rank = 0;
  for (const auto& q : queries) {
    if (++rank > std::max<size_t>(in.top * 5, 50)) break;
    double share = get<double>(q, "share", 0);
    body += fmt::format("<tr><td class=\"num\">{}</td><td class=\"num\">{:.1f}%</td><td>", rank, share * 100);
    append_share_bar(body, share);
    body += fmt::format(
        "</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"mono\">",
        us_text(get<double>(q, "total_us", 0)), thousands(get<uint64_t>(q, "calls", 0)),
        ms_text(get<double>(q, "mean_ms", 0)), ms_text(get<double>(q, "p50_ms", 0)),
        ms_text(get<double>(q, "p95_ms", 0)), ms_text(get<double>(q, "p99_ms", 0)),
        us_text(get<double>(q, "max_us", 0)));
    std::string text = esc(one_line(str(q, "query"), 110));
    body += rank <= in.top ? fmt::format("<a href=\"#q{}\">{}</a>", rank, text) : text;
    body += "</td></tr>";
  }
  body += "</tbody></table></section>";

  // Each top query: its distribution, worst call, findings, plan.
  rank = 0;
  for (const auto& q : queries) {
    if (++rank > in.top) break;
    body += fmt::format("<section class=\"block query\" id=\"q{}\"><h2>#{} <span class=\"muted\">{:.1f}% of the time",
                        rank, rank, get<double>(q, "share", 0) * 100);
    body += " · fingerprint <code>" + esc(str(q, "fingerprint")) + "</code></span></h2>";
    body += fmt::format(
        "<ul class=\"facts\"><li>calls <b>{}</b></li><li>total <b>{}</b></li><li>mean <b>{}</b></li>"
        "<li>p50 <b>{}</b></li><li>p95 <b>{}</b></li><li>p99 <b>{}</b></li><li>p99.9 <b>{}</b></li>"
        "<li>max <b>{}</b></li><li>first <b>{}</b></li><li>last <b>{}</b></li></ul>",
        thousands(get<uint64_t>(q, "calls", 0)), us_text(get<double>(q, "total_us", 0)),
        ms_text(get<double>(q, "mean_ms", 0)), ms_text(get<double>(q, "p50_ms", 0)),
        ms_text(get<double>(q, "p95_ms", 0)), ms_text(get<double>(q, "p99_ms", 0)),
        ms_text(get<double>(q, "p999_ms", 0)), us_text(get<double>(q, "max_us", 0)), esc(when(q["first_us"])),
        esc(when(q["last_us"])));
    body += "<pre class=\"query\"><code>" + esc(str(q, "query")) + "</code></pre>";
    Distribution d{.buckets = {},
                   .p50_ms = get<double>(q, "p50_ms", 0),
                   .p95_ms = get<double>(q, "p95_ms", 0),
                   .p99_ms = get<double>(q, "p99_ms", 0),
                   .p999_ms = get<double>(q, "p999_ms", 0),
                   .max_ms = get<double>(q, "max_us", 0) / 1000};
    if (auto h = q.find("histogram"); h != q.end() && h->is_array())
      for (const auto& b : *h) {
        if (!b.is_array() || b.size() != 2 || !b[0].is_number_integer() || !b[1].is_number_unsigned()) continue;
        auto index = b[0].get<int64_t>();
        if (index < INT32_MIN || index > INT32_MAX) continue;
        double v = index == INT32_MIN ? 0 : log::Histogram::value_of(static_cast<int32_t>(index));
        d.buckets.emplace_back(std::isfinite(v) ? v : 0, b[1].get<uint64_t>());
      }
    append_histogram(body, d, fmt::format("q{}-h", rank));
    if (auto w = q.find("worst"); w != q.end() && w->is_object() && get<int64_t>(*w, "duration_us", -1) >= 0) {
      body += fmt::format("<h3>Slowest call</h3><p>{} at {}{}</p>", us_text(get<double>(*w, "duration_us", 0)),
                          esc(when((*w)["time_us"])),
                          str(*w, "session").empty() ? "" : ", session <code>" + esc(str(*w, "session")) + "</code>");
      body += "<pre class=\"query\"><code>" + esc(str(*w, "text")) + "</code></pre>";
      if (!str(*w, "parameters").empty())
        body += "<p class=\"muted\">parameters: <code>" + esc(str(*w, "parameters")) + "</code></p>";
    }
    if (auto l = q.find("lint"); l != q.end() && l->is_array() && !l->empty()) {
      body += "<h3>Findings on it</h3><ul class=\"lint\">";
      for (const auto& f : *l)
        body += "<li><span class=\"rule\">" + esc(str(f, "rule")) + "</span> " + esc(str(f, "message")) + "</li>";
      body += "</ul>";
    }
    if (!str(q, "plan").empty()) {
      body += fmt::format("<h3>Plan of a slow call (auto_explain, {})</h3>", us_text(get<double>(q, "plan_us", 0)));
      body += "<pre class=\"raw\">" + esc(str(q, "plan")) + "</pre>";
    }
    body += "</section>";
  }

  // Loops, cache candidates, capacity.
  const auto& loops = j.contains("loops") && j["loops"].is_array() ? j["loops"] : nlohmann::json::array();
  body += fmt::format("<section class=\"block\" id=\"loops\"><h2>Loops ({})</h2>", loops.size());
  if (loops.empty()) body += "<p>No N+1 loop or row-by-row load found.</p>";
  size_t k = 0;
  for (const auto& b : loops) {
    ++k;
    std::string kind = str(b, "kind");
    body += fmt::format(
        "<div class=\"loop\" id=\"loop{}\" data-kind=\"{}\"><h3>{}: {} time{}, {}–{} calls in a row, {} in all</h3>", k,
        esc(kind), kind == "n+1" ? "N+1" : esc(kind), thousands(get<uint64_t>(b, "occurrences", 0)),
        get<uint64_t>(b, "occurrences", 0) == 1 ? "" : "s", thousands(get<uint64_t>(b, "min_calls", 0)),
        thousands(get<uint64_t>(b, "max_calls", 0)), us_text(get<double>(b, "total_us", 0)));
    if (!str(b, "parent_text").empty())
      body += "<p class=\"muted\">after</p><pre class=\"query\"><code>" + esc(str(b, "parent_text")) + "</code></pre>";
    body += fmt::format("<p class=\"muted\">repeated ({} times in session <code>{}</code>)</p>",
                        thousands(get<uint64_t>(b, "example_calls", 0)), esc(str(b, "example_session")));
    body += "<pre class=\"query\"><code>" + esc(str(b, "child_text")) + "</code></pre>";
    if (!str(b, "rewrite").empty()) {
      body += "<p><b>One statement instead</b></p>";
      append_copy_block(body, fmt::format("loop{}-sql", k), str(b, "rewrite"), "Copy");
      if (!str(b, "rewrite_parameter").empty())
        body += "<p class=\"muted\">with <code>" + esc(str(b, "rewrite_parameter")) + "</code></p>";
    }
    if (!str(b, "rewrite_note").empty()) body += "<p class=\"muted\">" + esc(str(b, "rewrite_note")) + "</p>";
    body += "</div>";
  }
  body += "</section>";
  if (auto c = j.find("cache_candidates"); c != j.end() && c->is_array() && !c->empty()) {
    body +=
        "<section class=\"block\" id=\"cache\"><h2>Cache candidates</h2><p class=\"muted\">The same SELECT with the "
        "same parameters, again and again.</p><table class=\"grid\"><tr><th class=\"num\">calls</th><th>statement</th>"
        "<th>parameters</th></tr>";
    for (const auto& r : *c)
      body += fmt::format("<tr><td class=\"num\">{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td></tr>",
                          thousands(get<uint64_t>(r, "count", 0)), esc(one_line(str(r, "text"), 160)),
                          esc(str(r, "parameters")));
    body += "</table></section>";
  }
  if (auto c = j.find("capacity"); c != j.end() && c->is_object()) {
    const auto& cap = *c;
    double target = get<double>(cap, "target_utilization", 0.7), growth = get<double>(cap, "growth", 10);
    body += "<section class=\"block\" id=\"capacity\"><h2>Capacity</h2><table class=\"grid\">";
    auto row = [&](std::string_view what, std::string value, std::string formula) {
      body += "<tr><th>" + esc(what) + "</th><td class=\"num\">" + value + "</td><td class=\"muted\">" + formula +
          "</td></tr>";
    };
    row("log span", fmt::format("{:.1f} s", get<double>(cap, "span_s", 0)), "last statement − first");
    row("busy time", fmt::format("{:.1f} s", get<double>(cap, "busy_s", 0)), "sum of the statements' durations");
    row("active backends", fmt::format("{:.2f}", get<double>(cap, "active_backends", 0)), "busy ÷ span (Little's law)");
    row("cores now", fmt::format("{:.2f}", get<double>(cap, "cores_now", 0)),
        fmt::format("active ÷ {:.0f} % target utilisation", target * 100));
    row("cores at growth", fmt::format("{:.2f}", get<double>(cap, "cores_at_growth", 0)),
        fmt::format("active × {} ÷ {:.0f} %", growth, target * 100));
    row("pool size", fmt::format("{}", get<int64_t>(cap, "pool_size", 0)), "cores at growth, rounded up");
    body += "</table>";
    if (auto dom = cap.find("dominating"); dom != cap.end() && dom->is_array() && !dom->empty()) {
      body += "<p>80 % of the load: ";
      size_t i = 0;
      for (const auto& fp : *dom) {
        std::string f = fp.is_string() ? fp.get<std::string>() : "";
        size_t at = 0, r = 0;
        for (const auto& q : queries) {
          ++r;
          if (str(q, "fingerprint") == f) at = r;
        }
        body += i++ ? ", " : "";
        body += at && at <= in.top ? fmt::format("<a href=\"#q{}\">#{}</a>", at, at) : "<code>" + esc(f) + "</code>";
      }
      body += "</p>";
    }
    body += "</section>";
  }
  body += "</main>";
  return document(fmt::format("pglens log: {}", in.title), body);
}

std::string advise_page(const advise::Report& r, const advise::Options& options) {
  std::string body = "<header class=\"page\"><h1>Index advice</h1><div class=\"sub\">pglens advise — ";
  body += fmt::format("{} (PostgreSQL {}.{}), {}", esc(r.server), r.server_version / 10000, r.server_version % 10000,
                      r.hypopg ? "proven with HypoPG" : "HypoPG missing: nothing proven");
  body += "</div></header>\n<main id=\"main\">";
  if (!r.hypopg) body += "<p class=\"callout\">" + esc(r.hypopg_help) + "</p>";

  body += "<section class=\"block\" id=\"chosen\"><h2>Indexes to create</h2>";
  if (r.chosen.empty()) {
    body += "<p class=\"callout ok\">No index to create: none the planner would use and that lowers the cost by " +
        fmt::format("{:.0f} %", options.min_cost_reduction * 100) + ".</p>";
  } else {
    if (options.budget_bytes > 0)
      body += fmt::format("<p class=\"muted\">The most benefit within a budget of {}.</p>",
                          bytes_text(options.budget_bytes));
    body +=
        "<table class=\"grid chosen\"><tr><th>index</th><th class=\"num\">size</th><th class=\"num\">benefit</th>"
        "<th class=\"num\">write cost</th><th>serves</th><th>proof</th></tr>";
    for (const auto& c : r.chosen) {
      std::string serves;
      for (const auto& s : c.serves) serves += (serves.empty() ? "" : ", ") + esc(s);
      body += fmt::format(
          "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{:.0f}</td><td class=\"num\">{:.0f}</td>"
          "<td>{}</td><td>{}</td></tr>",
          esc(c.summary), bytes_text(c.size_bytes), c.benefit, c.write_cost, serves, esc(c.proof));
    }
    body +=
        "</table><h3>The script</h3><p class=\"muted\">What <code>-o</code> writes: each index built without "
        "blocking writes, with its proof as a comment.</p>";
    append_copy_block(body, "script", advise::index_script(r), "Copy");
  }
  body += "</section>";

  body += "<section class=\"block\" id=\"queries\"><h2>Per query</h2>";
  size_t qi = 0;
  for (const auto& qa : r.queries) {
    ++qi;
    body += fmt::format(
        "<div class=\"advice\" id=\"q{}\"><h3>{}{}</h3>", qi, esc(qa.query.origin),
        qa.query.calls != 1 ? fmt::format(" <span class=\"muted\">({:.0f} calls)</span>", qa.query.calls) : "");
    body += "<pre class=\"query\"><code>" + esc(qa.query.text) + "</code></pre>";
    if (!qa.error.empty()) {
      body += "<p class=\"errors\">" + esc(qa.error) + "</p></div>";
      continue;
    }
    body += fmt::format("<p class=\"muted\">cost today {:.2f}{}{}</p>", qa.cost, qa.generic ? " (generic plan)" : "",
                        qa.analyzed_ms ? fmt::format(", {:.3f} ms measured and rolled back", *qa.analyzed_ms) : "");
    if (qa.candidates.empty()) {
      body += "<p>" + esc(qa.note.empty() ? "No index to propose." : qa.note) + "</p></div>";
      continue;
    }
    body +=
        "<table class=\"grid candidates\"><tr><th></th><th>index</th><th>proposed by</th><th class=\"num\">cost "
        "before</th><th class=\"num\">after</th><th></th><th class=\"num\">lower by</th><th>used</th>"
        "<th class=\"num\">size</th><th>verdict</th></tr>";
    size_t ci = 0;
    for (const auto& c : qa.candidates) {
      ++ci;
      std::string rules;
      for (const auto& s : c.rules) rules += (rules.empty() ? "" : ", ") + esc(s);
      double after = c.proof.cost_before > 0 ? c.proof.cost_after / c.proof.cost_before : 0;
      body += fmt::format(
          "<tr class=\"{}\"><td>{}</td><td>{}</td><td class=\"rule\">{}</td><td class=\"num\">{:.2f}</td>"
          "<td class=\"num\">{:.2f}</td><td>",
          c.kept ? "kept" : "dropped", c.kept ? "<b class=\"better\">kept</b>" : "<span class=\"muted\">dropped</span>",
          esc(c.summary), rules, c.proof.cost_before, c.proof.cost_after);
      append_share_bar(body, after);
      body += fmt::format("</td><td class=\"num\">{:.0f} %</td><td>{}</td><td class=\"num\">{}</td><td>{}",
                          c.proof.reduction() * 100, c.proof.used ? "yes" : "no",
                          c.proof.size_bytes ? bytes_text(c.proof.size_bytes) : "", esc(c.verdict));
      if (c.measured) {
        const auto& m = *c.measured;
        if (!m.note.empty()) body += "<br><span class=\"muted\">" + esc(m.note) + "</span>";
        else
          body += fmt::format(
              "<br><span class=\"muted\">--verify real: shared blocks {} → {}, {:.3f} → {:.3f} ms, {} (rolled "
              "back)</span>",
              m.blocks_before, m.blocks_after, m.ms_before, m.ms_after, m.used ? "index used" : "index NOT used");
      }
      body += "</td></tr>";
    }
    body += "</table>";
    ci = 0;
    for (const auto& c : qa.candidates) {
      ++ci;
      if (c.kept) append_copy_block(body, fmt::format("q{}-c{}", qi, ci), c.ddl, "Copy");
    }
    body += "</div>";
  }
  if (r.queries.empty()) body += "<p class=\"muted\">No statement was given.</p>";
  body += "</section>";

  if (!r.removals.empty()) {
    body += "<section class=\"block\" id=\"review\"><h2>Indexes to review</h2>";
    if (!r.stats_since.empty()) body += "<p class=\"muted\">Scans counted since " + esc(r.stats_since) + ".</p>";
    size_t k = 0;
    for (const auto& x : r.removals) {
      ++k;
      body += fmt::format("<div class=\"removal\"><p><b>{}</b> on {} — {}: {}</p>", esc(x.index), esc(x.table),
                          bytes_text(x.size_bytes), esc(x.reason));
      append_copy_block(body, fmt::format("rm{}", k), x.ddl, "Copy");
      body += "</div>";
    }
    body += "</section>";
  }
  if (!r.notes.empty()) {
    body += "<section class=\"block\"><h2>Notes</h2><ul>";
    for (const auto& n : r.notes) body += "<li>" + esc(n) + "</li>";
    body += "</ul></section>";
  }
  body += "</main>";
  return document("pglens advise", body);
}

}  // namespace pglens::html
