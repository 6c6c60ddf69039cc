#include "lsp/incremental.hpp"

namespace pglens::lsp {

std::vector<Diagnostic> DocumentLinter::lint(const std::shared_ptr<const Linter>& linter,
                                             const std::shared_ptr<const Catalog>& catalog, const SourceFile& file) {
  if (linter != linter_ || catalog != catalog_) {
    cache_ = LintCache();
    linter_ = linter;
    catalog_ = catalog;
  }
  return linter_->lint(file, *catalog_, cache_);
}

}  // namespace pglens::lsp
