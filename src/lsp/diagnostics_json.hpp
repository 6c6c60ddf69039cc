// The textDocument/publishDiagnostics notification of one document, written again after each
// edit from what the same findings gave the time before. The lint shares the findings of
// each statement it kept (SharedFindings runs); their LSP positions and JSON are worked out
// once, relative to the statement's start, and kept for as long as the lint keeps them: an
// edit writes those again with their new lines and columns, and converts only the findings of
// the statements it changed. Used by one thread at a time (the server's worker).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "lsp/protocol.hpp"
#include "lsp/text.hpp"
#include "pglens/lint.hpp"

namespace pglens::lsp {

class DiagnosticsWriter {
 public:
  // A finding in the editor's terms, its positions from `lines` (the server's to_lsp).
  using ToLsp = std::function<LspDiagnostic(const Diagnostic&, const LspLines&)>;

  // The notification for `findings` of `text` (whose lines are `lines`): the first `cap`
  // findings, then, if there are more, one more diagnostic counting them, where the first
  // of them is (as clangd does).
  std::string write(const std::string& uri, std::optional<int64_t> version, const SharedFindings& findings,
                    std::string_view text, const LspLines& lines, ColumnUnit unit, size_t cap, const ToLsp& to_lsp);

  // Findings whose JSON is kept (tests).
  size_t kept() const;

 private:
  // One finding's JSON without the numbers of its positions, where they go, and the
  // positions relative to the statement: line from its first, and on that line the column
  // from its start.
  struct Item {
    std::string json;
    std::vector<uint32_t> holes;
    std::vector<LspPosition> positions;
  };
  struct Entry {
    std::shared_ptr<const std::vector<Diagnostic>> findings;  // held: its address is the key
    std::vector<std::optional<Item>> items;
    uint64_t used = 0;  // the last write that took it
  };
  static void emit(std::string& out, const Item& item, LspPosition at);

  std::unordered_map<const void*, Entry> cache_;
  uint64_t generation_ = 0;
  size_t last_size_ = 0;
};

// The "N more" diagnostic past the cap.
LspDiagnostic more_findings_note(size_t total, size_t shown, LspPosition at);

}  // namespace pglens::lsp
