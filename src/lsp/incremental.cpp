#include "lsp/incremental.hpp"

#include <algorithm>

#include "sql/lexer.hpp"

namespace pglens::lsp {
namespace {

void shift(Diagnostic& d, uint32_t by) {
  auto move = [by](Span& s) { s = {s.begin + by, s.end + by}; };
  move(d.span);
  for (auto& r : d.related_locations) move(r.span);
  if (d.fix_value)
    for (auto& e : d.fix_value->edits) move(e.span);
}

bool inside_comment(const std::vector<sql::Comment>& comments, uint32_t offset) {
  auto it = std::upper_bound(comments.begin(), comments.end(), offset,
                             [](uint32_t off, const sql::Comment& c) { return off < c.span.begin; });
  return it != comments.begin() && (it - 1)->span.begin < offset && offset < (it - 1)->span.end;
}

}  // namespace

std::vector<uint32_t> chunk_starts(std::string_view text) {
  std::vector<uint32_t> starts{0};
  sql::Lexed lexed = sql::lex(text);
  if (lexed.statements.size() < 2) return starts;
  LineIndex lines(text);
  for (size_t i = 1; i < lexed.statements.size(); ++i) {
    const sql::StatementSpan& prev = lexed.statements[i - 1];
    uint32_t prev_end = std::max(prev.end, prev.span.end);
    uint32_t prev_line = lines.line_of(prev_end > 0 ? prev_end - 1 : 0);
    uint32_t next_line = lines.line_of(lexed.statements[i].span.begin);
    if (prev_line >= next_line) continue;  // statements sharing a line stay together
    uint32_t cut = lines.line_start(prev_line + 1);
    if (cut <= starts.back() || inside_comment(lexed.comments, cut)) continue;
    starts.push_back(cut);
  }
  return starts;
}

std::vector<Diagnostic> ChunkedLinter::lint(const std::shared_ptr<const Linter>& linter_ptr,
                                            const std::shared_ptr<const Catalog>& catalog_ptr,
                                            const std::string& path, std::string_view text) {
  if (linter_ptr != linter_ || catalog_ptr != catalog_) {
    chunks_.clear();
    found_.clear();
    whole_ = LintCache();
    linter_ = linter_ptr;
    catalog_ = catalog_ptr;
  }
  const Linter& linter = *linter_;
  const Catalog& catalog = *catalog_;
  // A file-wide suppression, or a rule that looks across statements, reaches across
  // chunks: lint the whole text.
  if (linter.spans_statements() || text.find("pglens-ignore-file") != std::string_view::npos) {
    chunks_.clear();
    found_.clear();
    last_parsed_ = last_chunks_ = 1;
    return linter.lint(SourceFile{path, std::string(text)}, catalog, whole_);
  }
  std::vector<uint32_t> starts = chunk_starts(text);
  std::vector<Span> chunks;
  chunks.reserve(starts.size());
  for (size_t i = 0; i < starts.size(); ++i)
    chunks.push_back({starts[i], i + 1 < starts.size() ? starts[i + 1] : static_cast<uint32_t>(text.size())});
  auto piece = [](std::string_view t, Span s) { return t.substr(s.begin, s.end - s.begin); };
  auto same = [&](size_t now, size_t before) { return piece(text, chunks[now]) == piece(text_, chunks_[before]); };

  // Unchanged chunks before and after the edit keep their findings.
  size_t n = chunks.size(), m = chunks_.size();
  size_t prefix = 0;
  while (prefix < n && prefix < m && same(prefix, prefix)) ++prefix;
  size_t suffix = 0;
  while (suffix < n - prefix && suffix < m - prefix && same(n - 1 - suffix, m - 1 - suffix)) ++suffix;

  std::vector<std::vector<Diagnostic>> found(n);
  for (size_t i = 0; i < prefix; ++i) found[i] = std::move(found_[i]);
  for (size_t k = 0; k < suffix; ++k) found[n - 1 - k] = std::move(found_[m - 1 - k]);
  last_parsed_ = 0;
  for (size_t i = prefix; i < n - suffix; ++i) {
    found[i] = linter.lint(SourceFile{path, std::string(piece(text, chunks[i]))}, catalog);
    ++last_parsed_;
  }
  last_chunks_ = n;

  std::vector<Diagnostic> out;
  for (size_t i = 0; i < n; ++i) {
    for (const Diagnostic& d : found[i]) {
      out.push_back(d);
      shift(out.back(), chunks[i].begin);
    }
  }
  text_.assign(text);
  chunks_ = std::move(chunks);
  found_ = std::move(found);
  sort_and_dedup(out);  // nearly sorted already; this orders ties at chunk edges as a whole-file lint does
  return out;
}

}  // namespace pglens::lsp
