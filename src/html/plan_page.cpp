#include "html/plan_page.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <iterator>
#include <unordered_map>

#include <fmt/format.h>

#include "html/page.hpp"
#include "plan/display.hpp"
#include "source/json_string.hpp"

namespace pglens::html {
namespace {

using plan::Node;
using plan::Plan;

// Raw input lines are shown for a node only up to these bounds: a minified JSON plan is one
// line, and a node of it would repeat the whole input.
constexpr size_t kRawLinesMax = 40;
constexpr size_t kRawBytesMax = 4096;
// Deeper than this, the tree stops indenting and the flame graph stops drawing (the tree
// still lists every node): a 10,000-deep chain would be 220,000 pixels of graph.
constexpr int kIndentMax = 48;
constexpr int kFlameDepthMax = 120;
// Larger trees are windowed: their rows are data in the page (HTML pieces shared by the rows, in a
// JSON block) and the script draws only the rows in and near the viewport, so a 10,000-node
// plan scrolls as fast as a 50-node one. Smaller trees are plain HTML, complete without script.
constexpr size_t kWindowFrom = 1500;

std::string esc(std::string_view s) { return html_escape(s); }

// The code of a windowed row's piece numbers (page.js decodes it): the characters '#'..'~'
// but '<' and '\\' (90 symbols, none escaped in JSON nor read as a tag in <script>); the
// first 60 end a number (its last base-60 digit), the other 30 are its leading base-30 digits.
constexpr uint32_t kCodeLast = 60, kCodeLead = 30;

char code_symbol(uint32_t v) {
  uint32_t c = 35 + v;
  if (c >= '<') ++c;
  if (c >= '\\') ++c;
  return static_cast<char>(c);
}

void append_piece_number(std::string& out, uint32_t n) {
  char lead[8];
  int digits = 0;
  for (uint32_t q = n / kCodeLast; q > 0; q /= kCodeLead) lead[digits++] = code_symbol(kCodeLast + q % kCodeLead);
  while (digits > 0) out += lead[--digits];
  out += code_symbol(n % kCodeLast);
}

std::string node_anchor(std::string_view prefix, int id) { return fmt::format("{}-n{}", prefix, id); }

// The share a node's bar and colour show: of the execution time, or of the root's cost when
// the plan has no times.
double display_share(const Plan& p, const Node& n) {
  if (p.timed()) return n.metrics.share;
  double total = p.nodes.empty() || !p.root().total_cost ? 0 : *p.root().total_cost;
  return total > 0 ? std::clamp(n.metrics.exclusive_cost / total, 0.0, 1.0) : 0.0;
}

// What the flame graph sizes a node by: its exclusive time (or cost without times).
double own_weight(const Plan& p, const Node& n) {
  double w = p.timed() ? n.metrics.exclusive_time_ms : n.metrics.exclusive_cost;
  return std::isfinite(w) && w > 0 ? w : 0;
}

std::string count(double v) { return esc(plan::format_count(v)); }

std::string blocks(int64_t b) { return esc(plan::format_count(static_cast<double>(b))); }

// The lines `range` of `input` (1-based, inclusive), or empty when out of bounds or too long.
std::string_view raw_lines(std::string_view input, plan::LineRange range) {
  if (input.empty() || range.first == 0 || range.last < range.first || range.last - range.first >= kRawLinesMax)
    return {};
  size_t pos = 0;
  for (uint32_t line = 1; line < range.first; ++line) {
    pos = input.find('\n', pos);
    if (pos == std::string_view::npos) return {};
    ++pos;
  }
  size_t end = pos;
  for (uint32_t line = range.first; line <= range.last; ++line) {
    end = input.find('\n', end);
    if (end == std::string_view::npos) {
      end = input.size();
      break;
    }
    if (line < range.last) ++end;
  }
  if (end - pos > kRawBytesMax) return {};
  return input.substr(pos, end - pos);
}

void kv(std::string& out, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  out += "<dt>";
  append_html_escaped(out, key);
  out += "</dt><dd>";
  append_html_escaped(out, value);
  out += "</dd>";
}

template <class T>
void kv(std::string& out, std::string_view key, const std::optional<T>& value, std::string_view unit = "") {
  if (value) kv(out, key, fmt::format("{}{}", *value, unit));
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

std::string buffers_text(const plan::Buffers& b) {
  std::string s = fmt::format("shared hit={} read={} dirtied={} written={}", b.shared_hit, b.shared_read,
                              b.shared_dirtied, b.shared_written);
  if (b.local_hit || b.local_read || b.local_dirtied || b.local_written)
    s += fmt::format("; local hit={} read={} dirtied={} written={}", b.local_hit, b.local_read, b.local_dirtied,
                     b.local_written);
  if (b.temp_read || b.temp_written) s += fmt::format("; temp read={} written={}", b.temp_read, b.temp_written);
  return s;
}

double io_ms(const plan::IoTimings& io) {
  return io.shared_read_ms + io.shared_write_ms + io.local_read_ms + io.local_write_ms + io.temp_read_ms +
      io.temp_write_ms;
}

void append_node_details(std::string& out, const Plan& p, const Node& n, std::string_view input) {
  out += "<div class=\"more\"><dl class=\"kv\">";
  const auto& m = n.metrics;
  kv(out, "Node type", n.node_type);
  kv(out, "Parent relationship", n.parent_relationship);
  if (n.total_cost)
    kv(out, "Cost",
       fmt::format("{:.2f}..{:.2f} (own {:.2f})", n.startup_cost.value_or(0), *n.total_cost, m.exclusive_cost));
  kv(out, "Estimated rows", n.plan_rows, " per loop");
  kv(out, "Width", n.plan_width, " bytes");
  if (n.actual_total_ms)
    kv(out, "Actual time",
       fmt::format("{:.3f}..{:.3f} ms per loop; {} in all, {} own", n.actual_startup_ms.value_or(0), *n.actual_total_ms,
                   plan::format_ms(m.total_time_ms), plan::format_ms(m.exclusive_time_ms)));
  if (n.actual_rows)
    kv(out, "Actual rows",
       fmt::format("{} per loop x {} loops = {}", *n.actual_rows, n.actual_loops.value_or(1),
                   plan::format_count(m.total_rows)));
  kv(out, "Index Cond", n.index_cond);
  kv(out, "Recheck Cond", n.recheck_cond);
  kv(out, "Hash Cond", n.hash_cond);
  kv(out, "Merge Cond", n.merge_cond);
  kv(out, "Join Filter", n.join_filter);
  kv(out, "Filter", n.filter);
  kv(out, "One-Time Filter", n.one_time_filter);
  kv(out, "TID Cond", n.tid_cond);
  kv(out, "Rows Removed by Filter", n.rows_removed_by_filter, " per loop");
  kv(out, "Rows Removed by Join Filter", n.rows_removed_by_join_filter, " per loop");
  kv(out, "Rows Removed by Index Recheck", n.rows_removed_by_index_recheck, " per loop");
  kv(out, "Sort Key", join(n.sort_key));
  kv(out, "Presorted Key", join(n.presorted_key));
  kv(out, "Group Key", join(n.group_key));
  if (!n.sort_method.empty())
    kv(out, "Sort", fmt::format("{}, {} kB ({})", n.sort_method, n.sort_space_kb.value_or(0), n.sort_space_type));
  if (n.hash_buckets)
    kv(out, "Hash",
       fmt::format("buckets {} (planned {}), batches {} (planned {})", *n.hash_buckets,
                   n.original_hash_buckets.value_or(*n.hash_buckets), n.hash_batches.value_or(1),
                   n.original_hash_batches.value_or(1)));
  kv(out, "Peak memory", n.peak_memory_kb, " kB");
  kv(out, "Disk usage", n.disk_usage_kb, " kB");
  kv(out, "Heap fetches", n.heap_fetches);
  kv(out, "Exact heap blocks", n.exact_heap_blocks);
  kv(out, "Lossy heap blocks", n.lossy_heap_blocks);
  if (n.workers_planned)
    kv(out, "Workers",
       fmt::format("{} planned, {} launched", *n.workers_planned,
                   n.workers_launched ? std::to_string(*n.workers_launched) : "?"));
  if (n.buffers.present) {
    kv(out, "Buffers (subtree)", buffers_text(n.buffers));
    kv(out, "Buffers (own)", buffers_text(m.exclusive_buffers));
  }
  if (n.io.present)
    kv(out, "I/O timings",
       fmt::format("shared read {:.3f} write {:.3f}; local read {:.3f} write {:.3f}; temp read {:.3f} write {:.3f} ms",
                   n.io.shared_read_ms, n.io.shared_write_ms, n.io.local_read_ms, n.io.local_write_ms,
                   n.io.temp_read_ms, n.io.temp_write_ms));
  if (n.wal.present) kv(out, "WAL", fmt::format("records={} fpi={} bytes={}", n.wal.records, n.wal.fpi, n.wal.bytes));
  if (n.cache_hits)
    kv(out, "Memoize cache",
       fmt::format("hits {} misses {} evictions {} overflows {}", *n.cache_hits, n.cache_misses.value_or(0),
                   n.cache_evictions.value_or(0), n.cache_overflows.value_or(0)));
  kv(out, "Subplans removed", n.subplans_removed);
  kv(out, "Index searches", n.index_searches);
  kv(out, "Output", join(n.output));
  for (const auto& prop : n.properties) kv(out, prop.key, prop.value);
  out += "</dl>";
  if (n.lines.first) {
    std::string_view raw = raw_lines(input, n.lines);
    std::string where = n.lines.first == n.lines.last ? fmt::format("line {}", n.lines.first)
                                                      : fmt::format("lines {}–{}", n.lines.first, n.lines.last);
    if (!raw.empty()) {
      out += "<div class=\"muted\">Input, " + where + ":</div><pre class=\"raw\">";
      append_html_escaped(out, raw);
      out += "</pre>";
    } else if (!input.empty()) {
      out += "<div class=\"muted\">Input, " + where + " (too long to repeat here).</div>";
    }
  }
  static_cast<void>(p);
  out += "</div>";
}

void append_node(std::string& out, const Plan& p, size_t index, const TreeOptions& o, bool hot, bool tabbable) {
  const Node& n = p.nodes[index];
  const auto& m = n.metrics;
  const NodeNote* note = index < o.notes.size() ? &o.notes[index] : nullptr;
  double share = display_share(p, n);
  // The node is a <details>: its row the summary (a click, Enter or Space opens it), its
  // details every figure and the input lines. Only the bottleneck's row is in the tab order;
  // the arrow keys move from row to row (page.js).
  out += fmt::format(
      "<details class=\"node{}{}{}\" id=\"{}\" data-depth=\"{}\" data-share=\"{:.4f}\">"
      "<summary class=\"row\" tabindex=\"{}\"><span class=\"caret\" aria-hidden=\"true\"></span>",
      hot ? " bottleneck" : "", note && !note->css_class.empty() ? " " : "", note ? esc(note->css_class) : "",
      node_anchor(o.id_prefix, n.id), n.depth, share, hot || tabbable ? 0 : -1);
  bool analyzed = p.analyzed();
  if (n.never_executed) {
    out += "<span class=\"t\">never</span><span class=\"pct\"></span>";
  } else if (p.timed()) {
    out += fmt::format("<span class=\"t\">{}</span><span class=\"pct\">{:.0f}%</span>",
                       esc(plan::format_ms(m.exclusive_time_ms)), share * 100);
  } else if (analyzed) {
    out += fmt::format(
        "<span class=\"t\" title=\"EXPLAIN (ANALYZE, TIMING OFF): no times\">no timing</span>"
        "<span class=\"pct\">{:.0f}%</span>",
        share * 100);
  } else {
    out +=
        fmt::format("<span class=\"t\" title=\"estimated cost, own\">{:.1f}</span><span class=\"pct\">{:.0f}%</span>",
                    m.exclusive_cost, share * 100);
  }
  append_share_bar(out, share);
  int indent = std::min(n.depth, kIndentMax) * 18;
  if (indent > 0)
    out += fmt::format("<svg class=\"indent\" width=\"{}\" height=\"1\" aria-hidden=\"true\"></svg>", indent);
  out += "<span class=\"name\">";
  if (n.depth > kIndentMax) out += fmt::format("<span class=\"muted\">⋯ depth {} </span>", n.depth);
  if (!n.subplan_name.empty()) out += "<span class=\"sub-name\">" + esc(n.subplan_name) + ": </span>";
  out += "<span class=\"label\">" + esc(n.label()) + "</span> ";
  out += fmt::format("<span class=\"id\">#{}</span></span>", n.id);
  if (analyzed && n.actual_rows && !n.never_executed) {
    out += fmt::format("<span class=\"fig\">rows <b>{}</b>", count(m.total_rows));
    if (n.plan_rows) out += fmt::format(" of est. {}", count(m.planned_total_rows));
    out += "</span>";
    if (m.misestimate && *m.misestimate >= 10) {
      bool under = m.total_rows > m.planned_total_rows;
      out += fmt::format("<span class=\"warn\" title=\"rows x loops against the estimate\">{}{:.0f}× {}</span>",
                         under ? "↑" : "↓", *m.misestimate, under ? "under-estimated" : "over-estimated");
    }
    if (n.actual_loops && *n.actual_loops > 1)
      out += fmt::format("<span class=\"fig\">loops <b>{}</b></span>", count(*n.actual_loops));
  } else if (n.plan_rows) {
    out += fmt::format("<span class=\"fig\">est. rows <b>{}</b></span>", count(*n.plan_rows));
  }
  if (n.buffers.present) {
    const auto& b = m.exclusive_buffers;
    out += fmt::format(
        "<span class=\"fig\" title=\"own buffers: shared hit / read (not in shared buffers)"
        "{}\">hit <b>{}</b> read <b>{}</b>",
        b.temp_blocks() ? " / temp read+written" : "", blocks(b.total_hit()), blocks(b.blocks_read()));
    if (b.temp_blocks()) out += fmt::format(" temp <b>{}</b>", blocks(b.temp_blocks()));
    out += "</span>";
  }
  if (n.io.present && io_ms(n.io) > 0)
    out += fmt::format("<span class=\"fig\">I/O <b>{}</b></span>", esc(plan::format_ms(io_ms(n.io))));
  if (n.workers_planned && n.workers_launched && *n.workers_launched < *n.workers_planned)
    out += fmt::format("<span class=\"flag bad\">{} of {} workers</span>", *n.workers_launched, *n.workers_planned);
  std::string detail = plan::key_detail(n);
  if (!detail.empty()) out += "<span class=\"detail\" title=\"" + esc(detail) + "\">" + esc(detail) + "</span>";
  if (note && !note->html.empty()) out += note->html;
  out += "</summary>";
  append_node_details(out, p, n, o.input);
  out += "</details>\n";
}

// Where a table a finding points at appears in the query: whole-word, case-insensitive
// matches of its name (the query names it as the plan does, give or take the case).
std::vector<std::pair<size_t, size_t>> find_word(std::string_view text, std::string_view word) {
  std::vector<std::pair<size_t, size_t>> hits;
  if (word.empty() || word.size() > text.size()) return hits;
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80); };
  for (size_t i = 0; i + word.size() <= text.size(); ++i) {
    bool same = true;
    for (size_t k = 0; k < word.size() && same; ++k)
      same = std::tolower(static_cast<unsigned char>(text[i + k])) == std::tolower(static_cast<unsigned char>(word[k]));
    if (!same) continue;
    if (i > 0 && is_word(text[i - 1])) continue;
    if (i + word.size() < text.size() && is_word(text[i + word.size()])) continue;
    hits.emplace_back(i, i + word.size());
    i += word.size() - 1;
  }
  return hits;
}

struct QueryMark {
  size_t begin = 0, end = 0;
  std::vector<size_t> findings;  // 0-based indexes into the diagnosis
};

std::vector<QueryMark> query_marks(const Plan& p, const plan::Diagnosis& d) {
  std::vector<QueryMark> marks;
  for (size_t f = 0; f < d.findings.size(); ++f) {
    int node = d.findings[f].node;
    if (node < 0 || static_cast<size_t>(node) >= p.nodes.size()) continue;
    for (const auto& word : find_word(p.query_text, p.nodes[static_cast<size_t>(node)].relation)) {
      // Not a structured binding: clang 14 (the fuzz and sanitizer builds) cannot capture one.
      size_t b = word.first, e = word.second;
      auto same = std::find_if(marks.begin(), marks.end(), [&](const QueryMark& m) { return m.begin == b; });
      if (same != marks.end()) same->findings.push_back(f);
      else marks.push_back({b, e, {f}});
    }
  }
  std::sort(marks.begin(), marks.end(), [](const QueryMark& a, const QueryMark& b) { return a.begin < b.begin; });
  return marks;
}

}  // namespace

