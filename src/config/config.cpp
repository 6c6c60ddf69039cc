// The configuration as a value: which rules run, at what severity, with which options, and
// which paths the globs select. Reading .pglens.toml is engine/config.cpp (it checks rule
// names against the registry).
#include "pglens/config.hpp"

#include <fnmatch.h>

#include <algorithm>

#include <fmt/format.h>

namespace pglens {

bool Config::rule_enabled(std::string_view id) const {
  if (std::find(ignore.begin(), ignore.end(), id) != ignore.end()) return false;
  if (select.empty() || std::find(select.begin(), select.end(), "ALL") != select.end()) return true;
  return std::find(select.begin(), select.end(), id) != select.end();
}

std::optional<Severity> Config::effective_severity(const RuleInfo& rule) const {
  if (!rule_enabled(rule.id)) return std::nullopt;
  auto it = rules.find(rule.id);
  if (it == rules.end()) return rule.default_severity;
  if (it->second.off) return std::nullopt;
  return it->second.severity.value_or(rule.default_severity);
}

OptionValue Config::option(const RuleInfo& rule, std::string_view name) const {
  auto it = rules.find(rule.id);
  if (it != rules.end()) {
    auto o = it->second.options.find(name);
    if (o != it->second.options.end()) return o->second;
  }
  if (const RuleOption* opt = rule.option(name)) return opt->default_value;
  return OptionValue{false};
}

namespace {

std::string relative_for_glob(const std::filesystem::path& root, const std::filesystem::path& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec).lexically_normal();
  auto rel = root.empty() ? path.lexically_normal() : abs.lexically_relative(root);
  std::string s = rel.generic_string();
  if (s.empty() || s.starts_with("..")) s = abs.generic_string();
  return s;
}

bool match_any(const std::vector<std::string>& globs, const std::filesystem::path& root,
               const std::filesystem::path& path) {
  std::string rel = relative_for_glob(root, path);
  for (const auto& g : globs) {
    if (glob_match(g, rel)) return true;
    // A pattern without '/' matches the file name anywhere, as in .gitignore.
    if (g.find('/') == std::string::npos && glob_match(g, path.filename().generic_string())) return true;
  }
  return false;
}

}  // namespace

bool Config::excluded(const std::filesystem::path& path) const { return match_any(exclude, root, path); }
bool Config::included(const std::filesystem::path& path) const { return match_any(include, root, path); }
namespace {
// The last answer of Config::is_migration on this thread, with what it depends on: the rules
// ask once per UPDATE / DELETE / INSERT and rule (one_off_change), and the glob match with
// the path made absolute cost 14 % of a lint's instructions (278 M of 2,033 M on the bench
// corpus). Compared in full (root and globs too), so a config at a reused address is no
// stale hit.
struct MigrationMemo {
  const Config* config = nullptr;
  std::filesystem::path root;
  std::vector<std::string> globs;
  std::string path;
  bool value = false;
};
thread_local MigrationMemo migration_memo;

bool migration_match(const Config& config, std::string_view path) {
  if (match_any(config.migrations, config.root, std::filesystem::path(path))) return true;
  // A root inside the migrations directory (an editor opened on db/migrate/) must not hide
  // it: the directory is one whatever the root, as `pglens lint` sees it from elsewhere.
  std::error_code ec;
  std::string absolute = std::filesystem::absolute(std::filesystem::path(path), ec).lexically_normal().generic_string();
  for (const auto& glob : config.migrations)
    if (glob_match(glob, absolute)) return true;
  return false;
}
}  // namespace

bool Config::is_migration(std::string_view path) const {
  if (path.empty()) return false;
  MigrationMemo& m = migration_memo;
  if (m.config == this && m.path == path && m.root == root && m.globs == migrations) return m.value;
  bool value = migration_match(*this, path);
  m.config = this;
  m.root = root;
  m.globs = migrations;
  m.path.assign(path);
  m.value = value;
  return value;
}

std::string ConfigError::format() const {
  if (line == 0) return fmt::format("{}: {}", file, message);
  return fmt::format("{}:{}:{}: {}", file, line, column, message);
}

namespace {

std::vector<std::string> split_segments(std::string_view s) {
  std::vector<std::string> out;
  size_t from = 0;
  for (;;) {
    size_t slash = s.find('/', from);
    out.emplace_back(s.substr(from, slash == std::string_view::npos ? std::string_view::npos : slash - from));
    if (slash == std::string_view::npos) return out;
    from = slash + 1;
  }
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) {
  // Segment by segment, keeping the set of path segments the pattern so far can have
  // consumed: each pattern segment is checked against each path segment at most once, so
  // patterns with many `**` stay linear in each (backtracking was exponential in them).
  // A whole-segment `**` consumes zero or more segments, at the end one or more (`dir/**`
  // is what is under dir); any other segment is fnmatch'd against exactly one.
  std::vector<std::string> pat = split_segments(pattern), segs = split_segments(path);
  const size_t n = segs.size();
  std::vector<char> reach(n + 1, 0), next(n + 1, 0);
  reach[0] = 1;
  for (size_t k = 0; k < pat.size(); ++k) {
    std::fill(next.begin(), next.end(), 0);
    if (pat[k] == "**") {
      size_t least = k + 1 == pat.size() ? 1 : 0;
      size_t first = std::find(reach.begin(), reach.end(), 1) - reach.begin();
      for (size_t j = first + least; j <= n; ++j) next[j] = 1;
    } else {
      for (size_t j = 0; j < n; ++j)
        if (reach[j] && fnmatch(pat[k].c_str(), segs[j].c_str(), 0) == 0) next[j + 1] = 1;
    }
    reach.swap(next);
  }
  return reach[n] != 0;
}

}  // namespace pglens
