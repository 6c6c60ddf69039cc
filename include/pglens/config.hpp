// .pglens.toml: which rules run, their severities and options, which files are linted,
// and where the schema comes from.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pglens/diagnostic.hpp"
#include "pglens/rule.hpp"

namespace pglens {

struct RuleConfig {
  bool off = false;
  std::optional<Severity> severity;
  std::map<std::string, OptionValue, std::less<>> options;
};

struct TableHint {
  std::optional<double> rows;
};

struct Config {
  std::string source;               // the file it was read from; empty for the defaults
  std::filesystem::path root;       // globs and schema paths are relative to this
  std::vector<std::string> select;  // rule ids to run; empty or "ALL" means every rule
  std::vector<std::string> ignore;  // rule ids never to run
  std::vector<std::string> include{"**/*.sql"};
  std::vector<std::string> exclude;
  std::optional<Severity> fail_on;
  std::map<std::string, RuleConfig, std::less<>> rules;
  // Schema sources (the catalog): DDL files/directories, a snapshot, a live database.
  std::vector<std::string> schema;
  std::string catalog;
  std::string database_url;
  // How long one catalog query may run (statement_timeout) before the read gives up with an
  // error: a database that stalls (a lock held on a catalog, an overloaded server) never hangs a lint.
  int64_t database_statement_timeout_ms = 30000;
  std::vector<std::string> search_path{"public"};
  std::map<std::string, TableHint, std::less<>> tables;
  // Whether a table whose size no hint, snapshot or live statistics give is taken to be large
  // at the finding's own severity; otherwise a finding that rests on its size is `info`.
  bool assume_large = false;
  // Files of migrations (globs, relative to root): their UPDATE / DELETE run once (a backfill),
  // not as the application's hot queries. The default finds the usual migration directories.
  std::vector<std::string> migrations{"**/migrations/**", "**/migrate/**", "**/migration/**", "**/alembic/versions/**",
                                      "**/flyway/**"};

  bool rule_enabled(std::string_view id) const;
  // The severity a rule reports at, or nullopt when it is off.
  std::optional<Severity> effective_severity(const RuleInfo& rule) const;
  // The option's configured value, or the rule's default.
  OptionValue option(const RuleInfo& rule, std::string_view name) const;
  // True when `path` (absolute or relative to the cwd) matches an exclude glob.
  bool excluded(const std::filesystem::path& path) const;
  // True when `path` matches an include glob (directory walks use this; named files don't).
  bool included(const std::filesystem::path& path) const;
  // True when `path` is a migration file (matches a `migrations` glob).
  bool is_migration(std::string_view path) const;
};

struct ConfigError {
  std::string file;
  uint32_t line = 0;  // 1-based; 0 when not known
  uint32_t column = 0;
  std::string message;         // names the key and what is wrong with it
  std::string format() const;  // "file:line:col: message"
};

// Reads and validates a config file. Unknown keys, unknown rule ids and bad values are errors.
std::optional<ConfigError> load_config(const std::filesystem::path& file, Config& out);
// Same, from text (for tests and the LSP, which reads unsaved buffers).
std::optional<ConfigError> parse_config(std::string_view text, const std::filesystem::path& file, Config& out);

// A repository's config is untrusted for network access: its `[database] url` is used only
// when the file is the user's own ($XDG_CONFIG_HOME/pglens/, ~/.config/pglens/) or the user
// trusted this file with this URL (`pglens trust`; recorded in trust_store_path(), outside
// any repository; editing the URL revokes it). --db and PGLENS_DATABASE_URL need no trust.
bool database_url_trusted(const Config& config);
// What to tell the user when the config's URL is set but not trusted.
std::string untrusted_database_url_notice(const Config& config);
// Records (or, with trusted = false, removes) the trust in `config`'s file and URL.
std::optional<std::string> set_database_url_trust(const Config& config, bool trusted);
std::vector<std::string> trusted_config_files();
// $PGLENS_TRUST_FILE, else $XDG_CONFIG_HOME/pglens/trusted-databases, else
// ~/.config/pglens/trusted-databases; empty without a home.
std::filesystem::path trust_store_path();

// The nearest .pglens.toml in the directory of `path` or above it.
std::optional<std::filesystem::path> find_config(const std::filesystem::path& path);

// The effective configuration as TOML, every rule with its severity and options.
std::string render_config(const Config& config);

// Shell-style glob on '/'-separated paths: `*` and `?` stay within a segment, `**` spans
// segments, `[...]` is a character class.
bool glob_match(std::string_view pattern, std::string_view path);

}  // namespace pglens
