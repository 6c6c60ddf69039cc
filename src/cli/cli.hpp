// Shared pieces of the subcommands. Each subcommand lives in its own cmd_<name>.cpp and
// registers itself from main.cpp.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "pglens/catalog.hpp"
#include "pglens/config.hpp"
#include "pglens/source.hpp"
#include "source/replace_file.hpp"

namespace pglens::cli {

// Exit codes, for every subcommand.
inline constexpr int kExitOk = 0;        // nothing at or above --fail-on
inline constexpr int kExitFindings = 1;  // findings at or above --fail-on
inline constexpr int kExitError = 2;     // usage, config or I/O error; nothing could be read

// A subcommand sets `run`; main calls it after parsing.
using Runner = std::function<int()>;

void add_lint_command(CLI::App& app, Runner& run);
void add_rules_commands(CLI::App& app, Runner& run);
void add_config_command(CLI::App& app, Runner& run);
void add_lsp_command(CLI::App& app, Runner& run);
void add_explain_command(CLI::App& app, Runner& run);
void add_catalog_command(CLI::App& app, Runner& run);
void add_trust_command(CLI::App& app, Runner& run);
void add_advise_command(CLI::App& app, Runner& run);
void add_diff_command(CLI::App& app, Runner& run);
void add_serve_command(CLI::App& app, Runner& run);
void add_log_command(CLI::App& app, Runner& run);

// Colour choice shared by all subcommands: auto = only when the stream is a terminal
// and NO_COLOR is unset.
bool use_color(const std::string& when, int fd);

// Loads the config named by --config, or the nearest .pglens.toml above `near`, or the
// defaults. Prints the error and returns false when the config is broken.
bool resolve_config(const std::string& explicit_path, const std::filesystem::path& near, Config& out);

// The catalog a lint under `config` sees: its schema paths, the DDL of `linted_files`, its
// snapshot or the live database (`db_url`, PGLENS_DATABASE_URL, database.url), its hints.
// Prints the error and returns false when a source cannot be read. `threads` as for
// load_ddl_paths; `on_parsed` sees the DDL of `linted_files` as it is parsed.
// `linted_texts`: the linted text that is no file (stdin), {origin, text}; `preread` as
// CatalogSources::extra_ddl_bytes.
bool load_catalog(const Config& config, const std::vector<std::filesystem::path>& linted_files,
                  const std::string& db_url, Catalog& out, unsigned threads = 1, ParsedDdlHook on_parsed = {},
                  std::vector<std::pair<std::string, std::string>> linted_texts = {}, PrereadFiles preread = {});

// Prints a catalog source's notice as a warning on stderr (CatalogSources::on_notice).
void print_notice(const std::string& notice);

// `pglens: error: <path>: <why>` on stderr, the path through terminal_safe(): a file name in
// a repository may hold escape sequences.
void print_path_error(std::string_view path, std::string_view why);

// Writes to standard output, remembering why the first failed write failed (for
// finish_stdout's message).
void write_stdout(std::string_view text);

// Flushes and closes standard output; false after printing why when any write to it failed
// (a full disk, a closed pipe): the run's report never reached its reader.
bool finish_stdout();

// Leaves `owned` to the process's exit, which takes its memory back at once: a schema of
// tens of thousands of indexes, freed allocation by allocation, took ~20 ms of a 200 ms
// lint (compilers skip the same work: clang -disable-free). Sanitizer builds free it, so
// their leak checks still mean something.
template <class T>
void leave_to_exit(std::unique_ptr<T>& owned) {
#if defined(__SANITIZE_ADDRESS__)
  owned.reset();
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
  owned.reset();
#else
  static_cast<void>(owned.release());
#endif
#else
  static_cast<void>(owned.release());
#endif
}

}  // namespace pglens::cli
