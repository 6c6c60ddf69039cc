#include "pglens/lint.hpp"

#include <algorithm>
#include <any>
#include <array>
#include <atomic>
#include <bitset>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "catalog/parsed_ddl.hpp"
#include "engine/suppression.hpp"
#include "rules/registry.hpp"
#include "sql/lexer.hpp"
#include "sql/parser.hpp"
#include "sql/pg_names.hpp"
#include "sql/routine_body.hpp"

namespace pg = pglens::sql::pg;

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
      if (e.kind == kind) {
        e.rules.push_back(rule);
        return;
      }
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
  // `frames` is the caller's, empty, kept from statement to statement so it grows only once.
  TreeWalker(const Dispatch& dispatch, const std::vector<EnabledRule>& rules,
             std::vector<detail::RuleContext>& contexts, const sql::Statement& st, std::vector<detail::Frame>& frames)
      : dispatch_(dispatch), rules_(rules), contexts_(contexts), statement_(st), frames_(frames) {}

  void visit(const sql::Node& node, std::string_view field) {
    if (const auto* wanted = dispatch_.find(node.kind())) {
      detail::Walk w{statement_, frames_, field};
      for (size_t r : *wanted) rules_[r].rule->check_node(node, w, contexts_[r]);
    }
    frames_.push_back({node, field});
    walk_fields(node);
    frames_.pop_back();
  }

 private:
  // Every node below `node`: wrapped nodes are visited; an unwrapped struct without a kind
  // of its own (A_Const's value) is walked through.
  void walk_fields(const sql::Node& node) {
    sql::for_each_field_child(node, [&](const sql::Node& child, std::string_view field) {
      if (child.kind().empty()) walk_fields(child);
      else visit(child, field);
      return true;
    });
  }

  const Dispatch& dispatch_;
  const std::vector<EnabledRule>& rules_;
  std::vector<detail::RuleContext>& contexts_;
  const sql::Statement& statement_;
  std::vector<detail::Frame>& frames_;
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
    // `SELECT/* pglens-ignore: x */1` must not become `SELECT1`: a comment between two
    // tokens leaves a blank.
    auto apart = [](char c) { return std::strchr(" \t\r\n;,()[]", c) != nullptr; };  // never joins a token
    bool glue = begin > 0 && end < text.size() && !apart(text[begin - 1]) && !apart(text[end]);
    fix.edits.push_back({{begin, end}, glue ? " " : ""});
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
      out.back()
          .help("name the rules to suppress: `-- pglens-ignore: select-star`")
          .fix(unused_ignore_fix(text, s, nullptr));
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
  std::vector<size_t> file_rules;  // indexes in `rules` of those that look across statements
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
    if (r->spans_statements()) impl_->file_rules.push_back(index);
    for (std::string_view kind : r->node_kinds()) impl_->dispatch.add(kind, index);
  }
}

Linter::~Linter() = default;
Linter::Linter(Linter&&) noexcept = default;
Linter& Linter::operator=(Linter&&) noexcept = default;
const Config& Linter::config() const { return impl_->config; }

bool Linter::spans_statements() const { return !impl_->file_rules.empty(); }

// What one statement gives, by its text alone: the findings of the per-statement rules and
// the facts of those that look across statements. Offsets are relative to the statement's
// start (modulo 2^32, so a span before it moves along too).
struct StatementResult {
  std::vector<Diagnostic> findings;
  std::vector<std::any> facts;     // one per rule that looks across statements
  std::vector<sql::Lexed> bodies;  // the lex of its function body's SQL, offsets as the findings'
  // With a LintCache: the findings are in sort_and_dedup's order and none is a duplicate,
  // each begins within the statement (so they keep that order wherever it moves): they can
  // be shared as one run. `contained`: every span of them lies within the statement.
  bool orderable = false;
  bool contained = false;
};

struct LintCache::Impl {
  // The last text linted, its lex and what each of its statements gave.
  std::string text;
  sql::Lexed lexed;
  std::vector<std::shared_ptr<const StatementResult>> results;
  bool valid = false;
  // What the cached results hold for: another linter, catalog or path clears them.
  const void* linter = nullptr;
  const Catalog* catalog = nullptr;
  std::string path;
  size_t last_checked = 0;
  size_t last_statements = 0;
};

