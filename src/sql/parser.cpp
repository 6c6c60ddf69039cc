#include "sql/parser.hpp"

#include <simdjson.h>

#include <pthread.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace pglens::sql {
namespace {

constexpr size_t kChunkBytes = 4096;

// The rules walk trees recursively, and PostgreSQL's grammar builds a left-deep tree from
// `1+1+...+1` or a chain of UNION ALL without limit (machine-written SQL has thousands).
// Trees up to kMaxTreeDepth levels are walked on the caller's stack; deeper ones, up to
// kMaxDeepTreeDepth, on a thread of their own with a stack of kDeepStackBytes (reserved, not
// used: a page is only taken once touched); deeper still are reported and not analysed.
// PostgreSQL 15 itself, at its default max_stack_depth, runs a UNION ALL of 5,000 branches
// but not of 20,000, nor a sum of 5,000 terms ("stack depth limit exceeded").
// A level takes at least one byte of text, so shorter statements are not measured.
constexpr size_t kMaxTreeDepth = 1000;
constexpr size_t kMaxDeepTreeDepth = 20000;
constexpr size_t kDeepStackBytes = size_t{1} << 30;

// The depth of the tree under `root`, or `limit + 1` when it goes deeper than `limit`.
// Iterative: the tree may be deeper than the stack allows a recursion to go.
size_t tree_depth(const Node& root, size_t limit) {
  size_t deepest = 0;
  std::vector<std::pair<Node, size_t>> pending{{root, 1}};
  while (!pending.empty()) {
    auto [node, depth] = pending.back();
    pending.pop_back();
    deepest = std::max(deepest, depth);
    if (depth > limit) return depth;
    for_each_child(node, [&, d = depth](const Node& child) { pending.emplace_back(child, d + 1); });
  }
  return deepest;
}

void refuse_as_too_deep(Statement& st, size_t limit) {
  st.root = Node();
  st.error = ParseError{
      "statement nested deeper than " + std::to_string(limit) + " levels: too deep to analyze; pglens does not lint it",
      st.span.begin,
      "PostgreSQL's parser reads it, but so deep a tree (a chain of tens of thousands of "
      "operators or UNION branches) exceeds PostgreSQL's own default max_stack_depth when it "
      "runs; a list (IN (...), = ANY (ARRAY[...]), a VALUES list) is shallow.",
      /*too_deep=*/true};
}

// The statement's tree from its RawStmt. Returns whether it is deeper than the caller's
// stack allows walking (so it must be walked on a large stack); one deeper than `limit` is
// refused (reported, not analysed).
bool set_root(Statement& st, const void* raw_stmt, uint32_t base, size_t limit) {
  st.root = Node::wrapped(pgl_raw_stmt(raw_stmt), base);
  if (!st.root.id()) st.root = Node();  // a RawStmt without a statement
  if (!st.root || st.span.end - st.span.begin < kMaxTreeDepth) return false;
  size_t depth = tree_depth(st.root, limit);
  if (depth > limit) {
    refuse_as_too_deep(st, limit);
    return false;
  }
  return depth > kMaxTreeDepth;
}

// Runs `visit(st)` on a thread with a kDeepStackBytes stack and waits for it; false when no
// such thread could be made.
template <class Visit>
bool visit_on_large_stack(Visit& visit, const Statement& st) {
  struct Call {
    Visit* visit;
    const Statement* st;
    std::exception_ptr error;
  } call{&visit, &st, nullptr};
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return false;
  pthread_t thread;
  bool made = pthread_attr_setstacksize(&attr, kDeepStackBytes) == 0 &&
      pthread_create(
          &thread, &attr,
          [](void* p) -> void* {
            auto* c = static_cast<Call*>(p);
            try {
              (*c->visit)(*c->st);
            } catch (...) { c->error = std::current_exception(); }
            return nullptr;
          },
          &call) == 0;
  pthread_attr_destroy(&attr);
  if (!made) return false;
  pthread_join(thread, nullptr);
  if (call.error) std::rethrow_exception(call.error);
  return true;
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
  bool parse_range(std::string_view text, std::span<const StatementSpan> spans, RawVariableAs raw, const void*& stmts,
                   ParseError& error) {
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
// lives in that parse. With `large_stack`, a statement too deep for the caller's stack is
// visited on a large one; without, it is refused as too deep.
template <class NextParse, class Visit>
void parse_statements(std::string_view text, const std::vector<StatementSpan>& spans, NextParse&& next_parse,
                      Visit&& visit, bool large_stack) {
  const size_t limit = large_stack ? kMaxDeepTreeDepth : kMaxTreeDepth;
  auto deliver = [&](Statement& st, bool deep) {
    if (deep && !visit_on_large_stack(visit, st)) {
      refuse_as_too_deep(st, kMaxTreeDepth);
      deep = false;
    }
    if (!deep) visit(st);
  };
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
        deliver(st, set_root(st, cells[k - i], begin, limit));
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
        bool deep = false;
        if (parsed_alone) {
          int n = 0;
          const void* const* one_cell = pgl_list_cells(one, &n);
          if (n == 1) deep = set_root(st, one_cell[0], spans[k].span.begin, limit);
        } else {
          st.error = std::move(e);
        }
        deliver(st, deep);
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
  parse_statements(
      text, spans, [&]() -> Impl& { return *impl_; }, visit, /*large_stack=*/true);
}

ParsedStatements::ParsedStatements(std::string_view text, const std::vector<StatementSpan>& spans) {
  statements_.reserve(spans.size());
  parse_statements(
      text, spans, [&]() -> Parser::Impl& { return *parses_.emplace_back(std::make_unique<Parser::Impl>()); },
      [&](const Statement& st) { statements_.push_back(st); },
      // Read later by a caller on its own stack: only trees it can walk.
      /*large_stack=*/false);
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
