// Re-linting an open document after each edit: a LintCache keeps what every statement gave
// the rules, by its text, so an edit checks again only the statements it changed, and the
// findings are exactly those of a lint of the whole text (the rules that look across
// statements work from per-statement facts; suppressions are applied to the whole file).
#pragma once

#include <memory>

#include "pglens/catalog.hpp"
#include "pglens/diagnostic.hpp"
#include "pglens/lint.hpp"

namespace pglens::lsp {

// One per document; used by one thread at a time (the server's worker).
class DocumentLinter {
 public:
  // Findings for `file`. The cache holds for one linter and catalog; another pair clears it.
  std::vector<Diagnostic> lint(const std::shared_ptr<const Linter>& linter,
                               const std::shared_ptr<const Catalog>& catalog, const SourceFile& file);
  // Of the last lint: the statements checked again, and all of them.
  size_t last_checked() const { return cache_.last_checked(); }
  size_t last_statements() const { return cache_.last_statements(); }

 private:
  // Held so that their addresses, by which the cache knows them, cannot be reused.
  std::shared_ptr<const Linter> linter_;
  std::shared_ptr<const Catalog> catalog_;
  LintCache cache_;
};

}  // namespace pglens::lsp