LintCache::LintCache() : impl_(std::make_unique<Impl>()) {}
LintCache::~LintCache() = default;
LintCache::LintCache(LintCache&&) noexcept = default;
LintCache& LintCache::operator=(LintCache&&) noexcept = default;
size_t LintCache::last_checked() const { return impl_->last_checked; }
size_t LintCache::last_statements() const { return impl_->last_statements; }

std::vector<Diagnostic> Linter::lint(const SourceFile& file, const Catalog& catalog) const {
  return lint_with(file, catalog, nullptr);
}

std::vector<Diagnostic> Linter::lint(const SourceFile& file, const Catalog& catalog, const Prelint& prelint) const {
  return lint_with(file, catalog, nullptr, &prelint);
}

namespace {

// A statement of a function's body as its own statement of the file: spans and locations
// counted from the file's start, not from the body text's (which lies at `offset`).
sql::Statement placed_at(const sql::Statement& st, uint32_t offset) {
  sql::Statement out;
  out.index = st.index;
  out.span = {st.span.begin + offset, st.span.end + offset};
  out.end = st.end + offset;
  if (st.root) out.root = sql::Node::wrapped(st.root.id(), st.root.base() + offset);
  out.error = st.error;
  if (out.error) out.error->offset += offset;
  return out;
}

// Whether a fix found in a function's body may stay: it must be safe, edit only text the
// server reads as written there (not PERFORM's or a blanked INTO), and add nothing that would
// end the body's dollar quote. A body in '...' or a string EXECUTE runs takes no edit: its
// quotes would need doubling.
bool fix_fits_body(const Fix& fix, std::string_view file, const sql::RoutineBody& body, const sql::BodySql& piece) {
  if (!fix.safe || !body.dollar_quoted || piece.in_string) return false;
  for (const TextEdit& e : fix.edits) {
    if (e.span.begin < piece.offset || e.span.end > piece.offset + piece.text.size() || e.span.end > file.size())
      return false;
    if (file.substr(e.span.begin, e.span.end - e.span.begin) !=
        std::string_view(piece.text).substr(e.span.begin - piece.offset, e.span.end - e.span.begin))
      return false;
    if (e.replacement.find('$') != std::string::npos) return false;
  }
  return true;
}

}  // namespace

// The enabled rules set up for one file: checks its statements one at a time.
class Linter::StatementChecker {
 public:
  StatementChecker(const Linter::Impl& im, const SourceFile& file, const Catalog& catalog, std::vector<Diagnostic>& out)
      : im_(im), file_(file), out_(out) {
    contexts_.reserve(im.rules.size());
    for (const auto& r : im.rules)
      contexts_.emplace_back(r.rule->info(), im.config, file, catalog, r.severity, out, facts_);
  }

  // Runs the rules on one statement, and on the SQL of its body when it creates a function;
  // its findings go to `out`, its facts (one per rule that looks across statements) to
  // `into`. The statements and comments of a body's SQL are added to `bodies` (in file
  // offsets), for the suppression comments written there.
  void check(const sql::Statement& st, std::vector<std::any>& into, std::vector<sql::Lexed>& bodies) {
    facts_.clear();  // its nodes die with the previous statement's tree
    bool routine = st.root.is(pg::CreateFunctionStmt);
    // A BEGIN ATOMIC body is part of the statement's tree, and reads the parameters.
    facts_.set_variables(routine ? sql::routine_parameters(st.root) : std::vector<std::string>());
    run_rules(st);
    into.resize(im_.file_rules.size());
    for (size_t f = 0; f < im_.file_rules.size(); ++f) {
      size_t i = im_.file_rules[f];
      into[f] = im_.rules[i].rule->statement_fact(st, contexts_[i]);
    }
    if (routine) check_body(st, bodies);
  }
  // Whether a rule looked at the catalog while checking the last statement.
  bool catalog_used() const { return facts_.catalog_used(); }

  // The rules that look across statements, over the facts of all of them.
  void check_file(const std::vector<detail::StatementFact>& statements, size_t fact_rule) {
    size_t i = im_.file_rules[fact_rule];
    contexts_[i].see_all();
    im_.rules[i].rule->check_file(statements, contexts_[i]);
  }