void append_plan_summary(std::string& out, const Plan& p, std::string_view prefix) {
  out += "<ul class=\"facts\">";
  auto fact = [&](std::string_view key, std::string_view value) {
    out += "<li>";
    append_html_escaped(out, key);
    out += " <b>";
    append_html_escaped(out, value);
    out += "</b></li>";
  };
  fact("format",
       std::string(to_string(p.format)) +
           (!p.analyzed()   ? ", estimates only"
                : p.timed() ? ", ANALYZE"
                            : ", ANALYZE, TIMING OFF"));
  if (p.execution_time_ms) fact("execution", plan::format_ms(*p.execution_time_ms));
  if (p.planning_time_ms) fact("planning", plan::format_ms(*p.planning_time_ms));
  if (p.planning_buffers.present) fact("planning buffers", buffers_text(p.planning_buffers));
  if (p.planning_memory_used_kb) fact("planning memory", fmt::format("{} kB", *p.planning_memory_used_kb));
  if (p.serialization_time_ms) fact("serialization", plan::format_ms(*p.serialization_time_ms));
  if (p.log_duration_ms) fact("logged duration", plan::format_ms(*p.log_duration_ms));
  if (p.jit.present) {
    std::string jit = fmt::format("{} functions", p.jit.functions.value_or(0));
    if (p.jit.total_ms)
      jit += fmt::format(
          ", {} (generation {}, inlining {}, optimization {}, emission {})", plan::format_ms(*p.jit.total_ms),
          plan::format_ms(p.jit.generation_ms.value_or(0)), plan::format_ms(p.jit.inlining_ms.value_or(0)),
          plan::format_ms(p.jit.optimization_ms.value_or(0)), plan::format_ms(p.jit.emission_ms.value_or(0)));
    fact("JIT", jit);
  }
  if (!p.settings.empty()) {
    std::string s;
    for (const auto& kv : p.settings) s += (s.empty() ? "" : ", ") + kv.key + " = " + kv.value;
    fact("settings", s);
  }
  out += "</ul>";
  auto outside = plan::outside_tree(p);
  auto outside_hot = plan::outside_bottleneck(p);
  if (!outside.empty()) {
    out +=
        "<table class=\"grid outside\"><caption class=\"muted\">Time outside the plan tree</caption>"
        "<tr><th class=\"num\">time</th><th class=\"num\">share</th><th></th><th>what</th></tr>";
    for (const auto& o : outside) {
      bool hot = outside_hot && outside_hot->label == o.label;
      out += fmt::format("<tr{}><td class=\"num\">{}</td><td class=\"num\">{:.0f}%</td><td>",
                         hot ? " class=\"bottleneck\" tabindex=\"-1\"" : "", esc(plan::format_ms(o.ms)), o.share * 100);
      append_share_bar(out, o.share);
      out += "</td><td>" + esc(o.label);
      if (!o.detail.empty()) out += " <span class=\"muted\">(" + esc(o.detail) + ")</span>";
      out += "</td></tr>";
    }
    out += "</table>";
  }
  if (outside_hot) {
    out += fmt::format("<p class=\"callout\"><b>Bottleneck:</b> {} (outside the plan tree) — {:.0f}% of {}</p>",
                       esc(outside_hot->label), outside_hot->share * 100, esc(plan::format_ms(p.total_time_ms)));
  } else if (p.bottleneck >= 0) {
    const Node& b = p.nodes[static_cast<size_t>(p.bottleneck)];
    std::string link = fmt::format("<a href=\"#{}\">{}</a> (node {})", node_anchor(prefix, b.id), esc(b.label()), b.id);
    if (p.timed() && p.total_time_ms > 0) {
      out += fmt::format("<p class=\"callout\"><b>Bottleneck:</b> {} — {:.0f}% of {}</p>", link, b.metrics.share * 100,
                         esc(plan::format_ms(p.total_time_ms)));
    } else if (!p.timed() && p.root().total_cost && *p.root().total_cost > 0) {
      out +=
          fmt::format("<p class=\"callout\"><b>Costliest node:</b> {} — {:.0f}% of the estimated cost {:.2f} ({})</p>",
                      link, 100 * b.metrics.exclusive_cost / *p.root().total_cost, *p.root().total_cost,
                      p.analyzed() ? "TIMING OFF: no times, estimates only" : "no ANALYZE: estimates only");
    }
  }
}

