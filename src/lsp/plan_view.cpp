#include "lsp/plan_view.hpp"

#include <fmt/format.h>

namespace pglens::lsp {
namespace {

bool blank(std::string_view text) { return text.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// 1234567 -> "1,234,567"; fractions (PostgreSQL 18 prints fractional rows) keep two digits.
std::string count(double v) {
  if (v != static_cast<double>(static_cast<int64_t>(v))) return fmt::format("{:.2f}", v);
  std::string digits = fmt::format("{}", static_cast<int64_t>(v < 0 ? -v : v));
  std::string out = v < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string buffers_text(const plan::Buffers& b) {
  std::vector<std::string> parts;
  auto add = [&](const char* what, int64_t n) {
    if (n) parts.push_back(fmt::format("{} {}", what, count(static_cast<double>(n))));
  };
  add("shared hit", b.shared_hit);
  add("shared read", b.shared_read);
  add("shared dirtied", b.shared_dirtied);
  add("shared written", b.shared_written);
  add("local hit", b.local_hit);
  add("local read", b.local_read);
  add("temp read", b.temp_read);
  add("temp written", b.temp_written);
  if (parts.empty()) return "none";
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

// A finding spans its node's lines; the editor underlines the node's own line from its name
// on ("Seq Scan on orders  (cost=...)"), past the indentation and the "->" arrow.
Span headline(std::string_view text, const LineIndex& lines, Span span) {
  if (span.begin >= text.size()) return span;
  uint32_t line = lines.line_of(span.begin);
  uint32_t begin = lines.line_start(line);
  std::string_view row = lines.line_text(line);
  size_t skip = row.find_first_not_of(" \t|+->");
  if (skip == std::string_view::npos) skip = 0;
  size_t end = row.find_last_not_of(" \t\r|+");
  end = end == std::string_view::npos ? row.size() : end + 1;
  if (end <= skip) return {begin, begin + static_cast<uint32_t>(row.size())};
  return {begin + static_cast<uint32_t>(skip), begin + static_cast<uint32_t>(end)};
}

}  // namespace

std::vector<Diagnostic> plan_diagnostics(const plan::ReadResult& plans, std::string_view text, const Config& config,
                                         const Catalog& catalog, const MarkPlan& mark) {
  std::vector<Diagnostic> out;
  if (blank(text)) return out;  // an empty buffer is no mistake
  LineIndex lines(text);
  for (const plan::Plan& p : plans.plans) {
    plan::Diagnosis diagnosis = plan::diagnose(p, config, catalog);
    if (mark) mark(p, diagnosis);
    std::vector<Diagnostic> found = plan::diagnostics_of(std::move(diagnosis));
    if (p.format == plan::Format::text)  // in JSON, YAML or XML the node is its whole object
      for (Diagnostic& d : found) d.span = headline(text, lines, d.span);
    out.insert(out.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
  }
  for (const plan::ReadError& e : plans.errors) {
    uint32_t line = e.line > 0 ? std::min(e.line - 1, lines.line_count() - 1) : 0;
    uint32_t begin = lines.line_start(line);
    Diagnostic d("", {begin, begin + static_cast<uint32_t>(lines.line_text(line).size())}, e.message);
    d.severity = Severity::warning;
    out.push_back(std::move(d));
  }
  if (plans.plans.empty() && plans.errors.empty()) {
    Diagnostic d("", {0, static_cast<uint32_t>(lines.line_text(0).size())},
                 "no EXPLAIN plan found: paste the output of EXPLAIN (ANALYZE, BUFFERS) in text, JSON, YAML or XML");
    d.severity = Severity::info;
    out.push_back(std::move(d));
  }
  sort_and_dedup(out);
  return out;
}

const plan::Node* node_at(const plan::ReadResult& plans, uint32_t offset, const plan::Plan** owner) {
  const plan::Node* best = nullptr;
  for (const plan::Plan& p : plans.plans) {
    for (const plan::Node& n : p.nodes) {
      if (offset < n.span.begin || offset > n.span.end) continue;
      if (!best || n.span.end - n.span.begin < best->span.end - best->span.begin) {
        best = &n;
        if (owner) *owner = &p;
      }
    }
  }
  return best;
}

const plan::Plan* plan_at(const plan::ReadResult& plans, uint32_t line) {
  for (const plan::Plan& p : plans.plans)
    if (line >= p.lines.first && line <= p.lines.last) return &p;
  return nullptr;
}

std::string render_plan_hover(const plan::Plan& plan) {
  std::string out = fmt::format("**Plan** · {} nodes · {} format", plan.nodes.size(), plan::to_string(plan.format));
  out += "\n\n| | |\n|---|---|\n";
  if (plan.execution_time_ms) out += fmt::format("| execution time | {} |\n", plan::format_ms(*plan.execution_time_ms));
  if (plan.planning_time_ms) out += fmt::format("| planning time | {} |\n", plan::format_ms(*plan.planning_time_ms));
  bool timed = plan.timed();
  if (plan.bottleneck >= 0) {
    const plan::Node& b = plan.nodes[static_cast<size_t>(plan.bottleneck)];
    if (timed)
      out += fmt::format("| bottleneck | node {}, {}: {} self ({:.1f}%) |\n", b.id, b.label(),
                         plan::format_ms(b.metrics.exclusive_time_ms), b.metrics.share * 100.0);
    else out += fmt::format("| costliest node | node {}, {} |\n", b.id, b.label());
  }
  if (!plan.analyzed()) out += "| figures | estimates only: run EXPLAIN (ANALYZE, BUFFERS) for times |\n";
  else if (!timed) out += "| figures | rows counted, no timing: EXPLAIN (ANALYZE, TIMING OFF) |\n";
  return out;
}

std::string render_node_hover(const plan::Plan& plan, const plan::Node& n) {
  const plan::NodeMetrics& m = n.metrics;
  std::string out = fmt::format("**{}** · node {}", n.label(), n.id);
  if (plan.bottleneck >= 0 && &plan.nodes[static_cast<size_t>(plan.bottleneck)] == &n) out += " · **the bottleneck**";
  out += "\n\n| | |\n|---|---|\n";
  if (plan.analyzed()) {
    if (n.never_executed) {
      out += "| executed | never |\n";
    } else {
      bool timed = plan.timed();
      std::string self = plan::node_time_text(n, timed);
      if (timed) self += fmt::format(" ({:.1f}% of {})", m.share * 100.0, plan::format_ms(plan.total_time_ms));
      out += fmt::format("| self time | {} |\n", self);
      if (timed) out += fmt::format("| total time | {} |\n", plan::format_ms(m.total_time_ms));
      out += fmt::format("| rows | {} actual vs {} estimated", count(m.total_rows), count(m.planned_total_rows));
      if (m.misestimate && *m.misestimate >= 2.0) out += fmt::format(" ({:.0f}x off)", *m.misestimate);
      out += " |\n";
      if (n.actual_loops) out += fmt::format("| loops | {} |\n", count(*n.actual_loops));
      if (m.removed_ratio) out += fmt::format("| rows removed | {:.1f}% of those read |\n", *m.removed_ratio * 100.0);
    }
  } else if (n.plan_rows) {
    out += fmt::format("| rows (estimate) | {} |\n", count(*n.plan_rows));
  }
  if (n.total_cost) out += fmt::format("| cost | {:.2f}..{:.2f} |\n", n.startup_cost.value_or(0), *n.total_cost);
  if (n.buffers.present) {
    out += fmt::format("| buffers | {} |\n", buffers_text(n.buffers));
    out += fmt::format("| buffers (this node alone) | {} |\n", buffers_text(m.exclusive_buffers));
  }
  if (!n.sort_method.empty())
    out += fmt::format("| sort | {}{} |\n", n.sort_method,
                       n.sort_space_kb
                           ? fmt::format(", {} kB {}", count(static_cast<double>(*n.sort_space_kb)), n.sort_space_type)
                           : "");
  return out;
}

}  // namespace pglens::lsp
