// The catalog a lint sees: every source, merged in the documented order
// (hints > snapshot/live > DDL).
#include <cstdlib>

#include <fmt/format.h>

#include "pglens/catalog.hpp"
#include "pglens/config.hpp"

namespace pglens {

std::optional<std::string> build_catalog(const Config& config, const CatalogSources& sources, Catalog& out) {
  Catalog catalog;
  catalog.set_search_path(config.search_path);
  if (auto err = load_ddl_paths(catalog, config.schema, config.root, UnreadableDdl::fail, sources.threads)) return err;
  std::vector<std::string> extra;
  for (const auto& f : sources.extra_ddl) {
    std::error_code ec;
    extra.push_back(std::filesystem::absolute(f, ec).string());  // named relative to the cwd, not the root
  }
  // The linted files: one that cannot be read is the lint's to report, not the catalog's.
  if (auto err = load_ddl_paths(catalog, extra, config.root, UnreadableDdl::skip, sources.threads, sources.on_parsed,
                                &sources.extra_ddl_bytes))
    return err;

  std::string url = sources.db_url;
  if (url.empty() && sources.use_environment)
    if (const char* env = std::getenv("PGLENS_DATABASE_URL"); env && *env) url = env;
  if (url.empty()) url = config.database_url;

  if (!config.catalog.empty()) {
    std::filesystem::path file = config.catalog;
    if (file.is_relative()) file = config.root / file;
    Catalog snapshot;
    if (auto err = load_snapshot(file, snapshot)) return err;
    catalog.merge_from(snapshot);
  }
  if (!url.empty()) {
    Catalog live;
    live.set_search_path(config.search_path);
    LiveOptions options;
    options.url = url;
    options.statement_timeout_ms = static_cast<int>(config.database_statement_timeout_ms);
    if (auto err = load_live(options, live)) return err;
    catalog.merge_from(live);
  }
  catalog.apply_hints(config, config.source.empty() ? ".pglens.toml" : config.source);
  catalog.set_search_path(config.search_path);
  for (auto& t : catalog.tables()) t.indexes.shrink_to_fit();  // DDL grew them one index at a time
  catalog.index_names();
  out = std::move(catalog);
  return std::nullopt;
}

}  // namespace pglens