void append_plan_tree(std::string& out, const Plan& p, const TreeOptions& o) {
  bool node_hot = !plan::outside_bottleneck(p);
  if (p.nodes.size() < kWindowFrom) {
    out += "<div class=\"tree\" data-view-panel=\"tree\" aria-label=\"plan tree\">\n";
    // Without any row in the tab order (the bottleneck is outside the tree), the first one is.
    bool first_tabbable = !(node_hot && p.bottleneck >= 0);
    for (size_t i = 0; i < p.nodes.size(); ++i)
      append_node(out, p, i, o, node_hot && static_cast<int>(i) == p.bottleneck, first_tabbable && i == 0);
    out += "</div>\n";
    return;
  }
  // Windowed: the rows as data (page.js draws the ones in view); the tree itself is the tab
  // stop until the row that holds it is drawn.
  int hot = node_hot ? p.bottleneck : -1;
  out += fmt::format(
      "<div class=\"tree windowed\" data-view-panel=\"tree\" aria-label=\"plan tree, {} nodes\" data-prefix=\"{}\" "
      "data-nodes=\"{}\" data-hot=\"{}\" tabindex=\"0\">",
      p.nodes.size(), esc(o.id_prefix), p.nodes.size(), hot);
  out += fmt::format(
      "<noscript><p class=\"callout\">This tree has {} nodes: its rows are drawn by the page's script as they "
      "scroll into view. Allow script for this file, or read the plan as text with <code>pglens explain</code>."
      "</p></noscript>",
      p.nodes.size());
  std::string json = "{\"ids\":[";
  for (size_t i = 0; i < p.nodes.size(); ++i) json += fmt::format("{}{}", i ? "," : "", p.nodes[i].id);
  json += "],\"text\":[";
  for (size_t i = 0; i < p.nodes.size(); ++i) {
    const Node& n = p.nodes[i];
    if (i) json += ',';
    std::string detail = plan::key_detail(n);
    append_json_string(json,
                       fmt::format("{}{} #{}{}{}", n.subplan_name.empty() ? "" : n.subplan_name + ": ", n.label(), n.id,
                                   detail.empty() ? "" : " ", detail));
  }
  // The rows as pieces of HTML (a tag and the text after it), each distinct piece once in a
  // table, numbered by how often the rows use it (the markup every row shares gets the short
  // numbers); a row is the list of its pieces. 10,000 rows of one markup were 18.9 MB of
  // repeated strings; the pieces and numbers are about a fifth of that.
  std::unordered_map<std::string, uint32_t> piece_number;
  std::vector<std::string_view> pieces;
  std::vector<uint64_t> uses;
  std::vector<std::vector<uint32_t>> rows(p.nodes.size());
  std::string row;
  for (size_t i = 0; i < p.nodes.size(); ++i) {
    row.clear();
    append_node(row, p, i, o, static_cast<int>(i) == hot, false);
    for (size_t b = 0; b < row.size();) {
      size_t e = row.find('<', b + 1);
      if (e == std::string::npos) e = row.size();
      auto [it, added] = piece_number.try_emplace(row.substr(b, e - b), static_cast<uint32_t>(pieces.size()));
      if (added) {
        pieces.push_back(it->first);
        uses.push_back(0);
      }
      ++uses[it->second];
      rows[i].push_back(it->second);
      b = e;
    }
  }
  std::vector<uint32_t> by_use(pieces.size());
  for (uint32_t k = 0; k < by_use.size(); ++k) by_use[k] = k;
  std::stable_sort(by_use.begin(), by_use.end(), [&](uint32_t a, uint32_t b) { return uses[a] > uses[b]; });
  std::vector<uint32_t> renumbered(pieces.size());
  for (uint32_t k = 0; k < by_use.size(); ++k) renumbered[by_use[k]] = k;
  json += "],\"pieces\":[";
  for (uint32_t k = 0; k < by_use.size(); ++k) {
    if (k) json += ',';
    append_json_string(json, pieces[by_use[k]]);
  }
  // Each row one string of its piece numbers (append_piece_number): the common pieces take
  // one character, and the page reads 10,000 strings, not 700,000 numbers.
  json += "],\"rows\":[";
  for (size_t i = 0; i < rows.size(); ++i) {
    json += i ? ",\"" : "\"";
    for (uint32_t piece : rows[i]) append_piece_number(json, renumbered[piece]);
    json += '"';
  }
  json += "]}";
  // Inside <script>, nothing may read as a tag: every '<' (all of them within JSON strings)
  // as its \\u escape.
  out += "<script type=\"application/json\" class=\"rows-data\">";
  out.reserve(out.size() + json.size() + json.size() / 8);
  for (char c : json) {
    if (c == '<') out += "\\u003c";
    else out += c;
  }
  out +=
      "</script><div class=\"spacer\"></div><div class=\"rows\" role=\"presentation\"></div><div class=\"spacer\">"
      "</div></div>\n";
}

