// Document text as the editor addresses it: LSP positions (zero-based, columns in UTF-16
// or UTF-8 code units) to byte offsets and back, and incremental edits.
#pragma once

#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "lsp/protocol.hpp"
#include "pglens/source.hpp"

namespace pglens::lsp {

// The lines of a text as LSP counts them: a line ends at "\n", "\r\n" or a lone "\r" (the
// linter's LineIndex knows only "\n"). Columns of a long line are counted once, whatever the
// number of positions asked on it: a finding on an 880 KB line of a UTF-16 client costs a
// lookup, not a scan of the line. Not thread-safe (the counts are kept on first use).
class LspLines {
 public:
  LspLines() : LspLines(std::string_view()) {}
  // The lines are found as they are asked for: the findings shown (the first thousand) and a
  // one-line edit need the text up to them, not the whole of a 50,000-line document.
  explicit LspLines(std::string_view text) : text_(text) {}

  uint32_t line_count() const {
    scan(UINT32_MAX);
    return static_cast<uint32_t>(starts_.size());
  }
  uint32_t line_start(uint32_t line) const {
    scan(line);
    return starts_[line];
  }
  // The zero-based line's text without its terminator, and the terminator.
  std::string_view line_text(uint32_t line) const;
  std::string_view line_ending(uint32_t line) const;
  // The line holding a byte offset (offsets past the end: the last line).
  uint32_t line_of(uint32_t offset) const;

  LspPosition position(uint32_t offset, ColumnUnit unit) const;
  Range range(Span span, ColumnUnit unit) const { return {position(span.begin, unit), position(span.end, unit)}; }
  // The byte offset of an LSP position: past the last line is the end of the text, past a
  // line's end is that line's end (as the specification asks).
  uint32_t offset(LspPosition position, ColumnUnit unit) const;
  // Whether an edit may address the position: on a line of the text, or at the start of the
  // line after the last (clients address the end of a text that ends in a line break so).
  bool addresses_text(LspPosition position) const;

  std::string_view text() const { return text_; }

 private:
  // Finds line starts until `line` + 1 of them are known, or the text ends.
  void scan(uint32_t line) const;
  // The end of `line` (where the next starts, or the text's end).
  uint32_t line_end(uint32_t line) const;

  // Of a long line: (byte in the line, UTF-16 units before it) at character boundaries about
  // every kStride bytes.
  struct Checkpoint {
    uint32_t byte, units;
  };
  static constexpr uint32_t kStride = 256;
  const std::vector<Checkpoint>& checkpoints(uint32_t line) const;

  std::string_view text_;
  mutable std::vector<uint32_t> starts_{0};
  mutable size_t scanned_ = 0;      // line breaks before this byte are in starts_
  mutable size_t no_cr_until_ = 0;  // no "\r" from scanned_ up to here
  mutable std::unordered_map<uint32_t, std::vector<Checkpoint>> counted_;  // by long line
};

// Applies didChange content changes in order (ranged ones splice, others replace the text).
// Returns false, leaving `text` as it was, when a change addresses a line the text does not
// have: the editor's text and ours differ, and splicing would only make them differ more.
// `changed`, if given, gets the bytes of the new text the changes wrote (the whole text when
// there were several).
bool apply_changes(std::string& text, std::span<const TextDocumentContentChangeEvent> changes, ColumnUnit unit,
                   Span* changed = nullptr);

}  // namespace pglens::lsp