 private:
  void run_rules(const sql::Statement& st) {
    for (size_t i = 0; i < im_.rules.size(); ++i) {
      contexts_[i].see_until(st.end);
      im_.rules[i].rule->check_statement(st, contexts_[i]);
    }
    if (st.root && !im_.dispatch.empty()) {
      frames_.clear();
      TreeWalker(im_.dispatch, im_.rules, contexts_, st, frames_).visit(st.root, {});
    }
  }

  // The statements of the body's SQL, each checked as a statement of the file by the
  // per-statement rules (the rules that look across statements see the file's own).
  void check_body(const sql::Statement& st, std::vector<sql::Lexed>& bodies) {
    std::optional<sql::RoutineBody> body = sql::routine_body(st.root, file_.text, st.span);
    if (!body) return;
    facts_.set_variables(std::move(body->variables));
    // Its own parser: the statement's tree, from the file's parse, lives on meanwhile.
    thread_local sql::Parser body_parser;
    // The comments are the whole body's; the statements, those of the SQL it runs.
    sql::Lexed body_lex;
    body_lex.comments =
        sql::lex(std::string_view(file_.text).substr(body->text.begin, body->text.end - body->text.begin)).comments;
    for (auto& c : body_lex.comments) c.span = {c.span.begin + body->text.begin, c.span.end + body->text.begin};
    for (const sql::BodySql& piece : body->sql) {
      sql::Lexed lexed = sql::lex(piece.text);
      size_t first = out_.size();
      body_parser.parse(piece.text, lexed.statements, [&](const sql::Statement& inner) {
        facts_.forget_queries();
        sql::Statement placed = placed_at(inner, piece.offset);
        placed.in_function_body = true;
        placed.rows_stay_in_server = piece.rows_stay_in_server;
        run_rules(placed);
      });
      for (size_t i = first; i < out_.size(); ++i)
        if (out_[i].fix_value && !fix_fits_body(*out_[i].fix_value, file_.text, *body, piece))
          out_[i].fix_value.reset();
      for (const auto& s : lexed.statements)
        body_lex.statements.push_back({{s.span.begin + piece.offset, s.span.end + piece.offset},
                                       s.end + piece.offset,
                                       s.psql_variables,
                                       s.copy_data});
    }
    std::sort(body_lex.statements.begin(), body_lex.statements.end(),
              [](const sql::StatementSpan& a, const sql::StatementSpan& b) { return a.span.begin < b.span.begin; });
    bodies.push_back(std::move(body_lex));
  }

  const Linter::Impl& im_;
  const SourceFile& file_;
  std::vector<Diagnostic>& out_;
  detail::QueryFactsCache facts_;
  std::vector<detail::RuleContext> contexts_;
  std::vector<detail::Frame> frames_;  // the walk's ancestors, reused
};

struct Prelint::Impl {
  struct Kept {
    uint32_t end = 0;                               // of the statement, to match the lint's
    std::shared_ptr<const StatementResult> result;  // spans as in the file
  };
  struct File {
    std::mutex mu;                                  // the loader may read a file twice, on two threads at once
    SourceFile source;                              // the text the statements were checked in
    sql::Lexed lexed;                               // the loader's lex of it, which the lint need not do again
    std::unordered_map<uint32_t, Kept> statements;  // by where each begins
  };
  const Linter* linter = nullptr;
  std::mutex files_mu;                          // the loader's threads add files
  std::unordered_map<std::string, File> files;  // by absolute path
  std::atomic<size_t> kept{0};
  std::atomic<size_t> reused{0};  // lints run on many threads
};

Prelint::Prelint(const Linter& linter) : impl_(std::make_unique<Impl>()) { impl_->linter = &linter; }
Prelint::~Prelint() = default;
Prelint::Prelint(Prelint&&) noexcept = default;
Prelint& Prelint::operator=(Prelint&&) noexcept = default;
size_t Prelint::statements_kept() const { return impl_->kept; }
size_t Prelint::statements_reused() const { return impl_->reused; }

ParsedDdlHook Prelint::hook() {
  return [impl = impl_.get()](const ParsedDdl& ddl) { impl->linter->prelint(ddl, *impl); };
}

