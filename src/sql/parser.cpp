#include "sql/parser.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace pglens::sql {
namespace {

constexpr size_t kChunkBytes = 4096;

// Trees deeper than this are not analysed: the rules walk trees recursively, and
// PostgreSQL's grammar builds a left-deep tree from `1+1+...+1` without limit. A real query
// is far shallower. A level takes at least one byte of text, so shorter statements are
// not measured.
constexpr size_t kMaxTreeDepth = 1000;

// Whether the tree under `root` goes deeper than kMaxTreeDepth levels. Iterative: the tree
// may be deeper than the stack allows a recursion to go.
bool too_deep(const Node& root) {
  std::vector<std::pair<Node, size_t>> pending{{root, 1}};
  while (!pending.empty()) {
    auto [node, depth] = pending.back();
    pending.pop_back();
    if (depth > kMaxTreeDepth) return true;
    for_each_child(node, [&, d = depth](const Node& child) { pending.emplace_back(child, d + 1); });
  }
  return false;
}

// The statement's tree from its RawStmt; a statement too deep to analyse is reported as one
// that does not parse.
void set_root(Statement& st, const void* raw_stmt, uint32_t base) {
  st.root = Node::wrapped(pgl_raw_stmt(raw_stmt), base);
  if (!st.root.id()) st.root = Node();  // a RawStmt without a statement
  if (!st.root || st.span.end - st.span.begin < kMaxTreeDepth || !too_deep(st.root)) return;
  st.root = Node();
  st.error = ParseError{"statement nested deeper than " + std::to_string(kMaxTreeDepth) +
                            " levels; pglens does not analyse it",
                        st.span.begin,
                        "PostgreSQL parses it, but so deep a tree (a chain of a thousand operators or "
                        "subqueries) is machine-written: write the chain as a list (IN (...), = ANY "
                        "(ARRAY[...]), a VALUES list, sum() over rows), or leave the file out of the lint.",
                        /*too_deep=*/true};
}

// libpg_query reports a 1-based character position; turn it into a byte offset.
uint32_t char_pos_to_byte(std::string_view text, int cursorpos) {
  if (cursorpos <= 1) return 0;
  int chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (++chars == cursorpos) return static_cast<uint32_t>(i);
    }
  }
  return static_cast<uint32_t>(text.size());
}

// What psql puts in place of a variable typed as is (`:var`): a value (`$1`, which
// PostgreSQL's grammar takes wherever a value goes), or, when the statement does not parse
// so, a name (`var`: `CREATE TABLE :tbl ...`). Last, the text as written, variables and all:
// psql leaves an undefined variable alone, and `JSON_OBJECT('k':v)` is SQL.
enum class RawVariableAs { value, name, written };

// The text PostgreSQL receives of the statements `spans` (of `text`), byte for byte where
// they are (so the tree's locations and the error positions stay those of the file): what
// lies between them (psql meta-commands, COPY data, comments, empty statements) blanked, a `;`
// where psql ended a statement without one (`\g`, `\;`), and psql's variables as what
// psql would put there: a literal for `:'var'`, an identifier for `:"var"`.
void server_text(std::string_view text, std::span<const StatementSpan> spans, RawVariableAs raw, std::string& out) {
  uint32_t begin = spans.front().span.begin;
  out.assign(text.substr(begin, spans.back().end - begin));
  for (size_t k = 0; k < spans.size(); ++k) {
    const StatementSpan& st = spans[k];
    if (k + 1 < spans.size() && st.end < spans[k + 1].span.begin) {
      char* gap = out.data() + (st.end - begin);
      std::memset(gap, ' ', spans[k + 1].span.begin - st.end);
      if (st.end == st.span.end) *gap = ';';
    }
    if (!st.psql_variables || raw == RawVariableAs::written) continue;
    for (const PsqlVariable& v : psql_variables(text, st)) {
      char* at = out.data() + (v.span.begin - begin);
      size_t len = v.span.end - v.span.begin;
      if (v.kind == PsqlVariable::Kind::raw && raw == RawVariableAs::value) {
        std::memset(at, ' ', len);
        std::memcpy(at, "$1", 2);
      } else {
        *at = ' ';  // `:'var'` -> ` 'var'`, `:"var"` -> ` "var"`, `:var` -> ` var`
      }
    }
  }
}

}  // namespace

// A parse whose tree lives until the next parse on the same Parser (or its end).
struct Parser::Impl {
  std::string buffer;
  PglParse last{};

  ~Impl() { pgl_free(&last); }

