// Finding one's way in a SQL document: its statements as symbols (tables created by name),
// folding of multi-line statements and comments, the CREATE of a table named under the
// cursor, and completion of table and column names from the catalog.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lsp/protocol.hpp"
#include "lsp/text.hpp"
#include "pglens/catalog.hpp"

namespace pglens::lsp {

// LSP SymbolKind / CompletionItemKind values used here.
inline constexpr int kSymbolStruct = 23, kSymbolEvent = 24, kSymbolObject = 19;
inline constexpr int kCompletionField = 5, kCompletionStruct = 22;

struct DocumentSymbol {
  std::string name;
  std::string detail;
  int kind = kSymbolEvent;
  Range range;            // the whole statement
  Range selection_range;  // its name (or its first word)
};
// One symbol per statement: CREATE TABLE / VIEW / INDEX named by what they create, other
// statements by their first line.
std::vector<DocumentSymbol> document_symbols(std::string_view text, const LspLines& lines, ColumnUnit unit);

struct FoldingRange {
  uint32_t start_line = 0, end_line = 0;
  std::string kind;  // "comment" or "region"
};
// Every statement and comment block that spans lines.
std::vector<FoldingRange> folding_ranges(std::string_view text, const LspLines& lines);

// Where `table` was created, from its origin ("db/schema.sql:14", relative to `root`);
// `document_origin` names the document itself (then the location is `document_uri`).
std::optional<Location> table_location(const Table& table, const std::filesystem::path& root,
                                       std::string_view document_origin, std::string_view document_uri);

struct CompletionItem {
  std::string label;
  int kind = kCompletionStruct;
  std::string detail;
};
// Table names, or after `name.` the columns of the table `name` is (its name or an alias in
// the statement), starting with what is typed before `offset`.
std::vector<CompletionItem> complete_names(std::string_view text, uint32_t offset, const Catalog& catalog);

void to_json(json& j, const DocumentSymbol& s);
void to_json(json& j, const FoldingRange& f);
void to_json(json& j, const CompletionItem& c);

}  // namespace pglens::lsp
