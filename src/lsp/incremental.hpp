// Re-linting an open document after each edit: a LintCache keeps what every statement gave
// the rules, by its text, so an edit checks again only the statements it changed, and the
// findings are exactly those of a lint of the whole text (the rules that look across
// statements work from per-statement facts; suppressions are applied to the whole file).
// The catalog is the one `pglens lint` builds for the file: the workspace's schema plus the
// DDL in the document itself, built again only when that DDL changes.
#pragma once

#include <memory>
#include <string>

#include "pglens/catalog.hpp"
#include "pglens/config.hpp"
#include "pglens/diagnostic.hpp"
#include "pglens/lint.hpp"

namespace pglens::lsp {

// What a configuration's catalog is built from, read once: the schema files' DDL, the
// snapshot and the database (either may be missing), and all of them together (the catalog
// of a document without DDL of its own). Immutable once built.
struct SchemaLayers {
  std::shared_ptr<const Catalog> ddl;
  std::shared_ptr<const Catalog> snapshot;
  std::shared_ptr<const Catalog> live;
  std::shared_ptr<const Catalog> complete;
};

// The catalog `pglens lint` sees for a file with `text`: `ddl` + the text's DDL (named as
// `origin`) under the snapshot and the database, then the hints (complete_catalog), sorted
// as the CLI sorts it.
std::shared_ptr<const Catalog> catalog_with_ddl(const SchemaLayers& schema, const Config& config, std::string_view text,
                                                std::string_view origin);

// One per document; used by one thread at a time (the server's worker).
class DocumentLinter {
 public:
  // Findings for `file`. The cache holds for one linter and catalog; another pair clears it.
  std::vector<Diagnostic> lint(const std::shared_ptr<const Linter>& linter,
                               const std::shared_ptr<const Catalog>& catalog, const SourceFile& file);
  // The same findings, those of the statements kept from the last lint shared with the cache.
  SharedFindings lint_shared(const std::shared_ptr<const Linter>& linter, const std::shared_ptr<const Catalog>& catalog,
                             const SourceFile& file);
  // The catalog for `file` over `schema`: schema.complete when the file holds no DDL, else
  // catalog_with_ddl, kept for as long as the schema and the file's DDL statements stay.
  // `holds_no_ddl`: the server knows the text has none (the edits since it had none wrote
  // none), which spares a look through the whole text.
  std::shared_ptr<const Catalog> catalog_for(const std::shared_ptr<const SchemaLayers>& schema, const Config& config,
                                             const SourceFile& file, std::string_view origin,
                                             bool holds_no_ddl = false);
  // Of the last lint: the statements checked again, and all of them.
  size_t last_checked() const { return cache_.last_checked(); }
  size_t last_statements() const { return cache_.last_statements(); }

 private:
  // Held so that their addresses, by which the cache knows them, cannot be reused.
  std::shared_ptr<const Linter> linter_;
  std::shared_ptr<const Catalog> catalog_;
  LintCache cache_;
  // The catalog built with the document's DDL, for this schema and these DDL statements.
  std::shared_ptr<const SchemaLayers> ddl_schema_;
  std::string ddl_statements_;
  std::shared_ptr<const Catalog> ddl_catalog_;
};

}  // namespace pglens::lsp
