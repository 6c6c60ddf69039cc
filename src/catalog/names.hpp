// SQL text of catalog facts: identifiers, canonical expressions, type names, and the
// names PostgreSQL chooses for unnamed constraints and indexes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/ast.hpp"

namespace pglens::catalog {

// `name` as an identifier: bare when it is lower-case and not a reserved word, else quoted.
std::string quote_ident(std::string_view name);
// The same, appended to `out`.
void append_quoted_ident(std::string& out, std::string_view name);

// An index key expression as CREATE INDEX needs it: a function call bare, anything else
// in parentheses.
std::string expression_key_text(std::string_view expression);

// Canonical text of an expression: operators spaced, nested operations parenthesised,
// casts on constants dropped (PostgreSQL adds them when it prints an expression back).
// With `unqualified`, column references lose their table qualifier (`o.email` -> `email`), as
// in an index expression.
std::string deparse(const sql::Node& node, bool unqualified = false);
// The same when the text is SQL that means the expression; nullopt when some part of it has
// no SQL form here (a subquery, a node kind this does not write, a tree too deep), which then
// never goes into an index or a rewrite.
std::optional<std::string> deparse_exact(const sql::Node& node, bool unqualified = false);

// Whether canonical expression text mentions `identifier` as a whole word outside strings.
bool mentions_identifier(std::string_view text, std::string_view identifier);

// A TypeName as format_type() prints it: "bigint", "character varying(20)", "text[]".
std::string type_name(const sql::Node& type_name_node);

// Dotted name of a String list ("public.orders") split into schema and name.
struct QualifiedName {
  std::string schema, name;
};
QualifiedName qualified(const sql::List& names);

// PostgreSQL's choice of name for an unnamed object: <table>_<cols>_<suffix>, each part
// truncated so the whole fits in 63 bytes ("orders_customer_id_fkey", "orders_pkey").
std::string choose_name(std::string_view table, const std::vector<std::string>& columns, std::string_view suffix);
// The same name appended to `out` (a buffer the caller reuses).
void append_chosen_name(std::string& out, std::string_view table, const std::vector<std::string>& columns,
                        std::string_view suffix);

}  // namespace pglens::catalog
