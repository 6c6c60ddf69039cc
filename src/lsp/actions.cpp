#include "lsp/actions.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include <fmt/format.h>

#include "lsp/text.hpp"
#include "sql/lexer.hpp"

namespace pglens::lsp {
namespace {

std::string_view indentation(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && (line[n] == ' ' || line[n] == '\t')) ++n;
  return line.substr(0, n);
}

// The line break the text uses at `line`, for lines we add above it.
std::string_view line_ending(const LspLines& lines, uint32_t line) {
  std::string_view eol = lines.line_ending(line);
  return eol.empty() ? "\n" : eol;
}

bool has_lone_cr(std::string_view text) {
  for (size_t at = text.find('\r'); at != std::string_view::npos; at = text.find('\r', at + 1))
    if (at + 1 == text.size() || text[at + 1] != '\n') return true;
  return false;
}

bool blank_before(std::string_view text, const LspLines& lines, uint32_t offset) {
  uint32_t start = lines.line_start(lines.line_of(offset));
  for (uint32_t i = start; i < offset; ++i)
    if (text[i] != ' ' && text[i] != '\t') return false;
  return true;
}

// The statement holding `offset`, if any.
std::optional<sql::StatementSpan> statement_at(std::string_view text, uint32_t offset) {
  sql::Lexed lexed = sql::lex(text);
  auto it = std::upper_bound(lexed.statements.begin(), lexed.statements.end(), offset,
                             [](uint32_t off, const sql::StatementSpan& st) { return off < st.span.begin; });
  if (it == lexed.statements.begin()) return std::nullopt;
  const sql::StatementSpan& st = *(it - 1);
  if (offset > std::max(st.end, st.span.end)) return std::nullopt;
  return st;
}

// Appends `rule` to an own-line `-- pglens-ignore: a, b` comment on `line`, if it is one.
std::optional<TextEdit> extend_ignore_comment(const LspLines& lines, uint32_t line, std::string_view rule,
                                              ColumnUnit unit) {
  std::string_view content = lines.line_text(line);
  std::string_view indent = indentation(content);
  std::string_view rest = content.substr(indent.size());
  constexpr std::string_view marker = "-- pglens-ignore:";
  if (!rest.starts_with(marker)) return std::nullopt;
  size_t i = indent.size() + marker.size();
  size_t last_id_end = 0;
  auto is_id = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; };
  for (;;) {
    while (i < content.size() && (content[i] == ' ' || content[i] == '\t')) ++i;
    size_t b = i;
    while (i < content.size() && is_id(content[i])) ++i;
    if (i == b) break;
    if (content.substr(b, i - b) == rule) return std::nullopt;  // already named: scope differs
    last_id_end = i;
    size_t j = i;
    while (j < content.size() && (content[j] == ' ' || content[j] == '\t')) ++j;
    if (j < content.size() && content[j] == ',') {
      i = j + 1;
      continue;
    }
    break;
  }
  if (last_id_end == 0) return std::nullopt;
  uint32_t at = lines.line_start(line) + static_cast<uint32_t>(last_id_end);
  LspPosition pos = lines.position(at, unit);
  return TextEdit{{pos, pos}, fmt::format(", {}", rule)};
}

// "Ignore this rule here": an own-line `-- pglens-ignore: rule` comment right above the
// statement, which covers the whole statement. A trailing comment is never used: the line
// may end inside a `--` comment (which would swallow it) or inside a string (whose value it
// would change). When the statement shares its first line with code before it, the comment
// goes on a line of its own, inserted between the two.
std::optional<TextEdit> ignore_edit(std::string_view text, const LspLines& lines, const Diagnostic& d,
                                    ColumnUnit unit) {
  std::optional<sql::StatementSpan> st = statement_at(text, d.span.begin);
  if (!st) return std::nullopt;  // not in a statement: no comment scopes to it
  uint32_t line = lines.line_of(st->span.begin);
  std::string_view indent = indentation(lines.line_text(line));
  std::string_view eol = line_ending(lines, line);
  // pglens reads a `--` comment up to a "\n": after a lone "\r" it would run on over code.
  if (eol == "\r") return std::nullopt;
  if (blank_before(text, lines, st->span.begin)) {
    if (line > 0)
      if (auto extended = extend_ignore_comment(lines, line - 1, d.rule, unit)) return extended;
    LspPosition at{line, 0};
    return TextEdit{{at, at}, fmt::format("{}-- pglens-ignore: {}{}", indent, d.rule, eol)};
  }
  // Replace the blanks between the code before and the statement with a line break, the
  // comment and another line break.
  uint32_t from = st->span.begin;
  while (from > lines.line_start(line) && (text[from - 1] == ' ' || text[from - 1] == '\t')) --from;
  return TextEdit{{lines.position(from, unit), lines.position(st->span.begin, unit)},
                  fmt::format("{}{}-- pglens-ignore: {}{}{}", eol, indent, d.rule, eol, indent)};
}

