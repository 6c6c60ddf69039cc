// Pieces of the DDL reader that the live reader reuses, so that a fact PostgreSQL prints
// back (pg_get_indexdef, pg_get_partkeydef, pg_get_expr of a bound) lands in the catalog in
// exactly the form the same DDL gives.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "pglens/catalog.hpp"

namespace pglens::catalog {

// The index of a CREATE INDEX statement (its name, keys, INCLUDE, WHERE, method, unique).
std::optional<Index> index_from_definition(std::string_view create_index);
// "RANGE (created_at)" as pg_get_partkeydef prints it.
std::optional<Partitioning> partitioning_from_definition(std::string_view partkeydef);
// "FOR VALUES FROM (...) TO (...)" / "DEFAULT" as pg_get_expr(relpartbound) prints it.
std::string bound_from_definition(std::string_view bound);

// Whether the word CREATE, ALTER or DROP (in any case, not part of a longer name) is anywhere
// in the text: one without holds no DDL, and the loader does not lex it.
bool may_hold_ddl(std::string_view text);

}  // namespace pglens::catalog
