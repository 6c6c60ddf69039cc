// Code actions for one finding: its fix edits, "ignore this rule here" (a pglens-ignore
// comment), and the suggested DDL inserted as a comment block or copied by the editor.
#pragma once

#include <string_view>
#include <vector>

#include "lsp/protocol.hpp"
#include "pglens/diagnostic.hpp"
#include "pglens/source.hpp"

namespace pglens::lsp {

struct ActionContext {
  std::string_view uri;
  std::string_view text;  // the text the finding was computed on
  const LineIndex& lines;
  ColumnUnit unit = ColumnUnit::utf16;
  bool client_copies_ddl = false;  // the editor implements the `pglens.copyDdl` command
};

// `shown` is the finding as it was published, attached to each action.
std::vector<CodeAction> code_actions(const Diagnostic& finding, const LspDiagnostic& shown, const ActionContext& ctx);

}  // namespace pglens::lsp