void append_flame_graph(std::string& out, const Plan& p, std::string_view prefix) {
  if (p.nodes.empty()) return;
  // Subtree weights: nodes are in pre-order, so children come after their parent.
  std::vector<double> weight(p.nodes.size(), 0);
  for (size_t i = p.nodes.size(); i-- > 0;) {
    weight[i] += own_weight(p, p.nodes[i]);
    if (p.nodes[i].parent >= 0) weight[static_cast<size_t>(p.nodes[i].parent)] += weight[i];
  }
  double total = weight[0];
  constexpr double kWidth = 1000, kRow = 22;
  int max_depth = 0;
  std::vector<double> x(p.nodes.size(), 0);
  std::string frames;
  bool node_hot = !plan::outside_bottleneck(p);
  for (size_t i = 0; i < p.nodes.size() && total > 0; ++i) {
    const Node& n = p.nodes[i];
    double w = weight[i] / total * kWidth;
    // Children left to right from their parent's left edge.
    double next = x[i];
    for (int c : n.children) {
      x[static_cast<size_t>(c)] = next;
      next += weight[static_cast<size_t>(c)] / total * kWidth;
    }
    if (w < 0.3 || n.depth > kFlameDepthMax) continue;
    max_depth = std::max(max_depth, n.depth);
    double share = display_share(p, n);
    std::string label = n.label();
    std::string value = p.timed()
        ? plan::format_ms(n.metrics.exclusive_time_ms) + " own, " + plan::format_ms(weight[i]) + " with children"
        : fmt::format("cost {:.1f} own, {:.1f} with children", n.metrics.exclusive_cost, weight[i]);
    std::string tip = fmt::format("{} (#{}): {} — {:.1f}% own", label, n.id, value, share * 100);
    bool hot = node_hot && static_cast<int>(i) == p.bottleneck;
    frames += fmt::format(
        "<g class=\"f {}{}\" data-node=\"{}\" tabindex=\"0\" role=\"button\" aria-label=\"{}\">"
        "<title>{}</title><rect x=\"{:.2f}\" y=\"{:.0f}\" width=\"{:.2f}\" height=\"{:.0f}\"/>",
        share_class(share), hot ? " bottleneck" : "", node_anchor(prefix, n.id), esc(tip), esc(tip), x[i],
        n.depth * kRow, w, kRow - 2);
    // Text at ~6.5 units per character of 11px text in a 1000-unit-wide graph.
    auto fits = static_cast<size_t>(std::max(0.0, (w - 8) / 6.5));
    if (fits >= 4) {
      std::string text = label.size() <= fits ? label : plan::shorten(label, fits);
      frames += fmt::format("<text x=\"{:.2f}\" y=\"{:.0f}\">{}</text>", x[i] + 4, n.depth * kRow + 14, esc(text));
    }
    frames += "</g>\n";
  }
  double height = (max_depth + 1) * kRow;
  out += "<div class=\"flame\" data-view-panel=\"flame\" hidden>";
  if (total <= 0) {
    out += "<p class=\"muted\">No times or costs to draw.</p></div>\n";
    return;
  }
  // No height: the graph takes the page's width and keeps its proportions (a fixed height
  // would narrow it).
  out += fmt::format(
      "<svg viewBox=\"0 0 {:.0f} {:.0f}\" role=\"group\" aria-label=\"flame graph of "
      "exclusive time: width is the time of the subtree, colour the node's own share\">\n",
      kWidth, height);
  out += frames;
  out += "</svg>";
  out +=
      "<p class=\"hint\">Width: the time of the node with everything under it; colour: the node's own share. "
      "Click or Enter: the node in the tree.</p></div>\n";
}

