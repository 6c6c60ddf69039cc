// Parses SQL text statement by statement with libpg_query (JSON output, read by simdjson).
// Statements are parsed in chunks of a few KiB: cheaper per byte than one call per
// statement or per file (bench/), and a chunk that fails is re-parsed statement by
// statement so one broken statement never hides the others.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sql/ast.hpp"
#include "sql/lexer.hpp"

namespace pglens::sql {

struct ParseError {
  std::string message;
  uint32_t offset = 0;  // byte offset in the file
};

struct Statement {
  uint32_t index = 0;       // 0-based position among the file's statements
  Span span;                // without the terminating `;`
  uint32_t end = 0;         // one past the `;` when present
  Node root;                // {"SelectStmt": {...}}; invalid when the statement did not parse
  std::optional<ParseError> error;
};

// The parse of each statement of a document by its text, kept from one Parser::parse of
// the document to the next: after a small edit libpg_query runs only on the statements
// that changed (the rest is read again from their JSON). Holds the statements of the last
// parse only. One per document, used by one thread at a time.
class ParseCache {
 public:
  size_t size() const { return previous_.size(); }

 private:
  friend class Parser;
  struct Entry {
    std::string json;                // libpg_query's output for the statement alone
    std::optional<ParseError> error;  // its offset relative to the statement's start
  };
  // Looked up by the statement's text in place, without a copy.
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  using Map = std::unordered_map<std::string, Entry, TextHash, std::equal_to<>>;
  Map previous_, current_;
};

class Parser {
 public:
  Parser();
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Calls `visit` for each statement in order. A statement's tree lives only during its call.
  // With a cache, each statement is parsed on its own (same trees, same errors) and only
  // when the cache does not hold its text.
  void parse(std::string_view text, const std::vector<StatementSpan>& statements,
             const std::function<void(const Statement&)>& visit, ParseCache* cache = nullptr);

  // Parses one self-contained SQL snippet (an expression from a plan, a Filter ...);
  // the tree stays valid until the next call on this Parser.
  std::optional<Node> parse_one(std::string_view sql, std::string* error = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pglens::sql
