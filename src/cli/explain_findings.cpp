#include "cli/explain_findings.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace pglens::cli {
namespace {

std::string paint(bool color, const char* code, std::string_view text) {
  return color ? fmt::format("\x1b[{}m{}\x1b[0m", code, text) : std::string(text);
}

const char* severity_color(Severity s) {
  switch (s) {
    case Severity::error: return "1;31";
    case Severity::warning: return "1;33";
    case Severity::info: break;
  }
  return "1;36";
}

std::string where(const plan::Finding& f) {
  if (f.node < 0) return "plan";
  if (f.lines.first == 0) return fmt::format("node {}", f.node_id);
  return fmt::format("node {} (line {})", f.node_id, f.lines.first);
}

std::string impact_text(double impact) {
  double p = impact * 100;
  return p >= 1 || p == 0 ? fmt::format("{:.0f} %", p) : fmt::format("{:.1f} %", p);
}

}  // namespace

std::vector<OutsideTime> outside_tree(const plan::Plan& plan) {
  std::vector<OutsideTime> out;
  auto share = [&](double ms) { return plan.total_time_ms > 0 ? std::min(1.0, ms / plan.total_time_ms) : 0.0; };
  for (const auto& t : plan.triggers) {
    if (!t.time_ms) continue;
    OutsideTime o;
    o.label = t.constraint_name.empty() ? fmt::format("Trigger {}", t.name)
                                        : fmt::format("Trigger for constraint {}", t.constraint_name);
    if (!t.relation.empty()) o.label += fmt::format(" on {}", t.relation);
    o.ms = *t.time_ms;
    o.share = share(o.ms);
    if (t.calls) o.detail = fmt::format("{:.0f} calls", *t.calls);
    out.push_back(std::move(o));
  }
  if (plan.serialization_time_ms && *plan.serialization_time_ms > 0) {
    OutsideTime o{.label = "Serialization", .ms = *plan.serialization_time_ms,
                  .share = share(*plan.serialization_time_ms), .detail = "sending the result to the client"};
    for (const auto& p : plan.serialization)
      if (p.key == "output" || p.key == "Output Volume") o.detail = fmt::format("output {}", p.value);
    out.push_back(std::move(o));
  }
  return out;
}

std::optional<OutsideTime> outside_bottleneck(const plan::Plan& plan) {
  if (!plan.analyzed() || plan.total_time_ms <= 0) return std::nullopt;
  double node_ms = plan.bottleneck >= 0 ? plan.nodes[static_cast<size_t>(plan.bottleneck)].metrics.exclusive_time_ms : 0;
  std::optional<OutsideTime> best;
  for (auto& o : outside_tree(plan))
    if (o.ms > node_ms && (!best || o.ms > best->ms)) best = std::move(o);
  return best;
}

std::string render_outside_tree_text(const plan::Plan& plan, bool color) {
  std::string out;
  for (const auto& o : outside_tree(plan)) {
    std::string line = fmt::format("{:>9} {:>4} {:10} outside the tree: {}", format_ms(o.ms),
                                   fmt::format("{:.0f}%", o.share * 100), "", o.label);
    if (!o.detail.empty()) line += fmt::format(" ({})", o.detail);
    out += (o.share >= 0.5 ? paint(color, "31", line) : line) + "\n";
  }
  return out;
}

std::string render_findings_text(const plan::Diagnosis& diagnosis, bool color) {
  if (diagnosis.healthy()) return paint(color, "1;32", "No problems found: the plan looks healthy.") + "\n";
  std::string out = paint(color, "1", fmt::format("Findings ({}, worst first):", diagnosis.findings.size())) + "\n";
  int n = 0;
  for (const auto& f : diagnosis.findings) {
    out += fmt::format("\n{:>3}. {}: {} [{}] {} of the time\n", ++n,
                       paint(color, severity_color(f.severity), to_string(f.severity)), where(f), f.rule,
                       impact_text(f.impact));
    out += fmt::format("     {}\n", f.message);
    if (!f.why.empty()) out += fmt::format("     {} {}\n", paint(color, "1", "why:"), f.why);
    if (!f.ddl.empty()) {
      out += fmt::format("     {}\n", paint(color, "1", "fix:"));
      size_t start = 0;
      while (start <= f.ddl.size()) {
        size_t end = f.ddl.find('\n', start);
        if (end == std::string::npos) end = f.ddl.size();
        out += fmt::format("       {}\n", paint(color, "32", std::string_view(f.ddl).substr(start, end - start)));
        start = end + 1;
      }
    }
  }
  if (!diagnosis.indexes.empty()) {
    out += "\n" + paint(color, "1", "Indexes to create (one per table, merged across findings):") + "\n";
    for (const auto& a : diagnosis.indexes) out += fmt::format("  {}\n", paint(color, "32", a.ddl));
  }
  return out;
}

nlohmann::ordered_json findings_json(const plan::Diagnosis& diagnosis) {
  nlohmann::ordered_json findings = nlohmann::ordered_json::array();
  for (const auto& f : diagnosis.findings) {
    nlohmann::ordered_json j;
    j["rule"] = f.rule;
    j["severity"] = to_string(f.severity);
    j["node"] = f.node < 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(f.node_id);
    j["lines"] = {{"first", f.lines.first}, {"last", f.lines.last}};
    j["impact"] = f.impact;
    j["message"] = f.message;
    j["why"] = f.why;
    j["ddl"] = f.ddl;
    findings.push_back(std::move(j));
  }
  nlohmann::ordered_json indexes = nlohmann::ordered_json::array();
  for (const auto& a : diagnosis.indexes)
    indexes.push_back({{"table", a.table}, {"summary", a.summary}, {"ddl", a.ddl}, {"rules", a.rules}});
  return {{"healthy", diagnosis.healthy()}, {"findings", findings}, {"indexes", indexes}};
}

}  // namespace pglens::cli
