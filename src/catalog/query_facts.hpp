// What one SELECT (or UPDATE / DELETE) asks of its tables, resolved against the catalog:
// the relations in FROM, the AND-ed conditions of WHERE and JOIN ... ON on each of them,
// ORDER BY, LIMIT / OFFSET, aggregates and the columns it returns. The schema-aware rules
// read these facts instead of walking the tree each on its own.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "catalog/index_advisor.hpp"
#include "pglens/catalog.hpp"
#include "sql/ast.hpp"

namespace pglens::catalog {

// What a FROM item is: a table (or view) of the catalog or not, a reference to a WITH query,
// a subquery, or something else (a function, VALUES, a table function).
enum class RelationSource { table, cte, subquery, other };

struct RelationRef {
  RelationSource source = RelationSource::table;
  const Table* table = nullptr;  // nullptr when the catalog does not know it
  sql::Node query;               // the SelectStmt of a CTE or subquery
  std::string alias;             // the alias, or the relation's name
  std::string written;           // as written: "orders", "sales.orders"
  uint32_t location = 0;
  bool only = false;  // FROM ONLY
  // The null-extended side of an outer join (b of `a LEFT JOIN b`): its ON conditions match
  // rows to join, they remove none of the query's rows.
  bool nullable = false;
};

enum class ValueKind { constant, parameter, column, volatile_call, other };

struct Condition {
  size_t relation = 0;        // index into QueryFacts::relations
  ColumnPredicate predicate;  // on that relation's column or expression
  sql::Node node;             // the condition expression
  sql::Node column_side;      // the ColumnRef, or the expression wrapping the column
  sql::Node value_side;       // what it is compared with (may be invalid: IS NULL)
  ValueKind value = ValueKind::other;
  std::optional<size_t> other_relation;  // a join condition: the other side's relation
  std::string other_column;
  bool from_join = false;  // JOIN ... ON rather than WHERE
  std::string op;          // "=", "<", "BETWEEN", "IN", "LIKE", "IS NULL" ...
  uint32_t location = 0;   // of the column side

  // Whether an index can look it up: an equality or a range, with a constant or parameter.
  bool is_lookup() const {
    return predicate.op != PredicateOp::other && (value == ValueKind::constant || value == ValueKind::parameter);
  }
};

struct OrderItem {
  std::optional<size_t> relation;  // when the key is a column (or expression) of one relation
  SortKey key;
  uint32_t location = 0;
};

struct QueryFacts {
  std::vector<RelationRef> relations;
  std::vector<Condition> conditions;  // the AND-ed conditions that name exactly one relation's column
  bool has_where = false;
  bool where_has_or = false;  // some top-level conjunct is an OR
  std::vector<OrderItem> order_by;
  bool has_limit = false;
  std::optional<int64_t> limit;
  sql::Node offset;  // the OFFSET expression, when any
  bool has_group_by = false;
  bool has_aggregate = false;  // in the target list or HAVING
  bool has_window = false;
  bool distinct = false;
  bool star = false;                 // SELECT * or t.*
  bool merged_join_columns = false;  // a JOIN ... USING or NATURAL JOIN: `*` shows its columns once
  std::vector<std::pair<size_t, std::string>> output_columns;  // (relation, column) of plain column outputs
  bool outputs_only_columns = true;                            // every output is a plain column of a known relation

  // The request for an index on relation `r`: its conditions with a constant or parameter
  // (join conditions too when `with_joins`), ORDER BY when all of it is on `r`, and the
  // columns the query reads from `r`.
  IndexRequest request_for(size_t r, bool with_joins) const;

  // request_for(r, false), made once for all the rules that ask.
  const IndexRequest& filter_request(size_t r) const;
  // The index that serves condition `c` given the filters on its relation:
  // serving_index(table, predicate, filter_request(relation)), worked out once for all the
  // rules that ask; nullptr when none does or the relation is no table of the catalog.
  const Index* filter_index(size_t c) const;
  // Whether an index serves one of the lookup conditions (Condition::is_lookup) on relation `r`.
  bool filter_served(size_t r) const;

 private:
  friend QueryFacts analyze_query(const sql::Node&, const Catalog&, std::span<const sql::Node>,
                                  std::span<const std::string>);
  const Catalog* catalog_ = &Catalog::none();  // the one the relations were found in
  // Filled when first asked: the facts are read-only to the rules, and one lint call uses
  // them on one thread.
  mutable std::vector<std::optional<IndexRequest>> filter_requests_;
  mutable std::vector<std::optional<const Index*>> filter_indexes_;
};

// Facts of a SelectStmt without set operations (UNION arms are analysed one by one), or of
// an UpdateStmt / DeleteStmt (their relation and WHERE). A FROM name that a WITH query of
// the statement or of `outer_ctes` (CommonTableExpr nodes of enclosing statements, innermost
// first) defines is that query, not a table. In a function's body, `variables` are its
// parameter and variable names: a bare name that is one of them, and no column of the
// query's tables, is a value the function passes in (as PostgreSQL resolves it).
QueryFacts analyze_query(const sql::Node& stmt, const Catalog& catalog, std::span<const sql::Node> outer_ctes = {},
                         std::span<const std::string> variables = {});

// Where condition `c`'s column is written in `text` (the file): the column reference, or for
// a condition a JOIN ... USING makes, the column's name in the USING list (a NATURAL JOIN's
// writes none: its right-hand relation).
Span condition_span(std::string_view text, const Condition& c);

// Appends the WITH queries (CommonTableExpr nodes) a statement defines.
void add_ctes(const sql::Node& stmt, std::vector<sql::Node>& out);

// Top-level AND-ed conjuncts of a boolean expression.
std::vector<sql::Node> and_conjuncts(const sql::Node& expr);

// The function name of a FuncCall ("lower", "date_trunc"), without pg_catalog.
std::string function_name(const sql::Node& call);

// Whether a function is volatile (random(), clock_timestamp() ...): its value changes per
// row, so it neither prunes partitions nor uses an index as a comparison value.
bool is_volatile_function(std::string_view name);

// Whether an expression may lie below `node`: not below a column reference (only its names
// are) nor a constant (only its value). Walks that look for expressions skip the rest.
bool may_hold_expressions(const sql::Node& node);

// Whether an expression is an aggregate call (count, sum, avg, min, max, ...).
bool is_aggregate_call(const sql::Node& node);
// Whether an aggregate call appears in the expression (not looking into subqueries).
bool contains_aggregate(const sql::Node& node);

}  // namespace pglens::catalog
