// Code actions for one finding: its fix edits, "ignore this rule here" (a pglens-ignore
// comment), and the suggested DDL inserted as a comment block or copied by the editor.
#pragma once

#include <string_view>
#include <vector>

#include "lsp/protocol.hpp"
#include "lsp/text.hpp"
#include "pglens/diagnostic.hpp"
#include "pglens/source.hpp"

namespace pglens::lsp {

struct ActionContext {
  std::string_view uri;
  std::string_view text;  // the text the finding was computed on
  const LspLines& lines;
  ColumnUnit unit = ColumnUnit::utf16;
  bool client_copies_ddl = false;  // the editor implements the `pglens.copyDdl` command
  bool plan = false;               // an EXPLAIN plan: no suppression comments, no SQL comments in it
  std::string_view query_uri;      // a plan's query file (its DDL comment goes there); may be empty
  std::string_view query_name;     // that file's name, for the action's title
};

// `shown` is the finding as it was published, attached to each action.
std::vector<CodeAction> code_actions(const Diagnostic& finding, const LspDiagnostic& shown, const ActionContext& ctx);

}  // namespace pglens::lsp
