#include "lsp/actions.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include <fmt/format.h>

#include "lsp/text.hpp"
#include "sql/lexer.hpp"

namespace pglens::lsp {
namespace {

std::string_view line_ending(std::string_view text, const LineIndex& lines, uint32_t line) {
  uint32_t end = lines.line_start(line) + static_cast<uint32_t>(lines.line_text(line).size());
  return end < text.size() && text[end] == '\r' ? "\r\n" : "\n";
}

std::string_view indentation(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && (line[n] == ' ' || line[n] == '\t')) ++n;
  return line.substr(0, n);
}

bool blank_before(std::string_view text, const LineIndex& lines, uint32_t offset) {
  uint32_t start = lines.line_start(lines.line_of(offset));
  for (uint32_t i = start; i < offset; ++i)
    if (text[i] != ' ' && text[i] != '\t') return false;
  return true;
}

// Where "ignore this rule here" and the DDL comment go: above the statement holding the
// finding when it starts its line (an own-line comment covers the statement that follows),
// otherwise nullopt.
std::optional<uint32_t> statement_line(std::string_view text, const LineIndex& lines, uint32_t offset) {
  sql::Lexed lexed = sql::lex(text);
  auto it = std::upper_bound(lexed.statements.begin(), lexed.statements.end(), offset,
                             [](uint32_t off, const sql::StatementSpan& st) { return off < st.span.begin; });
  if (it == lexed.statements.begin()) return std::nullopt;
  const sql::StatementSpan& st = *(it - 1);
  if (offset > std::max(st.end, st.span.end)) return std::nullopt;
  if (!blank_before(text, lines, st.span.begin)) return std::nullopt;
  return lines.line_of(st.span.begin);
}

// Appends `rule` to an own-line `-- pglens-ignore: a, b` comment on `line`, if it is one.
std::optional<TextEdit> extend_ignore_comment(const LineIndex& lines, uint32_t line,
                                              std::string_view rule, ColumnUnit unit) {
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
    if (j < content.size() && content[j] == ',') { i = j + 1; continue; }
    break;
  }
  if (last_id_end == 0) return std::nullopt;
  uint32_t at = lines.line_start(line) + static_cast<uint32_t>(last_id_end);
  LspPosition pos = lsp_position(lines, at, unit);
  return TextEdit{{pos, pos}, fmt::format(", {}", rule)};
}

TextEdit ignore_edit(std::string_view text, const LineIndex& lines, const Diagnostic& d, ColumnUnit unit) {
  std::optional<uint32_t> line = statement_line(text, lines, d.span.begin);
  if (line) {
    if (*line > 0)
      if (auto extended = extend_ignore_comment(lines, *line - 1, d.rule, unit)) return *extended;
    LspPosition at{*line, 0};
    return {{at, at}, fmt::format("{}-- pglens-ignore: {}{}", indentation(lines.line_text(*line)), d.rule,
                                  line_ending(text, lines, *line))};
  }
  // The statement shares its first line with another one: a trailing comment covers the line.
  uint32_t l = lines.line_of(d.span.begin);
  uint32_t end = lines.line_start(l) + static_cast<uint32_t>(lines.line_text(l).size());
  LspPosition at = lsp_position(lines, end, unit);
  return {{at, at}, fmt::format("  -- pglens-ignore: {}", d.rule)};
}

TextEdit ddl_comment_edit(std::string_view text, const LineIndex& lines, const Diagnostic& d) {
  uint32_t line = statement_line(text, lines, d.span.begin).value_or(lines.line_of(d.span.begin));
  std::string_view indent = indentation(lines.line_text(line));
  std::string_view eol = line_ending(text, lines, line);
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
  LspPosition at{line, 0};
  return {{at, at}, std::move(block)};
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
    CodeAction a = action(d.fix_value->description.empty() ? fmt::format("Fix `{}`", d.rule) : d.fix_value->description);
    a.is_preferred = d.fix_value->safe;
    std::vector<TextEdit> edits;
    for (const auto& e : d.fix_value->edits) edits.push_back({lsp_range(ctx.lines, e.span, ctx.unit), e.replacement});
    a.edit = edit_of(std::move(edits));
    actions.push_back(std::move(a));
  }
  if (!d.ddl_text.empty()) {
    CodeAction a = action("Insert the suggested DDL as a comment");
    a.edit = edit_of({ddl_comment_edit(ctx.text, ctx.lines, d)});
    actions.push_back(std::move(a));
    if (ctx.client_copies_ddl) {
      CodeAction copy = action("Copy the suggested DDL");
      copy.command = Command{"Copy the suggested DDL", "pglens.copyDdl", json::array({d.ddl_text})};
      actions.push_back(std::move(copy));
    }
  }
  // Suppressing the finding about a stale suppression would only pile comments up.
  if (d.rule != "unused-ignore" && !d.rule.empty()) {
    CodeAction a = action(fmt::format("Ignore `{}` here", d.rule));
    a.edit = edit_of({ignore_edit(ctx.text, ctx.lines, d, ctx.unit)});
    actions.push_back(std::move(a));
  }
  return actions;
}

}  // namespace pglens::lsp
