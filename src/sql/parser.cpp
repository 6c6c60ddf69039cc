#include "sql/parser.hpp"

#include <pg_query.h>

#include <algorithm>

namespace pglens::sql {
namespace {

constexpr size_t kChunkBytes = 4096;
constexpr size_t kMaxDepth = 10000;

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

struct PgResult {
  PgQueryParseResult r;
  explicit PgResult(const std::string& s) : r(pg_query_parse(s.c_str())) {}
  ~PgResult() { pg_query_free_parse_result(r); }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
};

}  // namespace

struct Parser::Impl {
  simdjson::dom::parser json{};
  std::string buffer;

  // Deep enough for any statement libpg_query accepts (its own stack limit stops first).
  // Deep enough for any statement libpg_query accepts (its own stack-depth check stops first);
  // the walk that follows recurses once per level, well within a thread's stack.
  Impl() {
    if (json.allocate(1 << 16, kMaxDepth) != simdjson::SUCCESS) throw std::bad_alloc();
  }

  // Parses text[begin, end) as one unit. On success returns the `stmts` array.
  bool parse_range(std::string_view text, uint32_t begin, uint32_t end, simdjson::dom::array& stmts,
                   ParseError& error) {
    buffer.assign(text.substr(begin, end - begin));
    PgResult res(buffer);
    if (res.r.error) {
      error.message = res.r.error->message ? res.r.error->message : "syntax error";
      error.offset = begin + char_pos_to_byte(buffer, res.r.error->cursorpos);
      if (error.offset > end) error.offset = end;
      return false;
    }
    return read_json(res.r.parse_tree, std::strlen(res.r.parse_tree), begin, stmts, error);
  }

  bool read_json(const char* data, size_t size, uint32_t begin, simdjson::dom::array& stmts, ParseError& error) {
    simdjson::dom::element doc;
    auto err = json.parse(data, size).get(doc);
    if (err) {
      error.message = std::string("statement too deeply nested to analyse (") + simdjson::error_message(err) + ")";
      error.offset = begin;
      return false;
    }
    if (doc["stmts"].get_array().get(stmts)) stmts = simdjson::dom::array();
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

    simdjson::dom::array stmts;
    ParseError error;
    bool ok = impl_->parse_range(text, begin, end, stmts, error);
    if (ok && stmts.size() == j - i) {
      size_t k = i;
      for (simdjson::dom::element s : stmts) {
        Statement st;
        st.index = static_cast<uint32_t>(k);
        st.span = spans[k].span;
        st.end = spans[k].end;
        simdjson::dom::element stmt;
        if (!s["stmt"].get(stmt)) st.root = Node(stmt, begin);
        visit(st);
        ++k;
      }
    } else {
      // One at a time, so the error lands on its own statement.
      for (size_t k = i; k < j; ++k) {
        Statement st;
        st.index = static_cast<uint32_t>(k);
        st.span = spans[k].span;
        st.end = spans[k].end;
        simdjson::dom::array one;
        ParseError e;
        if (impl_->parse_range(text, spans[k].span.begin, spans[k].end, one, e)) {
          simdjson::dom::element stmt;
          if (one.size() == 1 && !one.at(0)["stmt"].get(stmt)) st.root = Node(stmt, spans[k].span.begin);
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
  simdjson::dom::array stmts;
  ParseError e;
  if (!impl_->parse_range(sql, 0, static_cast<uint32_t>(sql.size()), stmts, e)) {
    if (error) *error = e.message;
    return std::nullopt;
  }
  simdjson::dom::element stmt;
  if (stmts.size() != 1 || stmts.at(0)["stmt"].get(stmt)) return std::nullopt;
  return Node(stmt, 0);
}

}  // namespace pglens::sql
