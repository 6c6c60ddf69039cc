// The interface of a plan rule: it looks at a read plan (nodes with their derived figures)
// and reports findings on nodes, optionally asking for an index on the node's table. The
// engine (plan_engine.cpp) runs the enabled rules, merges the index requests into one
// suggestion per table and orders the findings by impact.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pglens/catalog.hpp"
#include "pglens/config.hpp"
#include "pglens/plan.hpp"
#include "pglens/plan_rules.hpp"
#include "pglens/rule.hpp"
#include "rules/api/plan_conditions.hpp"

namespace pglens::rule {

// What a rule wants indexed on one table: conditions as PostgreSQL printed them (Filter,
// Join Filter, Recheck Cond, a join condition) and sort keys. The engine parses them with
// libpg_query and keeps the conjuncts on this relation's columns.
struct IndexWish {
  std::string relation, schema, alias;  // from the scan node
  std::vector<std::string> conditions;
  std::vector<std::string> sort_keys;  // "created_at DESC", "o.customer_id"
  std::vector<std::string> output;     // the scan's Output columns, when VERBOSE printed them
};

// A finding being built; the engine completes node figures and DDL.
struct PlanFindingDraft {
  plan::Finding finding;
  std::vector<IndexWish> wishes;

  PlanFindingDraft& why(std::string text) {
    finding.why = std::move(text);
    return *this;
  }
  // DDL of the finding itself (SET work_mem, ANALYZE, VACUUM ...). An index request's DDL
  // is added after it by the engine.
  PlanFindingDraft& ddl(std::string text) {
    finding.ddl = std::move(text);
    return *this;
  }
  PlanFindingDraft& want_index(IndexWish wish) {
    wishes.push_back(std::move(wish));
    return *this;
  }
};

class PlanRuleContext {
 public:
  PlanRuleContext(const RuleInfo& info, const Config& config, const plan::Plan& plan, const Catalog& catalog,
                  sql::Parser& parser, Severity severity, std::vector<PlanFindingDraft>& out)
      : info_(info), config_(config), plan_(plan), catalog_(catalog), parser_(parser), severity_(severity), out_(out) {}

  const plan::Plan& plan() const { return plan_; }
  const Catalog& catalog() const { return catalog_; }
  // A condition of the plan read with libpg_query.
  ParsedCondition parse(std::string_view condition) const { return parse_condition(condition, parser_); }
  sql::Parser& parser() const { return parser_; }

  int64_t int_option(std::string_view name) const;
  double number_option(std::string_view name) const;
  bool bool_option(std::string_view name) const;

  // A finding on plan.nodes[node] (-1: the plan as a whole). Its impact defaults to the
  // node's share of execution time; `impact` overrides it (JIT: its share of the total).
  PlanFindingDraft& report(int node, std::string message);
  PlanFindingDraft& report(int node, std::string message, double impact);

 private:
  const RuleInfo& info_;
  const Config& config_;
  const plan::Plan& plan_;
  const Catalog& catalog_;
  sql::Parser& parser_;
  Severity severity_;
  std::vector<PlanFindingDraft>& out_;
};

class PlanRule {
 public:
  virtual ~PlanRule() = default;
  virtual const RuleInfo& info() const = 0;
  virtual void check(const plan::Plan& plan, PlanRuleContext& ctx) const = 0;
};

// Figures as the findings print them.
std::string count_text(double n);        // 1,234,567
std::string percent_text(double ratio);  // "92 %", "0.4 %"
std::string size_text(double kb);        // "512 kB", "14 MB", "2.1 GB"
// A work_mem value that holds `kb`: the next power of two in MB, at least 4MB ("'64MB'").
std::string work_mem_for(double kb);
// The largest work_mem pglens suggests (1 GB): every sort and hash of every session may take
// that much, so a node that needs more has to need less instead.
constexpr double kMaxWorkMemKb = 1024.0 * 1024.0;
// hash_mem_multiplier as the plan's SETTINGS show it, else PostgreSQL 15's default of 2.
double hash_mem_multiplier(const plan::Plan& plan);
// "orders", "sales.orders": the relation a scan node reads, as the DDL names it.
std::string relation_ref(const plan::Node& node);
// The time spent in the node and everything under it, as a share of execution time.
double subtree_share(const plan::Plan& plan, int node);
// Whether the node carries EXPLAIN ANALYZE figures and ran.
bool executed(const plan::Node& node);
// Rows the node returned over all loops, and rows its filters threw away over all loops.
double rows_returned(const plan::Node& node);
double rows_removed(const plan::Node& node);
// The scan at the bottom of a chain of single-input nodes (Sort, Materialize, Memoize,
// Gather, Limit ...) starting at `node`, or -1.
int scan_below(const plan::Plan& plan, int node);
// Whether the node reads a relation (Seq Scan, Index Scan, Bitmap Heap Scan ...).
bool is_relation_scan(const plan::Node& node);
// The nearest ancestor that is a join (Nested Loop, Hash Join, Merge Join), or -1.
int join_above(const plan::Plan& plan, int node);
// The Limit that stops `node` early: its parent, or above it through Gather Merge, Gather and
// Result nodes; -1 when none.
int limit_above(const plan::Plan& plan, int node);
// "events" of the planner's numbered alias "events_12" (partitions of one table read by one
// Append); empty when the alias carries no number.
std::string numbered_alias_base(std::string_view alias);

// The option's value with read tracking (shared with RuleContext: the consistency test
// checks that every declared option is read).
OptionValue read_rule_option(const RuleInfo& info, const Config& config, std::string_view name);

}  // namespace pglens::rule

// The rule API's old home, kept while branches written against it are merged; new code
// names pglens::rule.
namespace pglens::detail {
using namespace pglens::rule;  // NOLINT(google-build-using-namespace)
}  // namespace pglens::detail