void append_findings(std::string& out, const Plan& p, const plan::Diagnosis& d, std::string_view prefix) {
  out += "<h3>Findings</h3>";
  if (d.healthy()) {
    out += "<p class=\"callout ok\">No problems found: the plan looks healthy.</p>";
    return;
  }
  auto marks = query_marks(p, d);
  out +=
      fmt::format("<p class=\"muted\">{} finding{}, by impact (the share of the time of the node each points at).</p>",
                  d.findings.size(), d.findings.size() == 1 ? "" : "s");
  out += "<ol class=\"findings\">";
  for (size_t i = 0; i < d.findings.size(); ++i) {
    const auto& f = d.findings[i];
    std::string sev(to_string(f.severity));
    double pct = f.impact * 100;
    out += fmt::format("<li id=\"{}-f{}\" data-rule=\"{}\"><span class=\"impact\">{} of the time</span>", prefix, i + 1,
                       esc(f.rule), pct >= 1 || pct == 0 ? fmt::format("{:.0f} %", pct) : fmt::format("{:.1f} %", pct));
    out += fmt::format("<span class=\"sev {}\">{}</span> <span class=\"rule\">{}</span> ", sev, sev, esc(f.rule));
    if (f.node >= 0) {
      out += fmt::format("at <a href=\"#{}\">node {}</a>", node_anchor(prefix, f.node_id), f.node_id);
      if (f.lines.first) out += fmt::format(" <span class=\"muted\">(input line {})</span>", f.lines.first);
    } else {
      out += "<span class=\"muted\">the plan as a whole</span>";
    }
    for (size_t k = 0; k < marks.size(); ++k) {
      if (std::find(marks[k].findings.begin(), marks[k].findings.end(), i) == marks[k].findings.end()) continue;
      size_t line = 1 +
          static_cast<size_t>(std::count(p.query_text.begin(),
                                         p.query_text.begin() + static_cast<std::ptrdiff_t>(marks[k].begin), '\n'));
      out += fmt::format(" · <a href=\"#{}-q{}\">in the query, line {}</a>", prefix, k + 1, line);
      break;
    }
    out += "<p>" + esc(f.message) + "</p>";
    if (!f.why.empty()) out += "<p class=\"muted\">" + esc(f.why) + "</p>";
    if (!f.ddl.empty()) append_copy_block(out, fmt::format("{}-ddl{}", prefix, i + 1), f.ddl, "Copy");
    out += "</li>";
  }
  out += "</ol>";
  if (!d.indexes.empty()) {
    out += "<h3>Indexes to create</h3><p class=\"muted\">One per table, merged across the findings.</p>";
    for (size_t i = 0; i < d.indexes.size(); ++i)
      append_copy_block(out, fmt::format("{}-ix{}", prefix, i + 1), d.indexes[i].ddl, "Copy");
  }
}

