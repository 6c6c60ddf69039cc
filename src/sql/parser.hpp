// Parses SQL text statement by statement with libpg_query's raw parser; sql::Node reads
// PostgreSQL's parse tree where it lies (no JSON is written or read: bench/).
// Statements are parsed in chunks of a few KiB: cheaper per byte than one call per
// statement or per file (bench/), and a chunk that fails is re-parsed statement by
// statement so one broken statement never hides the others.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sql/ast.hpp"
#include "sql/lexer.hpp"

namespace pglens::sql {

struct ParseError {
  std::string message;
  uint32_t offset = 0;    // byte offset in the file
  std::string help;       // what to do, when it is not "fix the syntax"
  bool too_deep = false;  // PostgreSQL parsed it, but its tree is too deep for pglens to walk
};

struct Statement {
  uint32_t index = 0;  // 0-based position among the file's statements
  Span span;           // without the terminating `;`
  uint32_t end = 0;    // one past the `;` when present
  Node root;           // {"SelectStmt": {...}}; invalid when the statement did not parse
                       // or holds no statement
  std::optional<ParseError> error;
  // A statement of a function's body (sql/routine_body.hpp): it runs on every call, in a
  // migration too. In a PL/pgSQL body, PL/pgSQL may read its rows itself (SELECT ... INTO,
  // PERFORM, a FOR loop): then none of them reaches the caller.
  bool in_function_body = false;
  bool rows_stay_in_server = false;
};

class Parser {
 public:
  Parser();
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Calls `visit` for each statement in order. A statement's tree lives only during its call.
  // The trees and errors are those of each statement parsed alone, so a caller may parse
  // any run of consecutive statements (an editor re-parsing the ones an edit changed);
  // `index` counts from the first statement given.
  void parse(std::string_view text, const std::vector<StatementSpan>& statements,
             const std::function<void(const Statement&)>& visit);

  // Parses one self-contained SQL snippet (an expression from a plan, a Filter ...);
  // the tree stays valid until the next call on this Parser.
  std::optional<Node> parse_one(std::string_view sql, std::string* error = nullptr);

  struct Impl;  // one parse and its memory

 private:
  std::unique_ptr<Impl> impl_;
};

// Statements parsed now and read later, perhaps on another thread (a schema loader applies
// one file's DDL while the next file is parsed): the trees and errors are Parser::parse's,
// and they live as long as this does. libpg_query's memory belongs to the thread that
// parsed, so destroy this on that thread.
class ParsedStatements {
 public:
  ParsedStatements(std::string_view text, const std::vector<StatementSpan>& statements);
  ~ParsedStatements();
  ParsedStatements(ParsedStatements&&) noexcept;
  ParsedStatements& operator=(ParsedStatements&&) noexcept;

  const std::vector<Statement>& statements() const { return statements_; }

 private:
  std::vector<std::unique_ptr<Parser::Impl>> parses_;
  std::vector<Statement> statements_;
};

}  // namespace pglens::sql
