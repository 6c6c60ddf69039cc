#include "pglens/lint.hpp"

#include <array>
#include <algorithm>
#include <bitset>

#include <fmt/format.h>

#include "engine/suppression.hpp"
#include "registry.hpp"
#include "sql/lexer.hpp"
#include "sql/parser.hpp"

namespace pglens {

namespace {

struct EnabledRule {
  const detail::SqlRule* rule;
  Severity severity;
};

// Node kind -> rules that asked for it. A bitset on the kind's length filters out most
// kinds before any string compare: the walk visits every node of every statement.
class Dispatch {
 public:
  void add(std::string_view kind, size_t rule) {
    if (kind.size() < lengths_.size()) lengths_.set(kind.size());
    for (auto& e : entries_)
      if (e.kind == kind) { e.rules.push_back(rule); return; }
    entries_.push_back({kind, {rule}});
  }
  const std::vector<size_t>* find(std::string_view kind) const {
    if (kind.size() >= lengths_.size() || !lengths_.test(kind.size())) return nullptr;
    for (const auto& e : entries_)
      if (e.kind == kind) return &e.rules;
    return nullptr;
  }
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    std::string_view kind;
    std::vector<size_t> rules;
  };
  std::bitset<64> lengths_;
  std::vector<Entry> entries_;
};

class TreeWalker {
 public:
  TreeWalker(const Dispatch& dispatch, const std::vector<EnabledRule>& rules,
             std::vector<detail::RuleContext>& contexts, const sql::Statement& st)
      : dispatch_(dispatch), rules_(rules), contexts_(contexts), statement_(st) {}

  void visit(const sql::Node& node, std::string_view field) {
    if (const auto* wanted = dispatch_.find(node.kind())) {
      detail::Walk w{statement_, frames_, field};
      for (size_t r : *wanted) rules_[r].rule->check_node(node, w, contexts_[r]);
    }
    frames_.push_back({node, field});
    for (auto kv : node.fields()) walk(kv.value, kv.key, node.base());
    frames_.pop_back();
  }

 private:
  void walk(simdjson::dom::element e, std::string_view field, uint32_t base) {
    switch (e.type()) {
      case simdjson::dom::element_type::ARRAY:
      {
        simdjson::dom::array items = e.get_array().value_unsafe();  // a named copy: never iterate a temporary
        for (simdjson::dom::element child : items) walk(child, field, base);
        return;
      }
      case simdjson::dom::element_type::OBJECT: {
        sql::Node node(e, base, field);
        if (node.kind().empty()) {  // an unwrapped struct: walk its fields
          for (auto kv : node.fields()) walk(kv.value, kv.key, base);
          return;
        }
        visit(node, field);
        return;
      }
      default:
        return;
    }
  }

  const Dispatch& dispatch_;
  const std::vector<EnabledRule>& rules_;
  std::vector<detail::RuleContext>& contexts_;
  const sql::Statement& statement_;
  std::vector<detail::Frame> frames_;
};

// The fix for a stale suppression: drop the whole comment when none of its rules was used
// (with its line when it stands alone), else just the unused id and its comma.
Fix unused_ignore_fix(std::string_view text, const detail::Suppression& s, const detail::SuppressedRule* only) {
  Fix fix;
  fix.safe = true;
  if (!only) {
    uint32_t begin = s.comment.begin, end = s.comment.end;
    while (begin > 0 && (text[begin - 1] == ' ' || text[begin - 1] == '\t')) --begin;
    if (s.own_line) {
      if (end < text.size() && text[end] == '\r') ++end;
      if (end < text.size() && text[end] == '\n') ++end;
    }
    fix.description = "remove the unused pglens-ignore comment";
    fix.edits.push_back({{begin, end}, ""});
    return fix;
  }
  uint32_t begin = only->span.begin, end = only->span.end;
  size_t after = end;
  while (after < text.size() && (text[after] == ' ' || text[after] == '\t')) ++after;
  if (after < text.size() && text[after] == ',') {
    end = static_cast<uint32_t>(after + 1);
    while (end < text.size() && (text[end] == ' ' || text[end] == '\t')) ++end;
  } else {
    size_t before = begin;
    while (before > 0 && (text[before - 1] == ' ' || text[before - 1] == '\t')) --before;
    if (before > 0 && text[before - 1] == ',') begin = static_cast<uint32_t>(before - 1);
  }
  fix.description = fmt::format("remove `{}` from the pglens-ignore comment", only->id);
  fix.edits.push_back({{begin, end}, ""});
  return fix;
}

void report_unused_ignores(std::string_view text, const std::vector<detail::Suppression>& sups, Severity severity,
                           std::vector<Diagnostic>& out) {
  for (const auto& s : sups) {
    if (s.rules.empty()) {
      out.emplace_back("unused-ignore", s.comment, "this pglens-ignore comment names no rule");
      out.back().help("name the rules to suppress: `-- pglens-ignore: select-star`").fix(unused_ignore_fix(text, s, nullptr));
      out.back().severity = severity;
      continue;
    }
    bool none_used = std::none_of(s.rules.begin(), s.rules.end(), [](const auto& r) { return r.used; });
    bool first = true;
    for (const auto& r : s.rules) {
      if (r.used) continue;
      bool known = find_rule(r.id) != nullptr;
      Diagnostic d("unused-ignore", r.span,
                   known ? fmt::format("`{}` is suppressed here but reported nothing", r.id)
                         : fmt::format("unknown rule `{}` in pglens-ignore", r.id));
      d.severity = severity;
      d.help(known ? "remove the stale suppression" : "run `pglens rules` for the list of rule ids");
      // One fix per comment when it goes whole, so fixes never overlap.
      if (!none_used) d.fix(unused_ignore_fix(text, s, &r));
      else if (first) d.fix(unused_ignore_fix(text, s, nullptr));
      first = false;
      out.push_back(std::move(d));
    }
  }
}

}  // namespace