void append_query(std::string& out, const Plan& p, const plan::Diagnosis& d, std::string_view prefix) {
  if (p.query_text.empty()) return;
  auto marks = query_marks(p, d);
  out += "<h3>Query</h3><pre class=\"query\"><code>";
  size_t at = 0;
  for (size_t k = 0; k < marks.size(); ++k) {
    const auto& m = marks[k];
    if (m.begin < at) continue;
    append_html_escaped(out, std::string_view(p.query_text).substr(at, m.begin - at));
    std::string title;
    for (size_t f : m.findings) title += (title.empty() ? "finding " : ", ") + std::to_string(f + 1);
    out += fmt::format("<mark id=\"{}-q{}\" title=\"{}\">", prefix, k + 1, title);
    append_html_escaped(out, std::string_view(p.query_text).substr(m.begin, m.end - m.begin));
    out += "</mark>";
    at = m.end;
  }
  append_html_escaped(out, std::string_view(p.query_text).substr(at));
  out += "</code></pre>";
}

void append_plan_section(std::string& out, const Plan& p, const plan::Diagnosis& d, const TreeOptions& o,
                         std::string_view heading) {
  out += fmt::format("<section class=\"plan\" id=\"{}\" aria-labelledby=\"{}-h\">", o.id_prefix, o.id_prefix);
  out += fmt::format("<h2 id=\"{}-h\">", o.id_prefix);
  append_html_escaped(out, heading);
  out += "</h2>";
  append_plan_summary(out, p, o.id_prefix);
  out +=
      "<div class=\"toolbar\" role=\"group\" aria-label=\"view\">"
      "<button type=\"button\" data-view=\"tree\" aria-pressed=\"true\">Tree</button>"
      "<button type=\"button\" data-view=\"flame\" aria-pressed=\"false\">Flame graph</button>"
      "<input type=\"search\" class=\"find\" placeholder=\"Find a node (/)\" aria-label=\"Find a node: Enter next, "
      "Shift+Enter previous, Escape to the row\" spellcheck=\"false\"><span class=\"find-count hint\" "
      "aria-live=\"polite\"></span>"
      "<span class=\"hint\">keys: ↑ ↓ move, Enter details, / find, t tree, f flame graph</span></div>";
  append_plan_tree(out, p, o);
  append_flame_graph(out, p, o.id_prefix);
  append_findings(out, p, d, o.id_prefix);
  append_query(out, p, d, o.id_prefix);
  out += "</section>\n";
}

