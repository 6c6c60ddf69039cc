#include <fmt/format.h>

#include <atomic>
#include <mutex>
#include <set>
#include <map>

#include "engine/plan_rule.hpp"
#include "engine/sql_rule.hpp"
#include "pglens/rule.hpp"

namespace pglens {

std::string_view to_string(RuleCategory c) {
  switch (c) {
    case RuleCategory::performance: return "performance";
    case RuleCategory::correctness: return "correctness";
    case RuleCategory::safety: return "safety";
    case RuleCategory::syntax: return "syntax";
  }
  return "performance";
}

std::string_view to_string(RuleTarget t) { return t == RuleTarget::sql ? "sql" : "plan"; }

std::string_view to_string(RuleTargets t) {
  if (t.sql && t.plan) return "sql+plan";
  return t.plan ? "plan" : "sql";
}

std::string format_option_value(const OptionValue& v) {
  switch (v.index()) {
    case 0: return std::get<bool>(v) ? "true" : "false";
    case 1: return fmt::format("{}", std::get<int64_t>(v));
    case 2: return fmt::format("{}", std::get<double>(v));
    default: return fmt::format("\"{}\"", std::get<std::string>(v));
  }
}

const RuleOption* RuleInfo::option(std::string_view name) const {
  for (const auto& o : options)
    if (o.name == name) return &o;
  return nullptr;
}

const RuleInfo* find_rule(std::string_view id) {
  for (const RuleInfo* r : all_rules())
    if (r->id == id) return r;
  return nullptr;
}

std::string rule_docs_url(std::string_view id) {
  return fmt::format("https://github.com/pglens/pglens/blob/main/docs/rules/{}.md", id);
}

std::string render_rule_docs(const RuleInfo& r) {
  std::string out = fmt::format("# {}\n\n", r.id);
  out += fmt::format("{} · {} rule · default severity: {} · fix: {}\n\n", to_string(r.category), to_string(r.targets),
                     to_string(r.default_severity), r.has_fix ? "yes" : "no");
  out += fmt::format("## What it does\n\n{}\n\n", r.docs.what_it_does);
  out += fmt::format("## Why is this bad?\n\n{}\n\n", r.docs.why_is_this_bad);
  std::string_view lang = r.targets.sql ? "sql" : "text";
  out += fmt::format("## Example\n\n```{}\n{}\n```\n\n", lang, r.docs.example);
  out += fmt::format("## Use instead\n\n```{}\n{}\n```\n\n", lang, r.docs.use_instead);
  out += "## Options\n\n";
  if (r.options.empty()) out += "None.\n\n";
  for (const auto& o : r.options)
    out += fmt::format("- `{}` (default `{}`): {}\n", o.name, format_option_value(o.default_value), o.description);
  if (!r.options.empty()) out += fmt::format("\nSet them in `.pglens.toml` under `[rules.{}]`.\n\n", r.id);
  out += fmt::format("## References\n\n{}\n", r.docs.references);
  return out;
}

namespace detail {
namespace {
std::mutex options_read_mutex;
std::atomic<bool> tracking_option_reads{false};
std::map<std::string, std::set<std::string>, std::less<>>& options_read_log() {
  static std::map<std::string, std::set<std::string>, std::less<>> log;
  return log;
}
}  // namespace

OptionValue read_rule_option(const RuleInfo& info, const Config& config, std::string_view name) {
  if (!info.option(name)) throw std::logic_error(fmt::format("rule {} reads undeclared option {}", info.id, name));
  if (tracking_option_reads.load(std::memory_order_relaxed)) {
    std::lock_guard lock(options_read_mutex);
    auto& seen = options_read_log()[std::string(info.id)];
    if (seen.size() < info.options.size()) seen.insert(std::string(name));
  }
  return config.option(info, name);
}

OptionValue RuleContext::option(std::string_view name) const {
  for (const auto& [read, value] : options_)
    if (read == name) return value;
  OptionValue value = read_rule_option(info_, config_, name);
  options_.emplace_back(name, value);
  return value;
}

void RuleContext::track_option_reads(bool on) { tracking_option_reads = on; }

std::vector<std::string> RuleContext::options_read(std::string_view rule_id) {
  std::lock_guard lock(options_read_mutex);
  auto it = options_read_log().find(rule_id);
  if (it == options_read_log().end()) return {};
  return {it->second.begin(), it->second.end()};
}

int64_t RuleContext::int_option(std::string_view name) const {
  OptionValue v = option(name);
  if (auto i = std::get_if<int64_t>(&v)) return *i;
  if (auto d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  return 0;
}
double RuleContext::number_option(std::string_view name) const {
  OptionValue v = option(name);
  if (auto d = std::get_if<double>(&v)) return *d;
  if (auto i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  return 0;
}
bool RuleContext::bool_option(std::string_view name) const {
  OptionValue v = option(name);
  auto b = std::get_if<bool>(&v);
  return b && *b;
}
std::string RuleContext::string_option(std::string_view name) const {
  OptionValue v = option(name);
  auto s = std::get_if<std::string>(&v);
  return s ? *s : std::string();
}

const catalog::QueryFacts& QueryFactsCache::get(const sql::Node& stmt, const Catalog& catalog,
                                                 std::span<const sql::Node> outer_ctes) {
  catalog_used_ = true;
  const void* id = stmt.id();
  if (id) {
    for (const auto& e : entries_) {
      if (e.stmt != id || e.ctes.size() != outer_ctes.size()) continue;
      if (std::equal(e.ctes.begin(), e.ctes.end(), outer_ctes.begin(),
                     [](const void* a, const sql::Node& b) { return a == b.id(); }))
        return e.facts;
    }
  }
  Entry& e = entries_.emplace_back();
  e.stmt = id;
  for (const auto& c : outer_ctes) e.ctes.push_back(c.id());
  e.facts = catalog::analyze_query(stmt, catalog, outer_ctes, variables_);
  if (!id) e.stmt = &e;  // no identity to find it by: never matched again
  return e.facts;
}

Diagnostic& RuleContext::report(Span at, std::string message) {
  out_.emplace_back(std::string(info_.id), at, std::move(message));
  out_.back().severity = severity_;
  return out_.back();
}

}  // namespace detail
}  // namespace pglens