void Linter::prelint(const ParsedDdl& ddl, Prelint::Impl& into) const {
  Prelint::Impl::File* found;
  {
    std::lock_guard lock(into.files_mu);
    found = &into.files[ddl.file.string()];
  }
  Prelint::Impl::File& file = *found;
  std::lock_guard lock(file.mu);
  if (ddl.first) {  // a reading of the file starts: what an earlier one kept goes
    into.kept -= file.statements.size();
    file.statements.clear();
    file.source.path = ddl.file.string();
    file.source.text.assign(ddl.text);
    file.lexed = ddl.lexed;
  }
  std::vector<Diagnostic> out;
  StatementChecker checker(*impl_, file.source, Catalog::none(), out);
  for (const sql::Statement& st : ddl.parsed.statements()) {
    if (!st.root || st.error) continue;  // the lint reports it as it parses it
    auto result = std::make_shared<StatementResult>();
    checker.check(st, result->facts, result->bodies);
    if (!checker.catalog_used()) {
      result->findings.assign(std::make_move_iterator(out.begin()), std::make_move_iterator(out.end()));
      auto [it, added] =
          file.statements.insert_or_assign(st.span.begin, Prelint::Impl::Kept{st.end, std::move(result)});
      if (added) ++into.kept;
    }
    out.clear();
  }
}

std::vector<Diagnostic> Linter::lint(const SourceFile& file, const Catalog& catalog, LintCache& cache) const {
  return lint_shared(file, catalog, cache).flatten();
}

SharedFindings Linter::lint_shared(const SourceFile& file, const Catalog& catalog, LintCache& cache) const {
  SharedFindings shared;
  lint_with(file, catalog, &cache, nullptr, &shared);
  return shared;
}