std::string plan_page(const PlanPageInput& page) {
  std::string body;
  body += "<header class=\"page\"><h1>Plan: ";
  append_html_escaped(body, page.source_name);
  body += "</h1><div class=\"sub\">pglens explain — ";
  if (page.plans.size() == 1 && page.plans[0].analyzed() && page.plans[0].timed())
    body += esc(plan::format_ms(page.plans[0].total_time_ms)) + ", ";
  size_t nodes = 0;
  for (const auto& p : page.plans) nodes += p.nodes.size();
  body += fmt::format("{} plan{}, {} node{}</div></header>\n<main id=\"main\">", page.plans.size(),
                      page.plans.size() == 1 ? "" : "s", nodes, nodes == 1 ? "" : "s");
  if (!page.errors.empty()) {
    body += "<ul class=\"errors\">";
    for (const auto& e : page.errors) {
      body += "<li>";
      if (e.line) body += fmt::format("line {}: ", e.line);
      body += esc(e.message) + "</li>";
    }
    body += "</ul>";
  }
  for (size_t i = 0; i < page.plans.size(); ++i) {
    TreeOptions o{.id_prefix = fmt::format("p{}", i + 1), .input = page.input, .notes = {}};
    std::string heading = page.plans.size() > 1 ? fmt::format("Plan {} of {}", i + 1, page.plans.size()) : "Plan";
    append_plan_section(body, page.plans[i], page.diagnoses[i], o, heading);
  }
  body += "</main>";
  return document(fmt::format("pglens: {}", page.source_name), body);
}

}  // namespace pglens::html