// The suggested DDL as `--` lines, each ending with `eol` and indented by `indent`.
std::string ddl_comment(const Diagnostic& d, std::string_view indent, std::string_view eol) {
  std::string block = fmt::format("{}-- pglens: suggested DDL ({}):{}", indent, d.rule, eol);
  std::string_view ddl = d.ddl_text;
  while (!ddl.empty()) {
    size_t nl = ddl.find('\n');
    std::string_view piece = ddl.substr(0, nl);
    if (!piece.empty() && piece.back() == '\r') piece.remove_suffix(1);
    block += fmt::format("{}--{}{}{}", indent, piece.empty() ? "" : " ", piece, eol);
    if (nl == std::string_view::npos) break;
    ddl.remove_prefix(nl + 1);
  }
  return block;
}

// The DDL comment above the statement holding the finding (or its line).
TextEdit ddl_comment_edit(std::string_view text, const LspLines& lines, const Diagnostic& d) {
  std::optional<sql::StatementSpan> st = statement_at(text, d.span.begin);
  uint32_t line = lines.line_of(st && blank_before(text, lines, st->span.begin) ? st->span.begin : d.span.begin);
  LspPosition at{line, 0};
  return {{at, at}, ddl_comment(d, indentation(lines.line_text(line)), line_ending(lines, line))};
}

}  // namespace

std::vector<CodeAction> code_actions(const Diagnostic& d, const LspDiagnostic& shown, const ActionContext& ctx) {
  std::vector<CodeAction> actions;
  auto action = [&](std::string title) {
    CodeAction a;
    a.title = std::move(title);
    a.kind = "quickfix";
    a.diagnostics = {shown};
    return a;
  };
  auto edit_of = [&](std::vector<TextEdit> edits) {
    WorkspaceEdit edit;
    edit.changes[std::string(ctx.uri)] = std::move(edits);
    return edit;
  };
  if (d.fix_value && !d.fix_value->edits.empty()) {
    CodeAction a =
        action(d.fix_value->description.empty() ? fmt::format("Fix `{}`", d.rule) : d.fix_value->description);
    a.is_preferred = d.fix_value->safe;
    std::vector<TextEdit> edits;
    for (const auto& e : d.fix_value->edits) edits.push_back({ctx.lines.range(e.span, ctx.unit), e.replacement});
    a.edit = edit_of(std::move(edits));
    actions.push_back(std::move(a));
  }
  if (!d.ddl_text.empty()) {
    if (!ctx.plan && !has_lone_cr(ctx.text)) {  // see ignore_edit on a lone "\r"
      CodeAction a = action("Insert the suggested DDL as a comment");
      a.edit = edit_of({ddl_comment_edit(ctx.text, ctx.lines, d)});
      actions.push_back(std::move(a));
    } else if (!ctx.query_uri.empty()) {
      // Into the query the plan belongs to, at its top: the plan itself is not SQL.
      CodeAction a = action(fmt::format("Insert the suggested DDL as a comment in {}", ctx.query_name));
      WorkspaceEdit edit;
      edit.changes[std::string(ctx.query_uri)] = {TextEdit{{{0, 0}, {0, 0}}, ddl_comment(d, "", "\n")}};
      a.edit = std::move(edit);
      actions.push_back(std::move(a));
    }
    if (ctx.client_copies_ddl) {
      CodeAction copy = action("Copy the suggested DDL");
      copy.command = Command{"Copy the suggested DDL", "pglens.copyDdl", json::array({d.ddl_text})};
      actions.push_back(std::move(copy));
    }
  }
  // Suppressing the finding about a stale suppression would only pile comments up; a syntax
  // error is to be fixed, not ignored; plans take no suppression comments.
  if (d.rule != "unused-ignore" && d.rule != "syntax-error" && !d.rule.empty() && !ctx.plan) {
    if (auto edit = ignore_edit(ctx.text, ctx.lines, d, ctx.unit)) {
      CodeAction a = action(fmt::format("Ignore `{}` here", d.rule));
      a.edit = edit_of({*edit});
      actions.push_back(std::move(a));
    }
  }
  return actions;
}

}  // namespace pglens::lsp
