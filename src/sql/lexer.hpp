// A fast, error-tolerant PostgreSQL lexer that finds statement boundaries and comments
// in one pass. It knows just enough of the grammar to never split inside a string,
// quoted identifier, dollar quote, comment, parenthesis or BEGIN ATOMIC body.
// Why not pg_query_split_with_scanner + pg_query_scan: on the benchmark corpus they cost
// 67 ms + 147 ms against 160 ms for the parse itself; this pass costs a few ms.
// tests/sql/lexer_test.cpp checks it against pg_query_split_with_scanner.
// It reads psql scripts as psql does: a backslash meta-command ends the statement before it
// (`\g`, `\gset`, `\watch` ... send it; any other one is skipped to the end of its line),
// `\;` separates statements, the data after `COPY ... FROM stdin;` (or `\copy ... from
// stdin`) up to the line `\.` is no SQL, and `:var`, `:'var'`, `:"var"` are psql variables
// (the parser reads them as placeholders: psql_variables()).
#pragma once

#include <string_view>
#include <vector>

#include "pglens/source.hpp"

namespace pglens::sql {

struct Comment {
  Span span;      // the whole comment, including `--` or `/* */`
  bool own_line;  // nothing but whitespace before it on its line
};

struct StatementSpan {
  Span span;                    // first token to last token, without the terminating `;`
  uint32_t end = 0;             // one past the `;` when present, else span.end
  bool psql_variables = false;  // holds `:var`, `:'var'` or `:"var"` (psql_variables())
  bool copy_data = false;       // COPY ... FROM stdin: data up to `\.` follows it
};

struct Lexed {
  std::vector<StatementSpan> statements;
  std::vector<Comment> comments;
};

Lexed lex(std::string_view text);

// lex(text) from the lex of a previous version of the text (`before`, of `old_size` bytes)
// that shares its first `same_prefix` and last `same_suffix` bytes with it: only the part
// between the last statement end before the change and the first statement end after it
// where both lexes agree is lexed again (an editor re-lexing a document after an edit).
struct Relexed {
  Lexed lexed;
  // Statements taken over from `before`: its first kept_front, and its last kept_back
  // (moved by the change in size); the statements between were lexed again.
  size_t kept_front = 0;
  size_t kept_back = 0;
};
Relexed relex(std::string_view text, const Lexed& before, size_t old_size, size_t same_prefix, size_t same_suffix);

// A psql variable in a statement: psql puts the variable's value in its place, as typed
// (`:var`), as a quoted literal (`:'var'`) or as a quoted identifier (`:"var"`).
struct PsqlVariable {
  enum class Kind : uint8_t { raw, literal, identifier };
  Span span;  // from the `:` to the end of the name or closing quote
  Kind kind;
};

// The psql variables of a statement the lex marked with psql_variables, in order.
std::vector<PsqlVariable> psql_variables(std::string_view text, const StatementSpan& statement);

// End of the token (or dotted name like `a.b.*`) that starts at `offset`.
uint32_t token_end(std::string_view text, uint32_t offset);

}  // namespace pglens::sql
