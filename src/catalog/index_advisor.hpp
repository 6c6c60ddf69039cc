// Which index serves a query on one table, and which one to create when none does.
// One place for the rules of index design, shared by the SQL rules (missing-index-*) and the
// plan rules (which turn a Seq Scan's Filter into the same request):
//   - an index serves a column when the column is its leading key, or follows keys the query
//     matches by equality; a partial index only when the query implies its predicate; an
//     expression index only for that expression;
//   - a suggestion is one index per query and table: equality columns, then one range column,
//     then the ORDER BY columns in order and direction; a partial index for a constant filter
//     on a low-cardinality column; INCLUDE when that makes the scan index-only on a wide row;
//     never one that an existing index covers; a deterministic readable name;
//     CREATE INDEX CONCURRENTLY IF NOT EXISTS, or on a partitioned table ON ONLY the parent,
//     each partition CONCURRENTLY, then ALTER INDEX ... ATTACH PARTITION.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pglens/catalog.hpp"
#include "sql/ast.hpp"

namespace pglens::catalog {

enum class PredicateOp {
  equality,  // =, IN (...), = ANY (...), IS NULL
  range,     // <, >, <=, >=, BETWEEN, LIKE 'prefix%'
  other,     // anything else: no index key serves it by itself
};

// One AND-ed condition on one column (or expression) of the table.
struct ColumnPredicate {
  std::string column;      // the column, when the condition is on a bare column
  std::string expression;  // canonical expression text otherwise ("lower(email)")
  PredicateOp op = PredicateOp::other;
  // The canonical text of the whole condition ("status = 'pending'") and the literal compared
  // with, when it is one ("'pending'"): given as text (a plan's condition), or as the nodes
  // to render them from (a query's), since few predicates are ever shown or compared as
  // text. Read them through condition_text() and has_constant().
  mutable std::string text;  // rendered from `condition` when first asked
  std::string constant;
  sql::Node condition;
  sql::Node literal;  // an A_Const
  bool is_null_test = false;

  bool is_column() const { return !column.empty(); }
  const std::string& condition_text() const;
  // condition_text() == text, rendering only when `text` names the column.
  bool condition_text_is(std::string_view text) const;
  bool has_constant() const { return !constant.empty() || static_cast<bool>(literal); }
  // Column name or expression: what an index key must equal to serve it.
  const std::string& target() const { return column.empty() ? expression : column; }
};

struct SortKey {
  std::string column;  // or
  std::string expression;
  bool descending = false;
  bool nulls_first = false;  // as written or by default (NULLS FIRST only for DESC)
  const std::string& target() const { return column.empty() ? expression : column; }
};

struct IndexRequest {
  std::vector<ColumnPredicate> predicates;  // the table's AND-ed conditions
  std::vector<SortKey> order_by;            // ORDER BY keys, all on this table
  std::vector<std::string> output_columns;  // columns the query reads; empty when unknown (SELECT *)
  bool output_known = false;
};

// The first valid index that serves `target` (one of request.predicates) given the equality
// conditions of the request, or nullptr. `catalog` is the one holding `table`: its index
// digests, when it has them, spare reading the indexes that cannot serve.
const Index* serving_index(const Catalog& catalog, const Table& table, const ColumnPredicate& target,
                           const IndexRequest& request);

// An index that returns rows already in ORDER BY order (forwards or backwards) after the
// request's equality conditions, or nullptr. `catalog` as for serving_index.
const Index* ordering_index(const Catalog& catalog, const Table& table, const IndexRequest& request);

struct IndexSuggestion {
  Index index;          // the proposed index (name, keys, include, predicate)
  std::string ddl;      // ready to paste; several statements for a partitioned table
  std::string summary;  // "orders (customer_id, created_at DESC)"
};

// The one index for this request, or nullopt when nothing indexable remains or an existing
// index already covers the proposal.
std::optional<IndexSuggestion> suggest_index(const Catalog& catalog, const Table& table, const IndexRequest& request);

// Whether `existing` makes `proposed` redundant: same method, proposed keys a prefix of its
// keys (same directions, or all reversed), the same partial predicate (or none), and the
// proposed INCLUDE columns present.
bool index_covers(const Index& existing, const Index& proposed);

// `base`, or base1, base2 ...: the first name no table or index of the table's schema has.
std::string free_index_name(const Catalog& catalog, const Table& table, const std::string& base);

// CREATE INDEX statement(s) for `index` on `table`: CONCURRENTLY IF NOT EXISTS, or the
// ON ONLY / per-partition / ATTACH PARTITION sequence on a partitioned table.
std::string create_index_ddl(const Catalog& catalog, const Table& table, const Index& index);

// "orders" or "sales.orders": the schema is shown when it is not the search path's first.
std::string table_ref(const Catalog& catalog, const Table& table);

// True when a column of this name and type is likely to hold few distinct values
// (boolean, status, state, type, kind ...): worth a partial index rather than a key.
bool low_cardinality(const Table& table, const std::string& column);

}  // namespace pglens::catalog
