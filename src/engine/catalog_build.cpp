// The catalog a lint sees: every source, merged in the documented order
// (hints > snapshot/live > DDL).
#include <cstdlib>

#include <fmt/format.h>

#include "pglens/catalog.hpp"
#include "pglens/config.hpp"

namespace pglens {

void complete_catalog(const Config& config, Catalog& catalog, const Catalog* snapshot, const Catalog* live) {
  if (snapshot) catalog.merge_from(*snapshot);
  if (live) catalog.merge_from(*live);
  catalog.apply_hints(config, config.source.empty() ? ".pglens.toml" : config.source);
  catalog.detach_partition_cycles();  // sources that contradict each other must not make the rules' walks loop
  catalog.set_search_path(config.search_path);
  for (auto& t : catalog.tables()) t.indexes.shrink_to_fit();  // DDL grew them one index at a time
  catalog.index_names();
}

std::string database_url_for(const Config& config, const std::string& given, bool use_environment,
                             const std::function<void(const std::string&)>& on_notice) {
  if (!given.empty()) return given;
  if (use_environment)
    if (const char* env = std::getenv("PGLENS_DATABASE_URL"); env && *env) return env;
  if (config.database_url.empty()) return {};
  if (database_url_trusted(config)) return config.database_url;
  if (on_notice) on_notice(untrusted_database_url_notice(config));
  return {};
}

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
  for (const auto& [origin, text] : sources.extra_texts) load_ddl(catalog, text, origin);

  std::string url = database_url_for(config, sources.db_url, sources.use_environment, sources.on_notice);

  std::optional<Catalog> snapshot, live;
  if (!config.catalog.empty()) {
    std::filesystem::path file = config.catalog;
    if (file.is_relative()) file = config.root / file;
    if (auto err = load_snapshot(file, snapshot.emplace())) return err;
  }
  if (!url.empty()) {
    live.emplace().set_search_path(config.search_path);
    LiveOptions options;
    options.url = url;
    options.statement_timeout_ms = static_cast<int>(config.database_statement_timeout_ms);
    if (auto err = load_live(options, *live)) return err;
  }
  complete_catalog(config, catalog, snapshot ? &*snapshot : nullptr, live ? &*live : nullptr);
  out = std::move(catalog);
  return std::nullopt;
}

}  // namespace pglens
