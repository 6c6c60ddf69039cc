// The plan rules' answer for one plan: what costs the time, why, and the DDL that fixes it,
// ordered by impact (the share of execution time of the node each finding points at).
#pragma once

#include <string>
#include <vector>

#include "pglens/catalog.hpp"
#include "pglens/config.hpp"
#include "pglens/diagnostic.hpp"
#include "pglens/plan.hpp"

namespace pglens::plan {

struct Finding {
  std::string rule;
  Severity severity = Severity::warning;
  int node = -1;        // index into Plan::nodes; -1 for the plan as a whole (JIT, ...)
  int node_id = 0;      // Node::id, the number shown in the tree; 0 for the plan as a whole
  LineRange lines;      // the node's lines in the original input
  Span span;            // the same, as bytes
  double impact = 0;    // share of execution time, 0..1: what the finding is ordered by
  std::string message;  // what was seen, with the figures
  std::string why;      // why it costs, and what the fix does
  std::string ddl;      // ready to paste (CREATE INDEX, SET, ANALYZE, VACUUM ...); may be empty
};

// One index per table, merged across every finding that asked for one on that table.
struct IndexAdvice {
  std::string table;               // as the plan names it ("orders", "sales.orders")
  std::string ddl;                 // CREATE INDEX CONCURRENTLY ...;
  std::string summary;             // "orders (customer_id, created_at)"
  std::vector<std::string> rules;  // the rules that asked for it
};

struct Diagnosis {
  std::vector<Finding> findings;     // by impact, largest first
  std::vector<IndexAdvice> indexes;  // one per table, in the order of their first finding
  bool healthy() const { return findings.empty(); }
};

// Runs the enabled plan rules over `plan` with the config's severities and options. The
// catalog (may be empty) gives real column types and existing indexes, which are not
// suggested again; the plan's query_text (auto_explain's Query Text, or --sql) fills in what
// the plan leaves out.
Diagnosis diagnose(const Plan& plan, const Config& config, const Catalog& catalog);

// The findings as diagnostics (the rule, the node's span, the message, why and the DDL), in
// the diagnosis' order: what plan_findings returns, for a caller that changes the diagnosis
// in between (the language server marks its indexes with the planner's proofs).
std::vector<Diagnostic> diagnostics_of(Diagnosis diagnosis);

}  // namespace pglens::plan
