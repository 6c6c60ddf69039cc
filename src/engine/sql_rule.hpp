// The interface of a SQL rule (internal: rules see libpg_query's tree through sql::Node).
#pragma once

#include <any>
#include <span>
#include <string_view>
#include <vector>

#include "pglens/catalog.hpp"
#include "pglens/config.hpp"
#include "pglens/diagnostic.hpp"
#include "pglens/rule.hpp"
#include "sql/ast.hpp"
#include "sql/parser.hpp"

namespace pglens::detail {

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

// What a rule sees of the file it checks, and where it reports. One per (file, rule).
class RuleContext {
 public:
  RuleContext(const RuleInfo& info, const Config& config, const SourceFile& file, const Catalog& catalog,
              Severity severity, std::vector<Diagnostic>& out)
      : info_(info), config_(config), file_(file), catalog_(catalog), severity_(severity), out_(out) {}

  const SourceFile& file() const { return file_; }
  std::string_view text() const { return file_.text; }
  const Catalog& catalog() const { return catalog_; }
  const Config& config() const { return config_; }

  int64_t int_option(std::string_view name) const;
  double number_option(std::string_view name) const;
  bool bool_option(std::string_view name) const;
  std::string string_option(std::string_view name) const;

  Diagnostic& report(Span at, std::string message);

  // Per-file state of a rule that looks across statements.
  template <class T>
  T& state() {
    if (!state_.has_value()) state_ = T{};
    return std::any_cast<T&>(state_);
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
  const Catalog& catalog_;
  Severity severity_;
  std::vector<Diagnostic>& out_;
  std::any state_;
};

class SqlRule {
 public:
  virtual ~SqlRule() = default;
  virtual const RuleInfo& info() const = 0;
  // libpg_query node kinds ("SelectStmt", "ColumnRef") this rule wants check_node for.
  virtual std::vector<std::string_view> node_kinds() const { return {}; }
  virtual void check_node(const sql::Node&, const Walk&, RuleContext&) const {}
  virtual void check_statement(const sql::Statement&, RuleContext&) const {}
  virtual void finish_file(RuleContext&) const {}
  // True for rules whose findings depend on several statements together (they keep
  // per-file state): linting a part of a file alone would miss or invent findings.
  virtual bool spans_statements() const { return false; }
};

}  // namespace pglens::detail
