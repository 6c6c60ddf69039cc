#include "sql/lexer.hpp"

#include <array>
#include <cstdint>
#include <cstring>

namespace pglens::sql {
namespace {

// Byte classes, looked up once per byte on the hot path.
enum : uint8_t { kIdentStart = 1, kIdentChar = 2, kSpace = 4 };
constexpr std::array<uint8_t, 256> make_classes() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    bool start = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
    bool part = start || (c >= '0' && c <= '9') || c == '$';
    t[c] = static_cast<uint8_t>((start ? kIdentStart : 0) | (part ? kIdentChar : 0));
  }
  for (int c : {' ', '\t', '\n', '\r', '\f', '\v'}) t[c] = kSpace;
  return t;
}
constexpr std::array<uint8_t, 256> kClasses = make_classes();
bool is_ident_start(unsigned char c) { return kClasses[c] & kIdentStart; }
bool is_ident_char(unsigned char c) { return kClasses[c] & kIdentChar; }

bool word_is(std::string_view text, size_t at, std::string_view word) {
  if (at + word.size() > text.size()) return false;
  for (size_t i = 0; i < word.size(); ++i)
    if ((static_cast<unsigned char>(text[at + i]) | 0x20) != static_cast<unsigned char>(word[i])) return false;
  return at + word.size() == text.size() || !is_ident_char(static_cast<unsigned char>(text[at + word.size()]));
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : t_(text), n_(text.size()) {}

  Lexed run() {
    while (i_ < n_) {
      unsigned char c = static_cast<unsigned char>(t_[i_]);
      if (kClasses[c] & kSpace) {
        ++i_;
        continue;
      }
      switch (c) {
        case '-':
          if (i_ + 1 < n_ && t_[i_ + 1] == '-') { line_comment(); continue; }
          break;
        case '/':
          if (i_ + 1 < n_ && t_[i_ + 1] == '*') { block_comment(); continue; }
          break;
        case '\\':
          // A psql meta-command (\set, \i, \connect ...) at the start of a statement.
          if (!in_statement_) { skip_to_eol(); continue; }
          break;
        case ';':
          if (paren_depth_ == 0 && atomic_depth_ == 0) { end_statement(i_ + 1); ++i_; continue; }
          break;
        case '(':
          ++paren_depth_;
          break;
        case ')':
          if (paren_depth_ > 0) --paren_depth_;
          break;
        case '\'': {
          bool escapes = i_ > 0 && (t_[i_ - 1] | 0x20) == 'e' &&
                         (i_ < 2 || !is_ident_char(static_cast<unsigned char>(t_[i_ - 2])));
          token_begin();
          quoted('\'', escapes);
          continue;
        }
        case '"':
          token_begin();
          quoted('"', false);
          continue;
        case '$':
          if (!(i_ > 0 && is_ident_char(static_cast<unsigned char>(t_[i_ - 1]))) && dollar_quote()) continue;
          break;
        default:
          if (is_ident_start(c) && (i_ == 0 || !is_ident_char(static_cast<unsigned char>(t_[i_ - 1])))) {
            word();
            continue;
          }
          break;
      }
      token_begin();
      ++i_;
      last_token_end_ = static_cast<uint32_t>(i_);
    }
    end_statement(n_);
    return std::move(out_);
  }

 private:
  void token_begin() {
    if (!in_statement_) {
      in_statement_ = true;
      stmt_begin_ = static_cast<uint32_t>(i_);
    }
  }

  void end_statement(size_t end) {
    if (in_statement_) out_.statements.push_back({{stmt_begin_, last_token_end_}, static_cast<uint32_t>(end)});
    in_statement_ = false;
    paren_depth_ = 0;
    atomic_depth_ = 0;
    after_begin_ = false;
  }

  bool own_line(size_t at) const {
    while (at > 0) {
      char p = t_[at - 1];
      if (p == '\n') return true;
      if (p != ' ' && p != '\t' && p != '\r') return false;
      --at;
    }
    return true;
  }

  void line_comment() {
    size_t b = i_;
    skip_to_eol();
    out_.comments.push_back({{static_cast<uint32_t>(b), static_cast<uint32_t>(i_)}, own_line(b)});
  }

  void skip_to_eol() {
    const void* nl = std::memchr(t_.data() + i_, '\n', n_ - i_);
    i_ = nl ? static_cast<size_t>(static_cast<const char*>(nl) - t_.data()) : n_;
    // keep a trailing \r out of the comment
    if (i_ > 0 && i_ <= n_ && t_[i_ - 1] == '\r' && nl) --i_;
  }

  void block_comment() {  // nested, as PostgreSQL allows
    size_t b = i_;
    int depth = 0;
    while (i_ < n_) {
      if (t_[i_] == '/' && i_ + 1 < n_ && t_[i_ + 1] == '*') { ++depth; i_ += 2; continue; }
      if (t_[i_] == '*' && i_ + 1 < n_ && t_[i_ + 1] == '/') {
        i_ += 2;
        if (--depth == 0) break;
        continue;
      }
      ++i_;
    }
    if (depth > 0) {
      // Unterminated: make it part of a statement so the parser reports it.
      size_t at = i_;
      i_ = b;
      token_begin();
      i_ = at;
      last_token_end_ = static_cast<uint32_t>(i_);
    }
    out_.comments.push_back({{static_cast<uint32_t>(b), static_cast<uint32_t>(i_)}, own_line(b)});
  }

  void quoted(char q, bool backslash_escapes) {
    ++i_;
    while (i_ < n_) {
      const void* hit = backslash_escapes ? nullptr : std::memchr(t_.data() + i_, q, n_ - i_);
      if (!backslash_escapes) {
        if (!hit) { i_ = n_; break; }
        i_ = static_cast<size_t>(static_cast<const char*>(hit) - t_.data());
      }
      char c = t_[i_];
      if (backslash_escapes && c == '\\') { i_ += 2; continue; }
      if (c == q) {
        if (i_ + 1 < n_ && t_[i_ + 1] == q) { i_ += 2; continue; }
        ++i_;
        break;
      }
      ++i_;
    }
    if (i_ > n_) i_ = n_;
    last_token_end_ = static_cast<uint32_t>(i_);
  }

  bool dollar_quote() {
    size_t j = i_ + 1;
    if (j < n_ && t_[j] != '$') {
      if (!is_ident_start(static_cast<unsigned char>(t_[j])) ) return false;
      while (j < n_ && is_ident_char(static_cast<unsigned char>(t_[j])) && t_[j] != '$') ++j;
      if (j >= n_ || t_[j] != '$') return false;
    }
    if (j >= n_) return false;
    std::string_view tag = t_.substr(i_, j - i_ + 1);
    token_begin();
    size_t body = j + 1;
    size_t close = t_.find(tag, body);
    i_ = close == std::string_view::npos ? n_ : close + tag.size();
    last_token_end_ = static_cast<uint32_t>(i_);
    return true;
  }

  void word() {
    token_begin();
    size_t b = i_;
    while (i_ < n_ && is_ident_char(static_cast<unsigned char>(t_[i_]))) ++i_;
    last_token_end_ = static_cast<uint32_t>(i_);
    size_t len = i_ - b;
    // SQL-standard function bodies: BEGIN ATOMIC ... END may hold `;`. Track BEGIN/CASE/END.
    if (len == 6 && after_begin_ && word_is(t_, b, "atomic")) {
      ++atomic_depth_;
      after_begin_ = false;
      return;
    }
    after_begin_ = len == 5 && word_is(t_, b, "begin");
    if (atomic_depth_ > 0) {
      if ((len == 5 && after_begin_) || (len == 4 && word_is(t_, b, "case"))) ++atomic_depth_;
      else if (len == 3 && word_is(t_, b, "end")) --atomic_depth_;
    }
  }

  std::string_view t_;
  size_t n_;
  size_t i_ = 0;
  bool in_statement_ = false;
  uint32_t stmt_begin_ = 0;
  uint32_t last_token_end_ = 0;
  int paren_depth_ = 0;
  int atomic_depth_ = 0;
  bool after_begin_ = false;
  Lexed out_;
};

}  // namespace

Lexed lex(std::string_view text) { return Lexer(text).run(); }

uint32_t token_end(std::string_view text, uint32_t offset) {
  size_t i = offset, n = text.size();
  if (i >= n) return static_cast<uint32_t>(n);
  for (;;) {
    if (i >= n) break;
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"') {
      ++i;
      while (i < n && !(text[i] == '"' && !(i + 1 < n && text[i + 1] == '"'))) i += (text[i] == '"') ? 2 : 1;
      if (i < n) ++i;
    } else if (c == '\'' && i == offset) {  // a string literal, '' inside it being a quote
      ++i;
      while (i < n && !(text[i] == '\'' && !(i + 1 < n && text[i + 1] == '\''))) i += (text[i] == '\'') ? 2 : 1;
      if (i < n) ++i;
      break;
    } else if (is_ident_char(c)) {
      while (i < n && is_ident_char(static_cast<unsigned char>(text[i]))) ++i;
    } else if (c == '*') {
      ++i;
      break;
    } else {
      if (i == offset) ++i;
      break;
    }
    if (i < n && text[i] == '.') { ++i; continue; }
    break;
  }
  return static_cast<uint32_t>(i);
}

}  // namespace pglens::sql
