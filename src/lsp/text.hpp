// Document text as the editor addresses it: LSP positions (zero-based, columns in UTF-16
// or UTF-8 code units) to byte offsets and back, and incremental edits.
#pragma once

#include <span>
#include <string>

#include "lsp/protocol.hpp"
#include "pglens/source.hpp"

namespace pglens::lsp {

LspPosition lsp_position(const LineIndex& lines, uint32_t offset, ColumnUnit unit);
Range lsp_range(const LineIndex& lines, Span span, ColumnUnit unit);
// The byte offset of an LSP position; past the last line means the end of the text, past a
// line's end means that line's end (as the specification asks).
uint32_t byte_offset(const LineIndex& lines, size_t text_size, LspPosition position, ColumnUnit unit);

// Applies didChange content changes in order (ranged ones splice, others replace the text).
void apply_changes(std::string& text, std::span<const TextDocumentContentChangeEvent> changes, ColumnUnit unit);

}  // namespace pglens::lsp
