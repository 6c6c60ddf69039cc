// The SQL inside a CREATE FUNCTION / PROCEDURE body, so the rules check it as they check the
// file's own statements: a LANGUAGE sql body written as a string (`AS $$ ... $$`), and the
// SQL statements of a PL/pgSQL body (as libpg_query's pg_query_parse_plpgsql finds them:
// plain SQL, PERFORM, SELECT ... INTO, RETURN QUERY, FOR ... IN query LOOP, and EXECUTE of a
// constant string). A `BEGIN ATOMIC` body needs none of this: it is part of the statement's
// own tree.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/ast.hpp"

namespace pglens::sql {

// SQL the server runs from a body: `text` stands byte for byte over the file's
// [offset, offset + text.size()), so every location in its tree is one of the file. It
// differs from the file's bytes only where PL/pgSQL hands the server other text than it
// reads: PERFORM is run as SELECT, and the INTO clause is left out (blanked).
struct BodySql {
  std::string text;
  uint32_t offset = 0;
  // PL/pgSQL reads the rows itself (SELECT ... INTO, PERFORM, a FOR loop, EXECUTE): none
  // reach the caller, unlike those of RETURN QUERY or of a SQL function.
  bool rows_stay_in_server = false;
  bool in_string = false;  // EXECUTE of a string constant: the text lies inside a literal
};

struct RoutineBody {
  // Parameter names and PL/pgSQL variables: a column reference that names one (and no
  // column of the query's tables) is a value the function passes in, not a column.
  std::vector<std::string> variables;
  std::vector<BodySql> sql;
  Span text;  // the body, between its quotes, in the file
  // Whether the body is dollar-quoted: text written into it then needs no escaping.
  bool dollar_quoted = false;
  std::string dollar_tag;  // "$$", "$_$", "$body$": text holding it would end the body
};

// The body of `stmt` (the root of a statement of `file_text`: a CreateFunctionStmt) when it
// is SQL or PL/pgSQL written as a string that lies verbatim in the file; nullopt otherwise (C,
// other languages, a BEGIN ATOMIC body, a body with quotes doubled inside '...'), and for a
// PL/pgSQL body that does not compile (PostgreSQL refuses the function). `statement` is the
// statement's text in the file.
std::optional<RoutineBody> routine_body(const Node& stmt, std::string_view file_text, Span statement);

// The body of a DO block (`stmt` a DoStmt of `file_text`) in PL/pgSQL, as routine_body reads
// a function's: its SQL statements, EXECUTE of a constant string among them, whether they run
// (an IF's branch) or not. nullopt for another language or a block that does not compile.
std::optional<RoutineBody> do_body(const Node& stmt, std::string_view file_text);

// The parameter names of a CREATE FUNCTION / PROCEDURE (its BEGIN ATOMIC body reads them).
std::vector<std::string> routine_parameters(const Node& stmt);

}  // namespace pglens::sql
