#include "sql/parser.hpp"

#include <algorithm>

namespace pglens::sql {
namespace {

constexpr size_t kChunkBytes = 4096;

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

}  // namespace

// A parse whose tree lives until the next parse on the same Parser (or its end).
struct Parser::Impl {
  std::string buffer;
  PglParse last{};

  ~Impl() { pgl_free(&last); }

  // Parses text[begin, end) as one unit. On success returns the statements' List of RawStmt.
  bool parse_range(std::string_view text, uint32_t begin, uint32_t end, const void*& stmts, ParseError& error) {
    pgl_free(&last);
    buffer.assign(text.substr(begin, end - begin));
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

Parser::Parser() : impl_(std::make_unique<Impl>()) {}
Parser::~Parser() = default;

void Parser::parse(std::string_view text, const std::vector<StatementSpan>& spans,
                   const std::function<void(const Statement&)>& visit) {
  size_t i = 0;
  while (i < spans.size()) {
    size_t j = i;
    uint32_t begin = spans[i].span.begin;
    do { ++j; } while (j < spans.size() && spans[j - 1].end - begin < kChunkBytes);
    uint32_t end = spans[j - 1].end;

    const void* stmts = nullptr;
    ParseError error;
    bool ok = impl_->parse_range(text, begin, end, stmts, error);
    List raw(stmts, begin);
    if (ok && raw.size() == j - i) {
      int n = 0;
      const void* const* cells = pgl_list_cells(stmts, &n);
      for (size_t k = i; k < j; ++k) {
        Statement st;
        st.index = static_cast<uint32_t>(k);
        st.span = spans[k].span;
        st.end = spans[k].end;
        st.root = Node::wrapped(pgl_raw_stmt(cells[k - i]), begin);
        if (!st.root.id()) st.root = Node();
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
        if (impl_->parse_range(text, spans[k].span.begin, spans[k].end, one, e)) {
          int n = 0;
          const void* const* cells = pgl_list_cells(one, &n);
          if (n == 1) st.root = Node::wrapped(pgl_raw_stmt(cells[0]), spans[k].span.begin);
          if (!st.root.id()) st.root = Node();
        } else {
          st.error = std::move(e);
        }
        visit(st);
      }
    }
    i = j;
  }
}

std::optional<Node> Parser::parse_one(std::string_view sql, std::string* error) {
  const void* stmts = nullptr;
  ParseError e;
  if (!impl_->parse_range(sql, 0, static_cast<uint32_t>(sql.size()), stmts, e)) {
    if (error) *error = e.message;
    return std::nullopt;
  }
  int n = 0;
  const void* const* cells = pgl_list_cells(stmts, &n);
  if (n != 1) return std::nullopt;
  Node root = Node::wrapped(pgl_raw_stmt(cells[0]), 0);
  if (!root.id()) return std::nullopt;
  return root;
}

}  // namespace pglens::sql
