#include "lsp/text.hpp"

#include <utility>

namespace pglens::lsp {

LspPosition lsp_position(const LineIndex& lines, uint32_t offset, ColumnUnit unit) {
  Position p = lines.position(offset, unit);
  return {p.line - 1, p.column - 1};
}

Range lsp_range(const LineIndex& lines, Span span, ColumnUnit unit) {
  return {lsp_position(lines, span.begin, unit), lsp_position(lines, span.end, unit)};
}

uint32_t byte_offset(const LineIndex& lines, size_t text_size, LspPosition p, ColumnUnit unit) {
  if (p.line >= lines.line_count()) return static_cast<uint32_t>(text_size);
  uint32_t column = p.character == UINT32_MAX ? p.character : p.character + 1;
  return lines.offset({p.line + 1, column}, unit);
}

void apply_changes(std::string& text, std::span<const TextDocumentContentChangeEvent> changes, ColumnUnit unit) {
  for (const auto& change : changes) {
    if (!change.range) {
      text = change.text;
      continue;
    }
    LineIndex lines(text);
    uint32_t from = byte_offset(lines, text.size(), change.range->start, unit);
    uint32_t to = byte_offset(lines, text.size(), change.range->end, unit);
    if (to < from) std::swap(from, to);
    text.replace(from, to - from, change.text);
  }
}

}  // namespace pglens::lsp
