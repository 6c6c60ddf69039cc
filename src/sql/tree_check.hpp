// The check that sql::Node reads PostgreSQL's parse tree as libpg_query's JSON output shows
// it, which every rule was written against. Used by the tests and a fuzz target; the
// product never calls it (it parses twice).
#pragma once

#include <optional>
#include <string>

namespace pglens::sql {

// Parses `statement` (one statement) both ways; nullopt when the trees are the same (or
// both fail to parse), else the two JSON texts that differ.
std::optional<std::string> tree_mismatch(const std::string& statement);

}  // namespace pglens::sql
