// What a plan rule sees of the engine (PlanRuleContext) and the figures plan rules share.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "rules/api/plan_rule.hpp"

namespace pglens::rule {

int64_t PlanRuleContext::int_option(std::string_view name) const {
  OptionValue v = read_rule_option(info_, config_, name);
  if (auto i = std::get_if<int64_t>(&v)) return *i;
  if (auto d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  return 0;
}

double PlanRuleContext::number_option(std::string_view name) const {
  OptionValue v = read_rule_option(info_, config_, name);
  if (auto d = std::get_if<double>(&v)) return *d;
  if (auto i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  return 0;
}

bool PlanRuleContext::bool_option(std::string_view name) const {
  OptionValue v = read_rule_option(info_, config_, name);
  auto b = std::get_if<bool>(&v);
  return b && *b;
}

PlanFindingDraft& PlanRuleContext::report(int node, std::string message) {
  double impact = node >= 0 && node < static_cast<int>(plan_.nodes.size()) ? plan_.nodes[node].metrics.share : 0.0;
  return report(node, std::move(message), impact);
}

PlanFindingDraft& PlanRuleContext::report(int node, std::string message, double impact) {
  PlanFindingDraft d;
  d.finding.rule = std::string(info_.id);
  d.finding.severity = severity_;
  d.finding.message = std::move(message);
  d.finding.impact = std::clamp(std::isfinite(impact) ? impact : 0.0, 0.0, 1.0);
  if (node >= 0 && node < static_cast<int>(plan_.nodes.size())) {
    const plan::Node& n = plan_.nodes[node];
    d.finding.node = node;
    d.finding.node_id = n.id;
    d.finding.lines = n.lines;
    d.finding.span = n.span;
  } else {
    d.finding.lines = plan_.lines;
  }
  out_.push_back(std::move(d));
  return out_.back();
}

std::string count_text(double n) {
  // Beyond int64 (an absurd pasted figure) the rounding below would wrap around.
  if (!std::isfinite(n) || std::fabs(n) >= 1e18) return fmt::format("{:.3g}", n);
  auto v = static_cast<int64_t>(std::llround(n));
  std::string digits = fmt::format("{}", v < 0 ? -v : v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

std::string percent_text(double ratio) {
  double p = ratio * 100;
  if (p >= 10 || p == 0) return fmt::format("{:.0f} %", p);
  if (p < 0.1) return "<0.1 %";
  return fmt::format("{:.1f} %", p);
}

std::string size_text(double kb) {
  if (kb < 1024) return fmt::format("{:.0f} kB", kb);
  if (kb < 1024 * 1024) return fmt::format("{:.1f} MB", kb / 1024);
  return fmt::format("{:.1f} GB", kb / (1024 * 1024));
}

std::string work_mem_for(double kb) {
  double mb = 4;
  while (mb * 1024 < kb && mb < 1024 * 1024) mb *= 2;
  if (mb >= 1024) return fmt::format("'{:.0f}GB'", std::ceil(mb / 1024));
  return fmt::format("'{:.0f}MB'", mb);
}

double hash_mem_multiplier(const plan::Plan& plan) {
  for (const auto& setting : plan.settings) {
    if (setting.key != "hash_mem_multiplier") continue;
    std::string value = setting.value;
    std::erase(value, '\'');
    char* end = nullptr;
    double v = std::strtod(value.c_str(), &end);
    if (end != value.c_str() && std::isfinite(v) && v >= 1) return v;
  }
  return 2.0;
}

std::string relation_ref(const plan::Node& node) {
  if (node.schema.empty() || node.schema == "public") return node.relation;
  return fmt::format("{}.{}", node.schema, node.relation);
}

double subtree_share(const plan::Plan& plan, int node) {
  if (node < 0 || node >= static_cast<int>(plan.nodes.size()) || plan.total_time_ms <= 0) return 0;
  return std::clamp(plan.nodes[node].metrics.total_time_ms / plan.total_time_ms, 0.0, 1.0);
}

bool executed(const plan::Node& node) { return node.actual_loops.has_value() && !node.never_executed; }

double rows_returned(const plan::Node& node) { return node.metrics.total_rows; }

double rows_removed(const plan::Node& node) {
  double loops = node.actual_loops.value_or(1);
  return (node.rows_removed_by_filter.value_or(0) + node.rows_removed_by_join_filter.value_or(0) +
          node.rows_removed_by_index_recheck.value_or(0)) *
      loops;
}

bool is_relation_scan(const plan::Node& node) { return !node.relation.empty(); }

int scan_below(const plan::Plan& plan, int node) {
  for (int depth = 0; node >= 0 && node < static_cast<int>(plan.nodes.size()) && depth < 64; ++depth) {
    const plan::Node& n = plan.nodes[node];
    if (is_relation_scan(n)) return node;
    // Only through nodes that pass their single input's rows on (InitPlans aside).
    int input = -1;
    for (int c : n.children) {
      const auto& rel = plan.nodes[c].parent_relationship;
      if (rel == "InitPlan" || rel == "SubPlan") continue;
      if (input >= 0) return -1;
      input = c;
    }
    node = input;
  }
  return -1;
}

int join_above(const plan::Plan& plan, int node) {
  for (int p = node >= 0 ? plan.nodes[node].parent : -1; p >= 0; p = plan.nodes[p].parent) {
    const std::string& t = plan.nodes[p].node_type;
    if (t == "Nested Loop" || t == "Hash Join" || t == "Merge Join") return p;
  }
  return -1;
}

int limit_above(const plan::Plan& plan, int node) {
  for (int p = plan.nodes[node].parent, depth = 0; p >= 0 && depth < 4; p = plan.nodes[p].parent, ++depth) {
    const std::string& t = plan.nodes[p].node_type;
    if (t == "Limit") return p;
    if (t != "Gather Merge" && t != "Gather" && t != "Result") return -1;
  }
  return -1;
}

std::string numbered_alias_base(std::string_view alias) {
  size_t end = alias.size();
  while (end > 0 && std::isdigit(static_cast<unsigned char>(alias[end - 1]))) --end;
  if (end == alias.size() || end < 2 || alias[end - 1] != '_') return {};
  return std::string(alias.substr(0, end - 1));
}

}  // namespace pglens::rule
