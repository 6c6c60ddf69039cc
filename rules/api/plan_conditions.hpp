// Conditions of a plan (Filter, Index Cond, Join Filter, Hash Cond ...) read with libpg_query:
// PostgreSQL prints them as SQL expressions, so `SELECT 1 WHERE <condition>` parses them and
// the tree says which columns are compared, how, and with what — never a regex guess.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sql/parser.hpp"

namespace pglens::rule {

enum class CompareOp { equality, range, other };

struct ColumnName {
  std::string qualifier;  // alias or relation as printed ("o"), empty when unqualified
  std::string column;
  friend bool operator==(const ColumnName&, const ColumnName&) = default;
};

// One AND-ed condition.
struct Conjunct {
  std::string text;  // canonical text, casts on constants dropped: "status = 'pending'"
  CompareOp op = CompareOp::other;
  // The operator as printed ("=", "<>", "~~"), or what the conjunct is: "IN", "BETWEEN",
  // "IS NULL", "IS NOT NULL", "OR", "NOT"; empty for anything else.
  std::string operator_text;
  // The side that names a column of the scanned relation: a bare column, or an expression
  // over one column (function, cast) — then `expression` holds its text and `wrapper` what
  // wraps the column ("date_trunc()", "::date").
  ColumnName column;
  std::string expression;
  std::string wrapper;
  std::string cast;         // a cast on the column, even one PostgreSQL adds itself ("::text")
  std::string constant;     // the literal compared with ("'pending'"), empty otherwise
  std::string param;        // "$1" when compared with a parameter
  ColumnName other_column;  // set when compared with a column (a join condition)
  bool is_null_test = false;
  bool has_or = false;              // an OR (or NOT) at this level: no single index key serves it
  bool has_param = false;           // a parameter ($1) anywhere in it
  std::vector<ColumnName> columns;  // every column the conjunct reads
};

struct ParsedCondition {
  bool parsed = false;  // false when libpg_query could not read it (SubPlan references ...)
  std::vector<Conjunct> conjuncts;
  std::vector<ColumnName> columns;  // every column read, first occurrence order, no repeats
};

// Reads one condition as PostgreSQL printed it. The parser is reused between calls.
ParsedCondition parse_condition(std::string_view text, sql::Parser& parser);

// Whether `name` refers to the relation scanned as `relation` / `alias` (unqualified names
// do: PostgreSQL prints a scan's own columns unqualified unless the query joins).
bool refers_to(const ColumnName& name, std::string_view relation, std::string_view alias);

// Sort keys as printed ("o.created_at DESC", "(lower(email))"): column, direction.
struct SortKeyText {
  ColumnName column;  // empty column for an expression
  std::string expression;
  bool descending = false;
  bool nulls_first = false;
};
SortKeyText parse_sort_key(std::string_view text, sql::Parser& parser);

}  // namespace pglens::rule

// The rule API's old home, kept while branches written against it are merged; new code
// names pglens::rule.
namespace pglens::detail {
using namespace pglens::rule;  // NOLINT(google-build-using-namespace)
}  // namespace pglens::detail
