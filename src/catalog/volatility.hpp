// Whether an expression may be an index key: PostgreSQL refuses an index expression (or a
// partial index predicate) that calls a function or cast not marked IMMUTABLE ("functions in
// index expression must be marked IMMUTABLE"). A built-in table of the immutable functions
// and casts that index expressions use, with the argument types that change the answer
// (date_trunc on timestamptz depends on the session's TimeZone; on timestamp it does not).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "pglens/catalog.hpp"
#include "sql/ast.hpp"

namespace pglens::catalog {

// Whether every function, operator and cast of the expression is IMMUTABLE, the columns'
// types read from `table`. Unknown functions and node kinds are not: no DDL that may fail.
bool is_immutable(const sql::Node& expression, const Table& table);
// The same for canonical expression text (an index key): parsed, then judged.
bool is_immutable_text(std::string_view expression, const Table& table);

// The expression as PostgreSQL's own deparser (libpg_query's) writes it, from canonical
// text: what suggested DDL prints, so that it parses as it reads. nullopt when the text does
// not parse as an expression.
std::optional<std::string> postgres_text(std::string_view expression);

}  // namespace pglens::catalog
