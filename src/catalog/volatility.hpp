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
// A function the built-in table does not know (a user function, an extension's) is judged by
// the volatility `catalog` read from pg_proc (under --db, or from a snapshot of it); then
// `why`, when given, says which function is not IMMUTABLE and where that came from.
bool is_immutable(const sql::Node& expression, const Table& table, const Catalog* catalog = nullptr,
                  std::string* why = nullptr);
// The same for canonical expression text (an index key): parsed, then judged.
bool is_immutable_text(std::string_view expression, const Table& table, const Catalog* catalog = nullptr);

// The expression as PostgreSQL's own deparser (libpg_query's) writes it, from canonical
// text: what suggested DDL prints, so that it parses as it reads. nullopt when the text does
// not parse as an expression.
std::optional<std::string> postgres_text(std::string_view expression);

}  // namespace pglens::catalog
