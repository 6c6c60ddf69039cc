// Re-linting an open document after a small edit without re-parsing all of it: the text is
// cut into chunks at line boundaries between statements (a chunk holds a statement with
// the comments above it and any trailing comment on its last line, so suppressions stay
// with what they suppress), and the findings of the unchanged chunks before and after the
// edited region (compared with the previous text, no hashing) are reused.
// The server confirms the result with a whole-file lint once the editor goes quiet, so rules
// that look across statements are never wrong for long.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pglens/catalog.hpp"
#include "pglens/diagnostic.hpp"
#include "pglens/lint.hpp"

namespace pglens::lsp {

// Byte offsets where chunks start (the first is 0), in order.
std::vector<uint32_t> chunk_starts(std::string_view text);

// One per document; used by one thread at a time (the server's worker).
class ChunkedLinter {
 public:
  // Findings for `text`, from cached chunks where possible. The cache holds for one linter
  // and catalog; another pair clears it.
  std::vector<Diagnostic> lint(const std::shared_ptr<const Linter>& linter,
                               const std::shared_ptr<const Catalog>& catalog, const std::string& path,
                               std::string_view text);
  // How many chunks the last lint() parsed (the rest came from the cache).
  size_t last_parsed() const { return last_parsed_; }
  size_t last_chunks() const { return last_chunks_; }

 private:
  std::shared_ptr<const Linter> linter_;  // held so their addresses cannot be reused
  std::shared_ptr<const Catalog> catalog_;
  // The previous text, its chunks and their findings (at chunk offsets).
  std::string text_;
  std::vector<Span> chunks_;
  std::vector<std::vector<Diagnostic>> found_;
  LintCache whole_;  // for the lints of the whole text: only changed statements are parsed again
  size_t last_parsed_ = 0;
  size_t last_chunks_ = 0;
};

}  // namespace pglens::lsp
