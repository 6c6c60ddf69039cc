#include "lsp/incremental.hpp"

#include <cctype>

#include "catalog/ddl.hpp"
#include "sql/lexer.hpp"

namespace pglens::lsp {
namespace {

// The text of the statements the DDL loader reads (those starting with CREATE, ALTER or
// DROP), one after another: equal for two texts whose DDL gives the same catalog.
std::string ddl_statements(std::string_view text) {
  std::string out;
  if (!catalog::may_hold_ddl(text)) return out;
  auto starts = [](std::string_view s, std::string_view word) {
    if (s.size() < word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i)
      if (std::toupper(static_cast<unsigned char>(s[i])) != word[i]) return false;
    return true;
  };
  for (const sql::StatementSpan& st : sql::lex(text).statements) {
    std::string_view s = text.substr(st.span.begin, st.span.end - st.span.begin);
    if (!starts(s, "CREATE") && !starts(s, "ALTER") && !starts(s, "DROP")) continue;
    out.append(s);
    out.push_back('\0');
  }
  return out;
}

}  // namespace

std::shared_ptr<const Catalog> catalog_with_ddl(const SchemaLayers& schema, const Config& config, std::string_view text,
                                                std::string_view origin) {
  auto catalog = std::make_shared<Catalog>(*schema.ddl);
  load_ddl(*catalog, text, origin);
  complete_catalog(config, *catalog, schema.snapshot.get(), schema.live.get());
  catalog->normalize();
  return catalog;
}

std::vector<Diagnostic> DocumentLinter::lint(const std::shared_ptr<const Linter>& linter,
                                             const std::shared_ptr<const Catalog>& catalog, const SourceFile& file) {
  return lint_shared(linter, catalog, file).flatten();
}

SharedFindings DocumentLinter::lint_shared(const std::shared_ptr<const Linter>& linter,
                                           const std::shared_ptr<const Catalog>& catalog, const SourceFile& file) {
  if (linter != linter_ || catalog != catalog_) {
    cache_ = LintCache();
    linter_ = linter;
    catalog_ = catalog;
  }
  return linter_->lint_shared(file, *catalog_, cache_);
}

std::shared_ptr<const Catalog> DocumentLinter::catalog_for(const std::shared_ptr<const SchemaLayers>& schema,
                                                           const Config& config, const SourceFile& file,
                                                           std::string_view origin, bool holds_no_ddl) {
  std::string statements = holds_no_ddl ? std::string() : ddl_statements(file.text);
  if (statements.empty()) {
    ddl_schema_ = nullptr;
    ddl_statements_.clear();
    ddl_catalog_ = nullptr;
    return schema->complete;
  }
  if (schema != ddl_schema_ || statements != ddl_statements_ || !ddl_catalog_) {
    ddl_catalog_ = catalog_with_ddl(*schema, config, file.text, origin);
    ddl_schema_ = schema;
    ddl_statements_ = std::move(statements);
  }
  return ddl_catalog_;
}

}  // namespace pglens::lsp
