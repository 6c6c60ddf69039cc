#include "sql/lexer.hpp"

#include <algorithm>
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

// Where a lex of an edited text may stop and take the rest from the lex of the text before
// the edit: at the end of a statement whose `;` lies in the unchanged tail, when the old
// lex ended a statement at the same place (from there both see the same text in the same
// state).
struct Resync {
  const Lexed* before = nullptr;
  size_t tail_from = 0;  // the unchanged tail of the new text starts here
  size_t old_size = 0;
  int64_t delta = 0;    // new size - old size
  size_t next_old = 0;  // the first old statement not yet passed
  bool found = false;
  size_t old_statement = 0;  // when found: the old statement ending where the new lex stopped
};

class Lexer {
 public:
  explicit Lexer(std::string_view text, size_t from = 0, Resync* resync = nullptr,
                 std::vector<PsqlVariable>* variables = nullptr)
      : t_(text), n_(text.size()), i_(from), resync_(resync), variables_(variables) {}

  // Lexes to the end of the text, or until `resync` finds the old lex agreeing (then
  // resync->found is set and the returned lex ends with the statement where they agree).
  Lexed run() {
    while (i_ < n_) {
      unsigned char c = static_cast<unsigned char>(t_[i_]);
      if (kClasses[c] & kSpace) {
        // A run of whitespace (indentation) in one loop, in locals.
        const char* text = t_.data();
        size_t i = i_ + 1;
        while (i < n_ && (kClasses[static_cast<unsigned char>(text[i])] & kSpace)) ++i;
        i_ = i;
        continue;
      }
      switch (c) {
        case '-':
          if (i_ + 1 < n_ && t_[i_ + 1] == '-') {
            line_comment();
            continue;
          }
          break;
        case '/':
          if (i_ + 1 < n_ && t_[i_ + 1] == '*') {
            block_comment();
            continue;
          }
          break;
        case '\\': psql_backslash(); continue;
        case ';':
          if (paren_depth_ == 0 && atomic_depth_ == 0) {
            bool had_statement = in_statement_;
            bool copy_in = copy_state_ == kCopyFromStdin;
            end_statement(i_ + 1);
            ++i_;
            if (copy_in) {
              skip_copy_data();
              continue;
            }
            if (had_statement && resync_ && agrees_with_old()) return std::move(out_);
            continue;
          }
          break;
        case '(': ++paren_depth_; break;
        case ')':
          if (paren_depth_ > 0) --paren_depth_;
          break;
        case '[': ++bracket_depth_; break;
        case ']':
          if (bracket_depth_ > 0) --bracket_depth_;
          break;
        case ':':
          if (psql_variable()) continue;
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
  // Whether the old lex ended a statement with the `;` just passed (in the unchanged tail).
  bool agrees_with_old() {
    Resync& r = *resync_;
    if (i_ - 1 < r.tail_from) return false;
    int64_t old_end = static_cast<int64_t>(i_) - r.delta;
    const auto& old = r.before->statements;
    while (r.next_old < old.size() && static_cast<int64_t>(old[r.next_old].end) < old_end) ++r.next_old;
    // One ending before the end of the old text was ended by a `;`.
    // One ending before the end of the old text was ended by a `;`; after a COPY's `;` the
    // lexer was reading data, not statements.
    if (r.next_old == old.size() || static_cast<int64_t>(old[r.next_old].end) != old_end ||
        old[r.next_old].end >= r.old_size || old[r.next_old].copy_data)
      return false;
    r.found = true;
    r.old_statement = r.next_old;
    return true;
  }

  void token_begin() {
    if (!in_statement_) {
      in_statement_ = true;
      stmt_begin_ = static_cast<uint32_t>(i_);
    }
  }

  void end_statement(size_t end) {
    if (in_statement_)
      out_.statements.push_back(
          {{stmt_begin_, last_token_end_}, static_cast<uint32_t>(end), has_variables_, copy_state_ == kCopyFromStdin});
    in_statement_ = false;
    paren_depth_ = 0;
    bracket_depth_ = 0;
    atomic_depth_ = 0;
    after_begin_ = false;
    has_variables_ = false;
    copy_state_ = kNotCopy;
  }

  // A backslash outside quotes and comments: psql's, never the server's. `\;` ends the
  // statement (psql sends the statements it separates together, the server runs them one by
  // one); any other is a meta-command, whose arguments run to the end of the line: it ends
  // the statement before it (`\g`, `\gset`, `\gexec`, `\watch`, `\crosstabview` ... send
  // it; the others leave it to the next `;`, but a statement cut there is what a script
  // means far more often than one continued across `\echo`).
  void psql_backslash() {
    if (i_ + 1 < n_ && t_[i_ + 1] == ';') {
      end_statement(last_token_end_);
      i_ += 2;
      return;
    }
    end_statement(last_token_end_);
    size_t command = i_ + 1;
    skip_to_eol();
    if (meta_copy_from_stdin(t_.substr(command, i_ - command))) skip_copy_data();
  }

  // Whether a meta-command line (without its backslash) is `\copy ... from stdin`: psql
  // then reads the data from the script itself, up to `\.`.
  static bool meta_copy_from_stdin(std::string_view line) {
    if (line.size() < 4 || line.substr(0, 4) != "copy" ||
        (line.size() > 4 && is_ident_char(static_cast<unsigned char>(line[4]))))
      return false;
    bool after_from = false;
    for (size_t i = 4; i < line.size();) {
      if (!is_ident_start(static_cast<unsigned char>(line[i]))) {
        if (line[i] != ' ' && line[i] != '\t') after_from = false;
        ++i;
        continue;
      }
      size_t b = i;
      while (i < line.size() && is_ident_char(static_cast<unsigned char>(line[i]))) ++i;
      if (after_from && word_is(line, b, "stdin")) return true;
      after_from = word_is(line, b, "from");
    }
    return false;
  }

  // The data of a COPY FROM stdin: the lines after the current one, up to and including the
  // line `\.` (or the end of the text).
  void skip_copy_data() {
    const char* text = t_.data();
    while (i_ < n_) {
      const void* nl = std::memchr(text + i_, '\n', n_ - i_);
      if (!nl) {
        i_ = n_;
        return;
      }
      i_ = static_cast<size_t>(static_cast<const char*>(nl) - text) + 1;
      size_t line_end = i_;
      while (line_end < n_ && text[line_end] != '\n') ++line_end;
      size_t len = line_end - i_;
      if (len > 0 && text[line_end - 1] == '\r') --len;
      if (len == 2 && text[i_] == '\\' && text[i_ + 1] == '.') {
        i_ = line_end;
        return;
      }
    }
  }

  // `:name`, `:'name'` or `:"name"` (psql's variables) where psql would substitute one:
  // not in a cast `::`, an assignment `:=`, or an array subscript `a[1:n]`.
  bool psql_variable() {
    if (bracket_depth_ > 0 || (i_ > 0 && t_[i_ - 1] == ':') || i_ + 1 >= n_) return false;
    size_t b = i_, j = i_ + 1;
    auto kind = PsqlVariable::Kind::raw;
    char quote = t_[j];
    if (quote == '\'' || quote == '"') {
      kind = quote == '\'' ? PsqlVariable::Kind::literal : PsqlVariable::Kind::identifier;
      ++j;
    }
    size_t name = j;
    if (name >= n_ || !is_ident_start(static_cast<unsigned char>(t_[name]))) return false;
    while (j < n_ && is_ident_char(static_cast<unsigned char>(t_[j])) && t_[j] != '$') ++j;
    if (kind != PsqlVariable::Kind::raw) {
      if (j >= n_ || t_[j] != quote) return false;
      ++j;
    }
    token_begin();
    has_variables_ = true;
    if (variables_) variables_->push_back({{static_cast<uint32_t>(b), static_cast<uint32_t>(j)}, kind});
    i_ = j;
    last_token_end_ = static_cast<uint32_t>(i_);
    return true;
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
      if (t_[i_] == '/' && i_ + 1 < n_ && t_[i_ + 1] == '*') {
        ++depth;
        i_ += 2;
        continue;
      }
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
        if (!hit) {
          i_ = n_;
          break;
        }
        i_ = static_cast<size_t>(static_cast<const char*>(hit) - t_.data());
      }
      char c = t_[i_];
      if (backslash_escapes && c == '\\') {
        i_ += 2;
        continue;
      }
      if (c == q) {
        if (i_ + 1 < n_ && t_[i_ + 1] == q) {
          i_ += 2;
          continue;
        }
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
      if (!is_ident_start(static_cast<unsigned char>(t_[j]))) return false;
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
    bool first = b == stmt_begin_;
    // In locals: the members would be read again for every byte.
    const char* text = t_.data();
    size_t i = i_;
    while (i < n_ && is_ident_char(static_cast<unsigned char>(text[i]))) ++i;
    i_ = i;
    last_token_end_ = static_cast<uint32_t>(i_);
    size_t len = i_ - b;
    // COPY ... FROM stdin: psql sends the data that follows the statement.
    if (first) copy_state_ = len == 4 && word_is(t_, b, "copy") ? kCopy : kNotCopy;
    else if (copy_state_ != kNotCopy && paren_depth_ == 0) track_copy(b, len);
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

  void track_copy(size_t b, size_t len) {
    if (copy_state_ == kCopyFrom && len == 5 && word_is(t_, b, "stdin")) copy_state_ = kCopyFromStdin;
    else if (copy_state_ != kCopyFromStdin) copy_state_ = len == 4 && word_is(t_, b, "from") ? kCopyFrom : kCopy;
  }

  // How far a statement is known to be a COPY ... FROM stdin.
  enum CopyState : uint8_t { kNotCopy, kCopy, kCopyFrom, kCopyFromStdin };

  std::string_view t_;
  size_t n_;
  size_t i_ = 0;
  Resync* resync_ = nullptr;
  std::vector<PsqlVariable>* variables_ = nullptr;
  int bracket_depth_ = 0;
  bool has_variables_ = false;
  CopyState copy_state_ = kNotCopy;
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

std::vector<PsqlVariable> psql_variables(std::string_view text, const StatementSpan& statement) {
  std::vector<PsqlVariable> out;
  if (!statement.psql_variables) return out;
  // The statement alone, lexed from its start as the whole text was there.
  Lexer(text.substr(0, statement.span.end), statement.span.begin, nullptr, &out).run();
  return out;
}

Relexed relex(std::string_view text, const Lexed& before, size_t old_size, size_t same_prefix, size_t same_suffix) {
  same_prefix = std::min({same_prefix, old_size, text.size()});
  same_suffix = std::min(same_suffix, std::min(old_size, text.size()) - same_prefix);
  const auto& old = before.statements;
  // Resume after the last old statement ended by a `;` (so before the end of the old text)
  // inside the unchanged head: the lexer is in its initial state there, and nothing before
  // it looked past it.
  size_t front = static_cast<size_t>(std::upper_bound(old.begin(), old.end(), same_prefix,
                                                      [](size_t at, const StatementSpan& st) { return at < st.end; }) -
                                     old.begin());
  if (front > 0 && old[front - 1].end >= old_size) --front;
  // Not after a COPY FROM stdin (its data follows) nor after a statement ended by a psql
  // meta-command, whose line the lexer reads again.
  while (front > 0 && (old[front - 1].copy_data || old[front - 1].end == old[front - 1].span.end)) --front;
  uint32_t from = front ? old[front - 1].end : 0;
  Resync resync;
  resync.before = &before;
  resync.tail_from = text.size() - same_suffix;
  resync.old_size = old_size;
  resync.delta = static_cast<int64_t>(text.size()) - static_cast<int64_t>(old_size);
  resync.next_old = front;
  Lexed middle = Lexer(text, from, &resync).run();
  bool synced = resync.found;

  Relexed out;
  out.kept_front = front;
  Lexed& lexed = out.lexed;
  lexed.statements.assign(old.begin(), old.begin() + static_cast<std::ptrdiff_t>(front));
  lexed.statements.insert(lexed.statements.end(), middle.statements.begin(), middle.statements.end());
  auto comment_before = std::lower_bound(before.comments.begin(), before.comments.end(), from,
                                         [](const Comment& c, uint32_t at) { return c.span.begin < at; });
  lexed.comments.assign(before.comments.begin(), comment_before);
  lexed.comments.insert(lexed.comments.end(), middle.comments.begin(), middle.comments.end());
  if (synced) {
    auto shift = [&](uint32_t at) { return static_cast<uint32_t>(static_cast<int64_t>(at) + resync.delta); };
    for (size_t k = resync.old_statement + 1; k < old.size(); ++k) {
      lexed.statements.push_back({{shift(old[k].span.begin), shift(old[k].span.end)},
                                  shift(old[k].end),
                                  old[k].psql_variables,
                                  old[k].copy_data});
      ++out.kept_back;
    }
    auto comment_after = std::lower_bound(before.comments.begin(), before.comments.end(), old[resync.old_statement].end,
                                          [](const Comment& c, uint32_t at) { return c.span.begin < at; });
    for (auto c = comment_after; c != before.comments.end(); ++c)
      lexed.comments.push_back({{shift(c->span.begin), shift(c->span.end)}, c->own_line});
  }
  return out;
}

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
    if (i < n && text[i] == '.') {
      ++i;
      continue;
    }
    break;
  }
  return static_cast<uint32_t>(i);
}

}  // namespace pglens::sql
