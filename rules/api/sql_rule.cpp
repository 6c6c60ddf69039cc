// What a SQL rule sees of the engine: RuleContext (options with read tracking, reports) and
// the QueryFactsCache shared by the rules checking one statement.
#include <fmt/format.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include "rules/api/plan_rule.hpp"
#include "rules/api/sql_rule.hpp"

namespace pglens {
namespace rule {
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

OptionValue RuleContext::option_of(const RuleInfo& other, std::string_view name) const {
  return read_rule_option(other, config_, name);
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

}  // namespace rule
}  // namespace pglens
