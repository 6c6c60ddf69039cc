#include "pglens/lint.hpp"

#include <array>
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

std::vector<Diagnostic> Linter::lint(const SourceFile& file, const Catalog& catalog) const {
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
  });
  for (size_t i = 0; i < im.rules.size(); ++i) im.rules[i].rule->finish_file(contexts[i]);

  LineIndex lines(file.text);
  auto sups = detail::find_suppressions(file.text, lines, lexed.comments, lexed.statements);
  detail::apply_suppressions(sups, out);
  if (im.unused_ignore) {
    for (const auto& s : sups) {
      if (s.rules.empty()) {
        out.emplace_back("unused-ignore", s.comment, "this pglens-ignore comment names no rule");
        out.back().help("name the rules to suppress: `-- pglens-ignore: select-star`").severity = *im.unused_ignore;
        continue;
      }
      for (const auto& r : s.rules) {
        if (r.used) continue;
        Diagnostic d("unused-ignore", r.span,
                     find_rule(r.id) ? fmt::format("`{}` is suppressed here but reported nothing", r.id)
                                     : fmt::format("unknown rule `{}` in pglens-ignore", r.id));
        d.severity = *im.unused_ignore;
        d.help(find_rule(r.id) ? "remove the stale suppression" : "run `pglens rules` for the list of rule ids");
        out.push_back(std::move(d));
      }
    }
  }
  sort_and_dedup(out);
  return out;
}

}  // namespace pglens
