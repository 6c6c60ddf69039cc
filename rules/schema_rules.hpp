// Shared by the schema-aware SQL rules: when a table counts as large, how its size reads in
// a message, and which statements are queries worth analysing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalog/query_facts.hpp"
#include "rules/api/sql_rule.hpp"

namespace pglens::rules::schema {

// The options every size-aware rule declares: large-table-rows and unknown-size-is-large
// (whose default a rule that claims bulk transfers sets to false: no size, no claim).
std::vector<RuleOption> size_options(bool unknown_size_is_large = true);

// Whether the table is large under the rule's options (its size, or the assumption for an
// unknown size).
bool is_large(const Table& table, const detail::RuleContext& ctx);
// The same, with the options read once: for a rule that asks of every relation it sees.
class LargeTables {
 public:
  explicit LargeTables(const detail::RuleContext& ctx);
  bool operator()(const Table& table) const;

 private:
  int64_t threshold_;
  bool assume_;
};
// The same under another rule's configured options (a rule that yields to another).
bool is_large(const Table& table, const RuleInfo& rule, const detail::RuleContext& ctx);

// Where the size comes from too: "`orders` has 50 M rows (live statistics)" / "`orders` is of
// unknown size (no statistics, snapshot or size hint; assumed large)".
std::string size_phrase(const Table& table);
// A finding that rests on `table` being large: `info` when no hint, snapshot or live
// statistics gave its size (a one-row settings table looks the same), unless the config
// says `assume-large = true`. Returns `d`.
Diagnostic& rests_on_size(Diagnostic& d, const Table& table, const detail::RuleContext& ctx);
std::string rows_text(double rows);  // "50 M", "120 k", "900"

// Whether `node` is part of a data change (UPDATE, DELETE, INSERT ... SELECT) in a migration
// file (Config::is_migration): a backfill runs once, under the migration's own supervision,
// not as one of the application's hot queries.
bool one_off_change(const sql::Node& node, const detail::Walk& walk, const detail::RuleContext& ctx);

// A SelectStmt that is a plain query (not a set operation's parent; its arms are
// visited on their own), or an UPDATE / DELETE.
bool is_query(const sql::Node& node);

// Where the rows of a SelectStmt go: to the client when it is the statement itself, an arm of
// a UNION / INTERSECT / EXCEPT that is, or the query of a cursor. A SELECT in a CTE, a
// subquery, an EXISTS, INSERT ... SELECT or CREATE TABLE AS feeds the server, not the client.
struct ClientPath {
  bool reaches_client = false;
  bool through_cursor = false;  // DECLARE ... CURSOR FOR: the client fetches in batches
  bool limited = false;         // an enclosing set operation has LIMIT / FETCH FIRST
  bool filtered = false;        // an enclosing INTERSECT / EXCEPT keeps only some of its rows
};
ClientPath client_path(const detail::Walk& walk);

// Whether the node is SQL of a function's body: a string body's statement or a BEGIN ATOMIC one.
bool in_function_body(const detail::Walk& walk);

// The WITH queries visible at a statement node: its own, then its ancestors', innermost first.
std::vector<sql::Node> visible_ctes(const sql::Node& node, const detail::Walk& walk);

// Whether a SelectStmt's LIMIT / FETCH FIRST bounds its rows (LIMIT ALL and LIMIT NULL do not).
bool has_row_limit(const sql::Node& select);

// Source text on one line, for a rewrite shown in help: runs of white space outside quotes
// become one space. nullopt when the text holds a comment (it would swallow what follows).
std::optional<std::string> one_line(std::string_view text);

// The text of the statement's node from its location to the end of that token.
Span token_span(const detail::RuleContext& ctx, uint32_t location);

// The smallest and the largest location of the nodes under `n` (its own included): where an
// expression starts in the text, and its last token.
std::optional<uint32_t> first_location(const sql::Node& n);
std::optional<uint32_t> last_location(const sql::Node& n);

// The span of the source text `[begin, end of balanced parentheses ...)` for an expression:
// from `begin` to the end of the expression, stopping at a top-level AND/OR, comma, closing
// parenthesis, or the end of the statement. With `whole_clause`, AND, OR and commas belong
// to it: the span runs to the next clause (ORDER BY, LIMIT, GROUP BY, FOR UPDATE ...).
Span expression_span(std::string_view text, uint32_t begin, uint32_t limit, bool whole_clause = false);

}  // namespace pglens::rules::schema

namespace pglens::rules::schema {

// The sargable form of a condition on an expression wrapping a column, when one exists:
// `created_at::date = '2026-06-01'` -> `created_at >= '2026-06-01' AND created_at < '2026-06-02'`,
// `date_trunc('day', t) = $1` -> `t >= $1 AND t < $1 + interval '1 day'`, `id + 1 = 10` -> `id = 9`,
// `coalesce(n, 0) = 5` -> `n = 5`. nullopt when only an expression index helps.
std::optional<std::string> sargable_rewrite(const catalog::Condition& condition);

// The column a one-column expression wraps, as written (`o.created_at`), and its bare name.
struct WrappedColumn {
  std::string written, name;
};
std::optional<WrappedColumn> wrapped_column(const sql::Node& expression);

}  // namespace pglens::rules::schema

namespace pglens::rules::schema {

// A SELECT shaped like aggregation done in the application: plain columns of one table only,
// every one a number (numeric / integer types), at least one of them a measure (not a key),
// and no aggregate, GROUP BY, DISTINCT, LIMIT or selective WHERE. Selective: an equality with a
// constant or parameter on a key column (primary, unique or foreign key, `id`, `*_id`), a
// number, a date or time, or an expression, or a condition pglens cannot read; equality on a
// text, boolean or enum column (`status = 'paid'`) and ranges are not. Shared by in-app-aggregation and
// unbounded-select (which leaves such a query to the former).
struct AggregationShape {
  size_t relation = 0;                // in QueryFacts::relations
  std::vector<std::string> measures;  // numeric non-key columns: sum / avg
  std::vector<std::string> groups;    // non-unique keys (foreign keys, *_id): GROUP BY
};
std::optional<AggregationShape> aggregation_shape(const catalog::QueryFacts& facts, const sql::Node& select);

// Whether in-app-aggregation, when enabled, reports this SELECT (its own options apply).
bool in_app_aggregation_reports(const catalog::QueryFacts& facts, const sql::Node& select,
                                const detail::RuleContext& ctx);

}  // namespace pglens::rules::schema