  // Parses the statements `spans` of `text` as one unit (as server_text() gives them). On
  // success returns the statements' List of RawStmt.
  bool parse_range(std::string_view text, std::span<const StatementSpan> spans, RawVariableAs raw,
                   const void*& stmts, ParseError& error) {
    pgl_free(&last);
    uint32_t begin = spans.front().span.begin, end = spans.back().end;
    server_text(text, spans, raw, buffer);
    // The tree's strings point into this text and reach JSON reports and snapshots, so a
    // caller that did not decode its text (decode_source) gets an error, not invalid names.
    if (!simdjson::validate_utf8(buffer)) {
      error.message = "not valid UTF-8 (pglens reads SQL as UTF-8; re-encode it, e.g. with iconv)";
      error.offset = begin;
      return false;
    }
    last = pgl_parse(buffer.c_str());
    if (last.error_message || !last.context) {
      error.message = last.error_message ? last.error_message : "syntax error";
      error.offset = begin + char_pos_to_byte(buffer, last.error_cursorpos);
      if (error.offset > end) error.offset = end;
      return false;
    }
    stmts = last.stmts;
    return true;
  }
};

namespace {

// Parses the statements in chunks, each chunk (or, when a chunk fails, each statement) with
// the parse `next_parse()` hands out, and calls `visit` for each statement while its tree
// lives in that parse.
template <class NextParse, class Visit>
void parse_statements(std::string_view text, const std::vector<StatementSpan>& spans, NextParse&& next_parse,
                      Visit&& visit) {
  size_t i = 0;
  while (i < spans.size()) {
    size_t j = i;
    uint32_t begin = spans[i].span.begin;
    // A chunk ends before the data of a COPY FROM stdin, which may be long.
    do { ++j; } while (j < spans.size() && spans[j - 1].end - begin < kChunkBytes && !spans[j - 1].copy_data);
    std::span<const StatementSpan> chunk(spans.data() + i, j - i);

    const void* stmts = nullptr;
    ParseError error;
    int parsed = 0;
    const void* const* cells = nullptr;
    if (next_parse().parse_range(text, chunk, RawVariableAs::value, stmts, error))
      cells = pgl_list_cells(stmts, &parsed);
    if (cells && static_cast<size_t>(parsed) == j - i) {
      for (size_t k = i; k < j; ++k) {
        Statement st;
        st.index = static_cast<uint32_t>(k);
        st.span = spans[k].span;
        st.end = spans[k].end;
        set_root(st, cells[k - i], begin);
        visit(st);
      }
    } else {
      // One at a time, so the error lands on its own statement.
      for (size_t k = i; k < j; ++k) {
        Statement st;
        st.index = static_cast<uint32_t>(k);
        st.span = spans[k].span;
        st.end = spans[k].end;
        const void* one = nullptr;
        ParseError e;
        std::span<const StatementSpan> alone(spans.data() + k, 1);
        bool parsed_alone = next_parse().parse_range(text, alone, RawVariableAs::value, one, e);
        ParseError ignored;  // the first error is the one reported
        for (auto raw : {RawVariableAs::name, RawVariableAs::written})
          if (!parsed_alone && spans[k].psql_variables)
            parsed_alone = next_parse().parse_range(text, alone, raw, one, ignored);
        if (parsed_alone) {
          int n = 0;
          const void* const* one_cell = pgl_list_cells(one, &n);
          if (n == 1) set_root(st, one_cell[0], spans[k].span.begin);
        } else {
          st.error = std::move(e);
        }
        visit(st);
      }
    }
    i = j;
  }
}

}  // namespace

Parser::Parser() : impl_(std::make_unique<Impl>()) {}
Parser::~Parser() = default;

void Parser::parse(std::string_view text, const std::vector<StatementSpan>& spans,
                   const std::function<void(const Statement&)>& visit) {
  parse_statements(text, spans, [&]() -> Impl& { return *impl_; }, visit);
}

ParsedStatements::ParsedStatements(std::string_view text, const std::vector<StatementSpan>& spans) {
  statements_.reserve(spans.size());
  parse_statements(
      text, spans, [&]() -> Parser::Impl& { return *parses_.emplace_back(std::make_unique<Parser::Impl>()); },
      [&](const Statement& st) { statements_.push_back(st); });
}
ParsedStatements::~ParsedStatements() = default;
ParsedStatements::ParsedStatements(ParsedStatements&&) noexcept = default;
ParsedStatements& ParsedStatements::operator=(ParsedStatements&&) noexcept = default;

std::optional<Node> Parser::parse_one(std::string_view sql, std::string* error) {
  // As one statement spanning the text; its tree lives until the next parse on this Parser.
  auto size = static_cast<uint32_t>(sql.size());
  std::optional<Node> root;
  parse(sql, {{{0, size}, size}}, [&](const Statement& st) {
    if (st.root) root = st.root;
    else if (st.error && error) *error = st.error->message;
  });
  return root;
}

}  // namespace pglens::sql
