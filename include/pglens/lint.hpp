// Linting SQL text: the engine that runs the enabled rules over a file.
#pragma once

#include <memory>
#include <vector>

#include "pglens/catalog.hpp"
#include "pglens/config.hpp"
#include "pglens/diagnostic.hpp"
#include "pglens/source.hpp"

namespace pglens {

// What a lint of one document keeps for linting it again: what each statement gave the
// rules, by its text. It holds for one linter, catalog and path (another clears it). One
// per document, used by one thread at a time.
class LintCache {
 public:
  LintCache();
  ~LintCache();
  LintCache(LintCache&&) noexcept;
  LintCache& operator=(LintCache&&) noexcept;

  // Of the last lint with this cache: the statements checked again (not taken from the
  // cache), and all of them.
  size_t last_checked() const;
  size_t last_statements() const;

 private:
  friend class Linter;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Built once per configuration; lint() is const and safe to call from many threads.
class Linter {
 public:
  explicit Linter(const Config& config);
  ~Linter();
  Linter(Linter&&) noexcept;
  Linter& operator=(Linter&&) noexcept;

  // Diagnostics for one file, sorted by position, suppressions applied.
  std::vector<Diagnostic> lint(const SourceFile& file, const Catalog& catalog = Catalog::none()) const;
  // The same findings, checking again only the statements whose text is not in `cache`
  // (an editor re-linting a document after each edit): the rules that look across
  // statements work from the facts kept for each statement.
  std::vector<Diagnostic> lint(const SourceFile& file, const Catalog& catalog, LintCache& cache) const;

  const Config& config() const;

  // True when an enabled rule looks across statements (e.g. single-row-inserts): then
  // only a lint of the whole file gives its findings, never a lint of pieces of it.
  bool spans_statements() const;

 private:
  std::vector<Diagnostic> lint_with(const SourceFile& file, const Catalog& catalog, LintCache* cache) const;

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pglens
