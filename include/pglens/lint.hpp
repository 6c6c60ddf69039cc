// Linting SQL text: the engine that runs the enabled rules over a file.
#pragma once

#include <cstdint>
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

// The findings of a lint that shares them with a LintCache instead of copying them out of
// it (an editor re-linting a large document after each edit): runs of the findings kept for
// one statement, each moved to where that statement now is, and runs of the others, in the
// order and with the duplicates sort_and_dedup gives. Immutable; a copy shares the runs.
class SharedFindings {
 public:
  struct Run {
    // Spans relative to `offset`: each one is moved by it (modulo 2^32).
    std::shared_ptr<const std::vector<Diagnostic>> findings;
    uint32_t offset = 0;
    // The findings of the run: (*findings)[begin, end).
    uint32_t begin = 0, end = 0;
    // When nonzero: the length of the statement the findings are kept for, whose text alone
    // they depend on, and every span of them (findings' and related locations') lies in
    // [0, length]. A reader may keep what it derives from `findings` for as long as it
    // holds them (they are never changed), and use it wherever the statement moves.
    uint32_t length = 0;
  };

  SharedFindings() = default;
  // One run of `findings` as they are (sorted by sort_and_dedup or not).
  explicit SharedFindings(std::vector<Diagnostic> findings);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::vector<Run>& runs() const { return runs_; }
  // Calls f(const Diagnostic& kept, uint32_t offset) for every finding in order, while f
  // returns true; `kept` is moved to its place by place().
  template <class F>
  void each(F&& f) const {
    for (const Run& r : runs_)
      for (uint32_t i = r.begin; i < r.end; ++i)
        if (!f((*r.findings)[i], r.offset)) return;
  }
  // A finding as kept, moved by `offset` (a copy).
  static Diagnostic place(const Diagnostic& kept, uint32_t offset);
  // Every finding, at its place.
  std::vector<Diagnostic> flatten() const;
  // The same findings, every span moved by `by`.
  SharedFindings shifted(uint32_t by) const;

 private:
  friend class Linter;
  std::vector<Run> runs_;
  size_t size_ = 0;
};

class Linter;

// What `--fix` made of a file.
struct FixResult {
  std::string text;                     // the fixed text
  std::vector<Diagnostic> diagnostics;  // of `text`: what is left to look at
  size_t applied = 0;                   // fixes applied, over all rounds
  std::vector<std::string> reverted;    // rules whose fix made SQL that no longer parses: left out
};

// What `pglens lint` gets out of building the catalog from the linted files' own DDL: each
// DDL statement is parsed once, and the rules check it right then, against no catalog. A
// statement whose rules never looked at the catalog keeps those findings, which hold
// whatever the catalog holds; the lint parses and checks only the other statements.
class Prelint {
 public:
  explicit Prelint(const Linter& linter);
  ~Prelint();
  Prelint(Prelint&&) noexcept;
  Prelint& operator=(Prelint&&) noexcept;

  // For CatalogSources::on_parsed, which the loader's threads call at once; lint() reads
  // what it kept once the catalog is built. The Prelint must outlive the hook's calls.
  ParsedDdlHook hook();
  // Statements whose findings it keeps, over all files; and how many of those lints took
  // instead of parsing them again.
  size_t statements_kept() const;
  size_t statements_reused() const;

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
  // The same, the findings of the statements the cache kept shared rather than copied.
  SharedFindings lint_shared(const SourceFile& file, const Catalog& catalog, LintCache& cache) const;
  // The same findings, taking those of the statements `prelint` kept for this file (found
  // by its absolute path, when the text is the one prelinted) instead of parsing them again.
  std::vector<Diagnostic> lint(const SourceFile& file, const Catalog& catalog, const Prelint& prelint) const;

  // Applies the fixes of `diagnostics` (those of `file`), lints again, and repeats while
  // fixes still apply (an overlapping one waits a round). A round whose text has more
  // statements that do not parse than before is reverted and retried fix by fix, leaving
  // out each fix that breaks the SQL (ruff's rule): a fix never leaves a syntax error.
  FixResult fix(const SourceFile& file, const Catalog& catalog, std::vector<Diagnostic> diagnostics,
                bool include_unsafe) const;

  const Config& config() const;

  // True when an enabled rule looks across statements (e.g. single-row-inserts): then
  // only a lint of the whole file gives its findings, never a lint of pieces of it.
  bool spans_statements() const;

 private:
  friend class Prelint;
  class StatementChecker;
  // `shared`: with a cache, the findings go there, those of the statements shared with it;
  // the vector returned is then empty.
  std::vector<Diagnostic> lint_with(const SourceFile& file, const Catalog& catalog, LintCache* cache,
                                    const Prelint* prelint = nullptr, SharedFindings* shared = nullptr) const;
  void prelint(const ParsedDdl& ddl, Prelint::Impl& into) const;

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pglens