namespace {

// Bytes two texts share at their start.
size_t common_prefix(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size()), i = 0;
  constexpr size_t kBlock = 256;
  while (i + kBlock <= n && std::memcmp(a.data() + i, b.data() + i, kBlock) == 0) i += kBlock;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

// Bytes two texts share at their end, at most `limit`.
size_t common_suffix(std::string_view a, std::string_view b, size_t limit) {
  limit = std::min({limit, a.size(), b.size()});
  size_t i = 0;
  constexpr size_t kBlock = 256;
  while (i + kBlock <= limit &&
         std::memcmp(a.data() + a.size() - i - kBlock, b.data() + b.size() - i - kBlock, kBlock) == 0)
    i += kBlock;
  while (i < limit && a[a.size() - 1 - i] == b[b.size() - 1 - i]) ++i;
  return i;
}

void move_span(Span& s, uint32_t by) { s = {s.begin + by, s.end + by}; }  // wraps around on purpose

void shift(Diagnostic& d, uint32_t by) {
  move_span(d.span, by);
  for (auto& r : d.related_locations) move_span(r.span, by);
  if (d.fix_value)
    for (auto& e : d.fix_value->edits) move_span(e.span, by);
}

void shift(sql::Lexed& lexed, uint32_t by) {
  for (auto& st : lexed.statements) {
    move_span(st.span, by);
    st.end += by;
  }
  for (auto& c : lexed.comments) move_span(c.span, by);
}

// sort_and_dedup's order, of findings moved by `by`.
std::tuple<uint32_t, uint32_t, std::string_view, std::string_view> key(const Diagnostic& d, uint32_t by) {
  return {d.span.begin + by, d.span.end + by, d.rule, d.message};
}

// Sorts a statement's findings (offsets relative to it, which is `length` long), and finds
// whether they can be shared as one run and whether all their spans lie in the statement.
void settle(StatementResult& r, uint32_t length) {
  auto before = [](const Diagnostic& a, const Diagnostic& b) { return key(a, 0) < key(b, 0); };
  if (!std::is_sorted(r.findings.begin(), r.findings.end(), before))
    std::stable_sort(r.findings.begin(), r.findings.end(), before);
  auto within = [length](Span s) { return s.begin <= s.end && s.end <= length; };
  r.orderable = true;
  r.contained = true;
  for (size_t i = 0; i < r.findings.size(); ++i) {
    const Diagnostic& d = r.findings[i];
    if (d.span.begin > length || (i > 0 && !before(r.findings[i - 1], d))) r.orderable = false;
    if (!within(d.span)) r.contained = false;
    for (const auto& rel : d.related_locations)
      if (!within(rel.span)) r.contained = false;
  }
}

// The kept findings of the statements as runs, in order; false when some cannot be
// shared so (out of order with the statement before, or within themselves).
bool kept_runs(const std::vector<std::shared_ptr<const StatementResult>>& results,
               const std::vector<sql::StatementSpan>& spans, std::vector<SharedFindings::Run>& runs) {
  const Diagnostic* last = nullptr;
  uint32_t last_offset = 0;
  for (size_t k = 0; k < results.size(); ++k) {
    const auto& r = results[k];
    if (r->findings.empty()) continue;
    const uint32_t offset = spans[k].span.begin;
    if (!r->orderable || (last && !(key(*last, last_offset) < key(r->findings.front(), offset)))) return false;
    runs.push_back({std::shared_ptr<const std::vector<Diagnostic>>(r, &r->findings), offset, 0,
                    static_cast<uint32_t>(r->findings.size()), r->contained ? spans[k].end - spans[k].span.begin : 0});
    last = &r->findings.back();
    last_offset = offset;
  }
  return true;
}

// The runs with the findings `loose` (sorted, without duplicates) put in among them, in
// order; a loose finding equal to a kept one is the duplicate sort_and_dedup drops.
std::vector<SharedFindings::Run> merged(std::vector<SharedFindings::Run> runs, std::vector<Diagnostic> loose) {
  if (loose.empty()) return runs;
  std::vector<SharedFindings::Run> out;
  out.reserve(runs.size() + 2 * loose.size() + 1);
  auto all = std::make_shared<const std::vector<Diagnostic>>(std::move(loose));
  const std::vector<Diagnostic>& l = *all;
  size_t li = 0;
  auto emit_loose = [&](size_t from, size_t to) {
    if (from < to) out.push_back({all, 0, static_cast<uint32_t>(from), static_cast<uint32_t>(to), 0});
  };
  for (SharedFindings::Run& r : runs) {
    const std::vector<Diagnostic>& kept = *r.findings;
    while (r.begin < r.end) {
      auto next = key(kept[r.begin], r.offset);
      size_t from = li;
      while (li < l.size() && key(l[li], 0) < next) ++li;
      emit_loose(from, li);
      while (li < l.size() && key(l[li], 0) == next) ++li;  // the kept one came first
      uint32_t split = r.end;
      if (li < l.size()) {
        auto bound = key(l[li], 0);
        split =
            static_cast<uint32_t>(std::partition_point(kept.begin() + r.begin + 1, kept.begin() + r.end,
                                                       [&](const Diagnostic& d) { return key(d, r.offset) < bound; }) -
                                  kept.begin());
      }
      if (split == r.end) break;
      out.push_back({r.findings, r.offset, r.begin, split, r.length});
      r.begin = split;
    }
    if (r.begin < r.end) out.push_back(std::move(r));
  }
  emit_loose(li, l.size());
  return out;
}

}  // namespace

SharedFindings::SharedFindings(std::vector<Diagnostic> findings) : size_(findings.size()) {
  if (findings.empty()) return;
  auto all = std::make_shared<const std::vector<Diagnostic>>(std::move(findings));
  runs_.push_back({all, 0, 0, static_cast<uint32_t>(all->size()), 0});
}

Diagnostic SharedFindings::place(const Diagnostic& kept, uint32_t offset) {
  Diagnostic d = kept;
  if (offset != 0) shift(d, offset);
  return d;
}

std::vector<Diagnostic> SharedFindings::flatten() const {
  std::vector<Diagnostic> out;
  out.reserve(size_);
  each([&](const Diagnostic& d, uint32_t offset) {
    out.push_back(place(d, offset));
    return true;
  });
  return out;
}

SharedFindings SharedFindings::shifted(uint32_t by) const {
  SharedFindings out = *this;
  for (Run& r : out.runs_) r.offset += by;
  return out;
}

