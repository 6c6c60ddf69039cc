// The DDL reader's translation of parse nodes into catalog values (index keys, partition
// keys and bounds), shared by the statements it applies (ddl_statements.cpp) and by the
// definitions the live reader gets back from PostgreSQL (ddl.hpp's *_from_definition).
#pragma once

#include <string>
#include <vector>

#include "pglens/catalog.hpp"
#include "sql/ast.hpp"

namespace pglens::ddl {

// An index key (an IndexElem): a column or an expression, its order and NULLS placement.
IndexKey key_of(const sql::Node& elem);
// "FOR VALUES ..." / "DEFAULT" of a PartitionBoundSpec, as pg_get_expr prints it.
std::string bound_text(const sql::Node& b);
// The strategy and keys of a PartitionSpec.
Partitioning partitioning_of(const sql::Node& spec);
// The columns of an index as PostgreSQL names them: the column, or the function of an
// expression key, else "expr".
std::vector<std::string> key_name_parts(const Index& idx);
// The index of an IndexStmt (its name, keys, INCLUDE, WHERE, method, unique).
Index index_of(const sql::Node& stmt);

}  // namespace pglens::ddl