struct Linter::Impl {
  Config config;
  std::vector<EnabledRule> rules;
  Dispatch dispatch;
  std::optional<Severity> unused_ignore;
};

Linter::Linter(const Config& config) : impl_(std::make_unique<Impl>()) {
  impl_->config = config;
  for (const detail::SqlRule* r : rules::sql_rules()) {
    auto sev = config.effective_severity(r->info());
    if (r->info().id == "unused-ignore") {
      impl_->unused_ignore = sev;
      continue;
    }
    if (!sev) continue;
    size_t index = impl_->rules.size();
    impl_->rules.push_back({r, *sev});
    for (std::string_view kind : r->node_kinds()) impl_->dispatch.add(kind, index);
  }
}

Linter::~Linter() = default;
Linter::Linter(Linter&&) noexcept = default;
Linter& Linter::operator=(Linter&&) noexcept = default;
const Config& Linter::config() const { return impl_->config; }

bool Linter::spans_statements() const {
  return std::any_of(impl_->rules.begin(), impl_->rules.end(),
                     [](const EnabledRule& r) { return r.rule->spans_statements(); });
}

struct LintCache::Impl {
  sql::ParseCache parse;
};

LintCache::LintCache() : impl_(std::make_unique<Impl>()) {}
LintCache::~LintCache() = default;
LintCache::LintCache(LintCache&&) noexcept = default;
LintCache& LintCache::operator=(LintCache&&) noexcept = default;

std::vector<Diagnostic> Linter::lint(const SourceFile& file, const Catalog& catalog) const {
  return lint_with(file, catalog, nullptr);
}

std::vector<Diagnostic> Linter::lint(const SourceFile& file, const Catalog& catalog, LintCache& cache) const {
  return lint_with(file, catalog, &cache);
}

std::vector<Diagnostic> Linter::lint_with(const SourceFile& file, const Catalog& catalog, LintCache* cache) const {
  thread_local sql::Parser parser;
  std::vector<Diagnostic> out;
  const Impl& im = *impl_;

  sql::Lexed lexed = sql::lex(file.text);
  std::vector<detail::RuleContext> contexts;
  contexts.reserve(im.rules.size());
  for (const auto& r : im.rules) contexts.emplace_back(r.rule->info(), im.config, file, catalog, r.severity, out);

  parser.parse(file.text, lexed.statements, [&](const sql::Statement& st) {
    for (size_t i = 0; i < im.rules.size(); ++i) im.rules[i].rule->check_statement(st, contexts[i]);
    if (st.root && !im.dispatch.empty()) TreeWalker(im.dispatch, im.rules, contexts, st).visit(st.root, {});
  }, cache ? &cache->impl_->parse : nullptr);
  for (size_t i = 0; i < im.rules.size(); ++i) im.rules[i].rule->finish_file(contexts[i]);

  LineIndex lines(file.text);
  auto sups = detail::find_suppressions(file.text, lines, lexed.comments, lexed.statements);
  detail::apply_suppressions(sups, out);
  if (im.unused_ignore) report_unused_ignores(file.text, sups, *im.unused_ignore, out);
  sort_and_dedup(out);
  return out;
}

}  // namespace pglens