std::vector<Diagnostic> Linter::lint_with(const SourceFile& file, const Catalog& catalog, LintCache* cache,
                                          const Prelint* prelint, SharedFindings* shared) const {
  thread_local sql::Parser parser;
  std::vector<Diagnostic> out;
  const Impl& im = *impl_;
  const std::string_view text = file.text;
  // A table this file created and a later statement dropped: its queries are still checked
  // against it, as they ran while it existed.
  std::optional<Catalog> with_retired;
  if (!catalog.retired_tables().empty()) with_retired = catalog.with_retired(file.path, text);
  const Catalog& schema = with_retired ? *with_retired : catalog;

  // With a cache, only the part of the text that changed since its last lint is lexed again;
  // the statements before and after it keep what they gave the rules.
  LintCache::Impl* c = cache ? cache->impl_.get() : nullptr;
  if (c && (c->linter != impl_.get() || c->catalog != &catalog || c->path != file.path)) {
    *c = LintCache::Impl();
    c->linter = impl_.get();
    c->catalog = &catalog;
    c->path = file.path;
  }
  // What the prelint kept of this very text, if anything.
  const Prelint::Impl::File* prelinted = nullptr;
  if (prelint && !cache) {
    std::error_code ec;
    auto it = prelint->impl_->files.find(std::filesystem::absolute(file.path, ec).string());
    if (!ec && it != prelint->impl_->files.end() && it->second.source.text == text) prelinted = &it->second;
  }
  sql::Lexed lexed;
  size_t kept_front = 0, kept_back = 0;
  if (prelinted) {
    lexed = prelinted->lexed;
  } else if (c && c->valid) {
    size_t prefix = common_prefix(c->text, text);
    size_t suffix = common_suffix(c->text, text, std::min(c->text.size(), text.size()) - prefix);
    sql::Relexed relexed = sql::relex(text, c->lexed, c->text.size(), prefix, suffix);
    lexed = std::move(relexed.lexed);
    kept_front = relexed.kept_front;
    kept_back = relexed.kept_back;
  } else {
    lexed = sql::lex(text);
  }
  const std::vector<sql::StatementSpan>& spans = lexed.statements;
  StatementChecker checker(im, file, schema, out);

  // The facts of the rules that look across statements: facts[statement * F + rule].
  const size_t fact_rules = im.file_rules.size();
  std::vector<const std::any*> facts(spans.size() * fact_rules);

  std::vector<sql::Lexed> bodies;   // the lex of the functions' bodies' SQL, for suppressions
  std::vector<std::any> own_facts;  // without a cache
  std::vector<std::shared_ptr<const StatementResult>> results;  // with one
  if (!cache) {
    own_facts.resize(spans.size() * fact_rules);
    std::vector<std::any> one;
    auto parse_run = [&](size_t from, size_t to) {
      auto visit = [&](const sql::Statement& st) {
        checker.check(st, one, bodies);
        for (size_t f = 0; f < fact_rules; ++f) own_facts[(from + st.index) * fact_rules + f] = std::move(one[f]);
      };
      if (from == 0 && to == spans.size()) return parser.parse(text, spans, visit);
      parser.parse(text,
                   {spans.begin() + static_cast<std::ptrdiff_t>(from), spans.begin() + static_cast<std::ptrdiff_t>(to)},
                   visit);
    };
    for (size_t k = 0; k < facts.size(); ++k) facts[k] = &own_facts[k];
    if (!prelinted) {
      parse_run(0, spans.size());
    } else {
      // Statements in order: one the prelint kept gives its findings and facts; a run of
      // the others is parsed and checked.
      auto kept = [&](size_t k) -> const StatementResult* {
        auto it = prelinted->statements.find(spans[k].span.begin);
        return it != prelinted->statements.end() && it->second.end == spans[k].end ? it->second.result.get() : nullptr;
      };
      size_t reused = 0;
      for (size_t k = 0; k < spans.size();) {
        if (const StatementResult* r = kept(k)) {
          out.insert(out.end(), r->findings.begin(), r->findings.end());
          bodies.insert(bodies.end(), r->bodies.begin(), r->bodies.end());
          for (size_t f = 0; f < fact_rules; ++f) facts[k * fact_rules + f] = &r->facts[f];
          ++reused;
          ++k;
          continue;
        }
        size_t end = k + 1;
        while (end < spans.size() && !kept(end)) ++end;
        parse_run(k, end);
        k = end;
      }
      prelint->impl_->reused += reused;
    }
  } else {
    auto statement_text = [](std::string_view in, const sql::StatementSpan& st) {
      return in.substr(st.span.begin, st.end - st.span.begin);
    };
    // Statements the lex took over keep their results; those lexed again may still be
    // known by their text (a statement split or merged back, an undo).
    const size_t old_count = c->results.size();
    results.resize(spans.size());
    // Moved, not copied: the cache's list is replaced at the end (and a copy of 10,000 shared
    // pointers is 10,000 atomic increments, and as many decrements when the old list goes).
    for (size_t k = 0; k < kept_front; ++k) results[k] = std::move(c->results[k]);
    for (size_t k = spans.size() - kept_back; k < spans.size(); ++k)
      results[k] = std::move(c->results[old_count - (spans.size() - k)]);
    c->valid = false;  // until this lint ends (a rule that throws leaves it to the next to lex anew)
    std::unordered_map<std::string_view, size_t> changed;
    for (size_t j = kept_front; j + kept_back < old_count; ++j)
      changed.emplace(statement_text(c->text, c->lexed.statements[j]), j);
    for (size_t k = kept_front; k + kept_back < spans.size(); ++k)
      if (auto it = changed.find(statement_text(text, spans[k])); it != changed.end())
        results[k] = c->results[it->second];
    c->last_checked = 0;
    c->last_statements = spans.size();
    // Statements in order: a known one keeps its findings where the cache holds them (they
    // are shared, not copied: thousands of them in a large file); a run of unknown ones is
    // parsed and checked, and what each gives is kept for the next lint.
    for (size_t k = 0; k < spans.size();) {
      if (results[k]) {
        for (const sql::Lexed& b : results[k]->bodies) shift(bodies.emplace_back(b), spans[k].span.begin);
        ++k;
        continue;
      }
      size_t end = k;
      while (end < spans.size() && !results[end]) ++end;
      std::vector<sql::StatementSpan> run(spans.begin() + static_cast<std::ptrdiff_t>(k),
                                          spans.begin() + static_cast<std::ptrdiff_t>(end));
      parser.parse(text, run, [&](const sql::Statement& st) {
        auto result = std::make_shared<StatementResult>();
        size_t before = out.size();
        std::vector<sql::Lexed> own_bodies;
        checker.check(st, result->facts, own_bodies);
        for (size_t i = before; i < out.size(); ++i)
          shift(result->findings.emplace_back(std::move(out[i])), 0u - st.span.begin);
        out.resize(before);
        settle(*result, st.end - st.span.begin);
        bodies.insert(bodies.end(), own_bodies.begin(), own_bodies.end());
        for (sql::Lexed& b : own_bodies) shift(result->bodies.emplace_back(std::move(b)), 0u - st.span.begin);
        results[k + st.index] = std::move(result);
      });
      c->last_checked += end - k;
      k = end;
    }
    for (size_t k = 0; k < spans.size(); ++k)
      for (size_t f = 0; f < fact_rules; ++f) facts[k * fact_rules + f] = &results[k]->facts[f];
  }

  std::vector<detail::StatementFact> statements(spans.size());
  for (size_t f = 0; f < fact_rules; ++f) {
    for (size_t k = 0; k < spans.size(); ++k) statements[k] = {spans[k].span, spans[k].end, facts[k * fact_rules + f]};
    checker.check_file(statements, f);
  }

  // Most files have no suppression: then no line index of the whole text is needed.
  auto suppresses = [&](const sql::Lexed& l) {
    return std::any_of(l.comments.begin(), l.comments.end(), [&](const sql::Comment& cm) {
      return text.substr(cm.span.begin, cm.span.end - cm.span.begin).find("pglens-ignore") != std::string_view::npos;
    });
  };
  const bool suppressed = suppresses(lexed) || std::any_of(bodies.begin(), bodies.end(), suppresses);
  // With a cache, `out` holds only what the statements it kept do not: the findings of the
  // rules that look across statements. The kept ones are shared as they are when they can
  // be; else (suppressions to apply, findings out of order) copied to `out` as before.
  std::vector<SharedFindings::Run> runs;
  bool share = c && shared && !suppressed && kept_runs(results, spans, runs);
  if (c && !share) {
    size_t kept = 0;
    for (const auto& r : results) kept += r->findings.size();
    std::vector<Diagnostic> loose = std::move(out);
    out.clear();
    out.reserve(kept + loose.size());
    for (size_t k = 0; k < spans.size(); ++k)
      for (const Diagnostic& d : results[k]->findings) shift(out.emplace_back(d), spans[k].span.begin);
    std::move(loose.begin(), loose.end(), std::back_inserter(out));
  }
  if (suppressed) {
    LineIndex lines(text);
    auto sups = detail::find_suppressions(text, lines, lexed.comments, lexed.statements);
    // A comment in a function's body applies among the body's statements.
    for (const sql::Lexed& body : bodies) {
      auto in_body = detail::find_suppressions(text, lines, body.comments, body.statements);
      sups.insert(sups.end(), std::make_move_iterator(in_body.begin()), std::make_move_iterator(in_body.end()));
    }
    detail::apply_suppressions(sups, out);
    if (im.unused_ignore) report_unused_ignores(text, sups, *im.unused_ignore, out);
  }
  sort_and_dedup(out);
  if (shared && share) {
    shared->runs_ = merged(std::move(runs), std::move(out));
    shared->size_ = 0;
    for (const auto& r : shared->runs_) shared->size_ += r.end - r.begin;
  } else if (shared) {
    *shared = SharedFindings(std::move(out));
  }
  if (c) {
    c->text.assign(text);
    c->lexed = std::move(lexed);
    c->results = std::move(results);
    c->valid = true;
  }
  return shared ? std::vector<Diagnostic>() : out;
}

