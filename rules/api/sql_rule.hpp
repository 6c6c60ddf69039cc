// The interface of a SQL rule (internal: rules see libpg_query's tree through sql::Node).
// The rule API is a leaf: it includes only lower layers, never the engine or a rule.
#pragma once

#include <any>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <typeindex>
#include <utility>
#include <vector>

#include "catalog/query_facts.hpp"
#include "pglens/catalog.hpp"
#include "pglens/config.hpp"
#include "pglens/diagnostic.hpp"
#include "pglens/rule.hpp"
#include "sql/ast.hpp"
#include "sql/parser.hpp"

namespace pglens::rule {

// One step of the path from the statement root to the node being visited.
struct Frame {
  sql::Node node;
  std::string_view field;  // the parent's field through which `node` was reached
};

struct Walk {
  const sql::Statement& statement;
  std::span<const Frame> ancestors;  // root first; excludes the node itself
  std::string_view field;            // the field of the last ancestor holding the node
};

// The facts of the queries of one statement (catalog::analyze_query), analysed once for all
// the rules that ask: several rules look at every SELECT. Holds nodes of the statement's
// tree, so the linter clears it before each statement. References stay valid until then.
// Also what rules derive from a table of the catalog, which does not change while a file is
// linted, and which query after query names again: kept for the whole file.
class QueryFactsCache {
 public:
  const catalog::QueryFacts& get(const sql::Node& stmt, const Catalog& catalog, std::span<const sql::Node> outer_ctes);
  void clear() {
    entries_.clear();
    catalog_used_ = false;
  }
  // Before each statement of a function's body: its tree is another parse's.
  void forget_queries() { entries_.clear(); }
  // The parameter and variable names of the function whose body is being checked
  // (catalog::analyze_query); none outside a function.
  void set_variables(std::vector<std::string> names) {
    entries_.clear();
    variables_ = std::move(names);
  }

  // Whether a rule looked at the catalog since the last clear(): the findings of a statement
  // whose rules did not are the same whatever the catalog holds.
  bool catalog_used() const { return catalog_used_; }
  void note_catalog_use() { catalog_used_ = true; }

  // The fact of type T about `table`, made by `make()` when first asked.
  template <class T, class Make>
  const T& table_fact(const Table& table, Make&& make) {
    catalog_used_ = true;
    std::pair<std::type_index, const Table*> key{std::type_index(typeid(T)), &table};
    auto it = table_facts_.find(key);
    if (it == table_facts_.end()) it = table_facts_.emplace(key, std::make_shared<const T>(make())).first;
    return *static_cast<const T*>(it->second.get());
  }

 private:
  struct Entry {
    const void* stmt;
    std::vector<const void*> ctes;
    catalog::QueryFacts facts;
  };
  std::deque<Entry> entries_;
  std::vector<std::string> variables_;
  bool catalog_used_ = false;
  std::map<std::pair<std::type_index, const Table*>, std::shared_ptr<const void>> table_facts_;
};

// What a rule sees of the file it checks, and where it reports. One per (file, rule).
class RuleContext {
 public:
  RuleContext(const RuleInfo& info, const Config& config, const SourceFile& file, const Catalog& catalog,
              Severity severity, std::vector<Diagnostic>& out, QueryFactsCache& facts)
      : info_(info),
        config_(config),
        file_(file),
        text_(file.text),
        catalog_(catalog),
        severity_(severity),
        out_(out),
        facts_(facts) {}

  const SourceFile& file() const { return file_; }
  // The file's text up to the end of the statement being checked (all of it in
  // check_file): a statement's findings never depend on what follows it, so an editor can
  // keep them while the text after it changes.
  std::string_view text() const { return text_; }
  void see_until(uint32_t end) { text_ = std::string_view(file_.text).substr(0, end); }
  void see_all() { text_ = file_.text; }
  // The catalog, the query facts and the table facts are the only way to the schema: the
  // linter notes each use (a statement that made none keeps its findings with any catalog).
  const Catalog& catalog() const {
    facts_.note_catalog_use();
    return catalog_;
  }
  // The configuration beyond the rule's own options, which it reads with int_option() and
  // the others (tracked: the consistency test checks every declared option is read). There
  // is no other way to the Config.
  bool assume_large() const { return config_.assume_large; }
  bool in_migration() const { return config_.is_migration(file_.path); }  // `migrations` globs
  // Another rule's severity and options, for a rule that yields to it; read as that rule
  // reads them (an undeclared name is an error, and the read counts for it).
  std::optional<Severity> severity_of(const RuleInfo& other) const { return config_.effective_severity(other); }
  OptionValue option_of(const RuleInfo& other, std::string_view name) const;

  int64_t int_option(std::string_view name) const;
  double number_option(std::string_view name) const;
  bool bool_option(std::string_view name) const;
  std::string string_option(std::string_view name) const;

  Diagnostic& report(Span at, std::string message);

  // catalog::analyze_query(stmt, catalog(), outer_ctes), shared with the other rules
  // checking the same statement.
  const catalog::QueryFacts& query_facts(const sql::Node& stmt, std::span<const sql::Node> outer_ctes = {}) const {
    return facts_.get(stmt, catalog_, outer_ctes);
  }
  // A fact of type T about a table of catalog(), made by `make()` once per file: for what a
  // rule derives from a table that many queries name.
  template <class T, class Make>
  const T& table_fact(const Table& table, Make&& make) const {
    return facts_.table_fact<T>(table, std::forward<Make>(make));
  }

  // Names of the options a rule read while tracking was on (the consistency test checks
  // that every declared option is read).
  static void track_option_reads(bool on);
  static std::vector<std::string> options_read(std::string_view rule_id);

 private:
  OptionValue option(std::string_view name) const;
  const RuleInfo& info_;
  const Config& config_;
  const SourceFile& file_;
  std::string_view text_;
  const Catalog& catalog_;
  Severity severity_;
  std::vector<Diagnostic>& out_;
  QueryFactsCache& facts_;
  // The options read so far: a rule reads its options query after query, and one read per
  // file will do (the configuration does not change while it is linted).
  mutable std::vector<std::pair<std::string, OptionValue>> options_;
};

// A statement as a rule that looks across statements sees it in check_file.
struct StatementFact {
  Span span;             // the statement in the file, without its `;`
  uint32_t end = 0;      // one past the `;` when present
  const std::any* fact;  // what statement_fact() returned for it; empty for none
};

class SqlRule {
 public:
  virtual ~SqlRule() = default;
  virtual const RuleInfo& info() const = 0;
  // libpg_query node kinds ("SelectStmt", "ColumnRef") this rule wants check_node for.
  virtual std::vector<std::string_view> node_kinds() const { return {}; }
  virtual void check_node(const sql::Node&, const Walk&, RuleContext&) const {}
  virtual void check_statement(const sql::Statement&, RuleContext&) const {}

  // Rules whose findings depend on several statements together (spans_statements()) work
  // in two steps, so that an editor re-checks only the statements an edit changed:
  // statement_fact() takes a small fact from one statement alone, with offsets relative to
  // the statement's start (it is reused wherever the same text moves to), then check_file()
  // reports from the facts of all the file's statements, in order.
  virtual bool spans_statements() const { return false; }
  virtual std::any statement_fact(const sql::Statement&, RuleContext&) const { return {}; }
  virtual void check_file(std::span<const StatementFact>, RuleContext&) const {}
};

}  // namespace pglens::rule

// The rule API's old home, kept while branches written against it are merged; new code
// names pglens::rule.
namespace pglens::detail {
using namespace pglens::rule;  // NOLINT(google-build-using-namespace)
}  // namespace pglens::detail
