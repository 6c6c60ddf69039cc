// What hovering a table name shows: what the catalog knows of it.
#pragma once

#include <string>

#include "pglens/catalog.hpp"

namespace pglens::lsp {

// Markdown: kind and size, partition key and partitions, columns, indexes, where it came from.
std::string render_table_hover(const Table& table, const Catalog& catalog);

}  // namespace pglens::lsp