namespace {

// Statements of `text` that PostgreSQL's grammar rejects (a tree too deep to walk parsed).
size_t syntax_errors(std::string_view text) {
  thread_local sql::Parser parser;
  size_t errors = 0;
  parser.parse(text, sql::lex(text).statements, [&](const sql::Statement& st) {
    if (st.error && !st.error->too_deep) ++errors;
  });
  return errors;
}

// Past this many fixes in a round that broke the SQL, trying them one by one (a parse of
// the file each) costs more than it saves: the round is left out whole.
constexpr size_t kMaxFixesTriedAlone = 200;

}  // namespace

FixResult Linter::fix(const SourceFile& file, const Catalog& catalog, std::vector<Diagnostic> diagnostics,
                      bool include_unsafe) const {
  FixResult out;
  SourceFile current = file;
  size_t errors = syntax_errors(current.text);
  auto note_reverted = [&](std::string_view rule) {
    if (std::find(out.reverted.begin(), out.reverted.end(), rule) == out.reverted.end())
      out.reverted.emplace_back(rule);
  };
  for (int round = 0; round < 8; ++round) {
    auto fixed = apply_fixes(current.text, diagnostics, include_unsafe);
    if (fixed.applied == 0) break;
    size_t errors_after = syntax_errors(fixed.text);
    if (errors_after > errors) {
      // Keep the fixes that, added one at a time, leave the SQL parsing as before.
      std::vector<Diagnostic> kept;
      std::vector<const Diagnostic*> fixable;
      for (const auto& d : diagnostics)
        if (d.fix_value && !d.fix_value->edits.empty() && (d.fix_value->safe || include_unsafe)) fixable.push_back(&d);
      for (const Diagnostic* d : fixable) {
        if (fixable.size() > kMaxFixesTriedAlone) {
          note_reverted(d->rule);
          continue;
        }
        kept.push_back(*d);
        auto trial = apply_fixes(current.text, kept, include_unsafe);
        if (trial.applied < kept.size() || syntax_errors(trial.text) > errors) {
          if (trial.applied == kept.size()) note_reverted(d->rule);
          kept.pop_back();
        }
      }
      if (kept.empty()) break;
      fixed = apply_fixes(current.text, kept, include_unsafe);
      errors_after = syntax_errors(fixed.text);
    }
    out.applied += fixed.applied;
    current.text = std::move(fixed.text);
    errors = errors_after;
    diagnostics = lint(current, catalog);
  }
  out.text = std::move(current.text);
  out.diagnostics = std::move(diagnostics);
  return out;
}

}  // namespace pglens
