#include "lsp/incremental.hpp"

#include <algorithm>

#include "sql/lexer.hpp"

namespace pglens::lsp {
namespace {

void shift(std::vector<Diagnostic>& ds, int64_t by) {
  auto move = [by](Span& s) {
    s = {static_cast<uint32_t>(s.begin + by), static_cast<uint32_t>(s.end + by)};
  };
  for (auto& d : ds) {
    move(d.span);
    for (auto& r : d.related_locations) move(r.span);
    if (d.fix_value)
      for (auto& e : d.fix_value->edits) move(e.span);
  }
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
    cache_.clear();
    linter_ = linter_ptr;
    catalog_ = catalog_ptr;
  }
  const Linter& linter = *linter_;
  const Catalog& catalog = *catalog_;
  last_parsed_ = 0;
  // A file-wide suppression reaches across chunks: lint the whole text.
  if (text.find("pglens-ignore-file") != std::string_view::npos) {
    cache_.clear();
    last_parsed_ = last_chunks_ = 1;
    return linter.lint(SourceFile{path, std::string(text)}, catalog);
  }
  std::vector<uint32_t> starts = chunk_starts(text);
  last_chunks_ = starts.size();
  std::unordered_map<std::string, std::vector<Diagnostic>> next;
  next.reserve(starts.size());
  std::vector<Diagnostic> out;
  for (size_t i = 0; i < starts.size(); ++i) {
    uint32_t begin = starts[i];
    uint32_t end = i + 1 < starts.size() ? starts[i + 1] : static_cast<uint32_t>(text.size());
    std::string chunk(text.substr(begin, end - begin));
    std::vector<Diagnostic> found;
    if (auto hit = cache_.find(chunk); hit != cache_.end()) {
      found = std::move(hit->second);  // cache_ is replaced by `next` below
      cache_.erase(hit);
    } else if (auto again = next.find(chunk); again != next.end()) {
      found = again->second;  // the same text twice in one file
    } else {
      found = linter.lint(SourceFile{path, chunk}, catalog);
      ++last_parsed_;
    }
    std::vector<Diagnostic> placed = found;
    shift(placed, begin);
    out.insert(out.end(), std::make_move_iterator(placed.begin()), std::make_move_iterator(placed.end()));
    next.emplace(std::move(chunk), std::move(found));
  }
  cache_ = std::move(next);
  sort_and_dedup(out);  // nearly sorted already; this orders ties at chunk edges as a whole-file lint does
  return out;
}

}  // namespace pglens::lsp
