// The language server proper: open documents, their diagnostics, code actions and hover,
// over the pglens library. It speaks in protocol structs and knows nothing of JSON-RPC,
// framing or streams; Connection (connection.hpp) wires it to a transport.
#pragma once

#include <chrono>
#include <filesystem>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "lsp/incremental.hpp"
#include "lsp/protocol.hpp"
#include "lsp/scheduler.hpp"
#include "pglens/catalog.hpp"
#include "pglens/config.hpp"
#include "pglens/diagnostic.hpp"
#include "pglens/lint.hpp"
#include "pglens/plan.hpp"
#include "pglens/source.hpp"

namespace pglens::lsp {

// What the server sends to the editor unprompted. Calls may come from the worker thread.
class Client {
 public:
  virtual ~Client() = default;
  virtual void publish_diagnostics(const PublishDiagnosticsParams& params) = 0;
  virtual void show_message(MessageType type, const std::string& message) = 0;
  virtual void log_message(MessageType type, const std::string& message) = 0;
  // Asks the editor to report changes to files matching these globs (client/registerCapability).
  virtual void register_file_watchers(const std::vector<std::string>& globs) = 0;
};

struct ServerOptions {
  // Least quiet time after a change before the document is linted again. On top of it an
  // edit that follows the previous one sooner than the document's last lint took waits that
  // long (up to kMaxAdaptiveDebounce): an edit after a pause is linted at once, and typing
  // faster than the linter coalesces into one lint of the latest text instead of queueing
  // stale ones.
  std::chrono::milliseconds debounce{0};
};

// User settings, from initializationOptions or workspace/didChangeConfiguration, either
// bare or under a "pglens" key: configPath, databaseUrl, debounceMs, clientCommands.
struct Settings {
  std::string config_path;   // a .pglens.toml to use instead of the nearest one
  std::string database_url;  // overrides the config's database_url
  std::optional<int64_t> debounce_ms;
  bool client_copies_ddl = false;  // the editor plugin implements the `pglens.copyDdl` command
};
// Reads the settings it understands; unknown keys are ignored, bad values are reported in
// `problems` and left at their previous value.
void apply_settings(const json& settings, Settings& out, std::vector<std::string>& problems);

enum class DocumentKind { sql, plan };
// pgexplain documents (by language id or by a *.explain / *.plan name) are plans.
DocumentKind document_kind(std::string_view language_id, std::string_view uri);

inline constexpr std::chrono::milliseconds kMaxAdaptiveDebounce{500};

class Server {
 public:
  Server(Client& client, ServerOptions options);
  ~Server();

  json initialize(const InitializeParams& params);  // the InitializeResult
  void initialized();
  void shutdown();

  void did_open(const DidOpenParams& params);
  void did_change(const DidChangeParams& params);
  void did_save(const DidSaveParams& params);
  void did_close(const DidCloseParams& params);
  void did_change_configuration(const DidChangeConfigurationParams& params);
  void did_change_watched_files(const DidChangeWatchedFilesParams& params);

  std::vector<CodeAction> code_action(const CodeActionParams& params);
  std::optional<Hover> hover(const TextDocumentPositionParams& params);

  // Blocks until every scheduled lint has run and published (tests, the benchmark).
  void wait_idle();

 private:
  // A configuration with what is built from it, shared by the documents it governs.
  struct Profile {
    Config config;
    std::shared_ptr<const Linter> linter;
    std::filesystem::file_time_type config_mtime{};
    // The schema, built on first use by the worker (DDL files, snapshot or a live database
    // can take a while), then read by hover. `catalog_ready` publishes it to other threads.
    mutable std::once_flag catalog_once;
    mutable std::shared_ptr<const Catalog> catalog;
    mutable std::atomic<bool> catalog_ready{false};
  };
  // The profile's catalog, building it now if needed (worker thread only).
  const std::shared_ptr<const Catalog>& catalog_of(const Profile& profile);
  struct Published {
    int64_t version = 0;
    std::shared_ptr<const std::string> text;
    std::vector<Diagnostic> diagnostics;
    std::shared_ptr<const plan::ReadResult> plans;  // pgexplain documents: for hover
  };
  struct Document {
    std::string uri;
    DocumentKind kind = DocumentKind::sql;
    int64_t version = 0;
    std::shared_ptr<const std::string> text;
    std::optional<std::filesystem::path> path;
    std::string profile_key;  // the config file governing it; empty for the defaults
    std::optional<Published> published;
    std::chrono::microseconds last_lint_time{0};
    std::chrono::steady_clock::time_point last_change{};
    std::shared_ptr<DocumentLinter> linter = std::make_shared<DocumentLinter>();  // used by the worker only
  };

  std::shared_ptr<const Profile> profile_for(Document& doc);
  std::shared_ptr<const Profile> load_profile(const std::string& key);
  void schedule_lint(const Document& doc, std::chrono::microseconds delay);
  // Publishes findings unless the document moved on.
  void finish_lint(const std::string& uri, int64_t version, std::shared_ptr<const std::string> text,
                   std::vector<Diagnostic> diagnostics, std::chrono::microseconds took,
                   std::shared_ptr<const plan::ReadResult> plans = nullptr);
  void reload_all();
  bool config_files_changed();
  LspDiagnostic to_lsp(const Diagnostic& d, const std::string& uri, const LineIndex& lines) const;
  ColumnUnit unit() const { return utf8_positions_ ? ColumnUnit::utf8 : ColumnUnit::utf16; }
  std::chrono::milliseconds debounce() const;

  Client& client_;
  ServerOptions options_;
  std::mutex mutex_;  // guards everything below; the worker thread publishes under it
  Settings settings_;
  bool utf8_positions_ = false;
  bool related_information_ = false;
  bool watch_files_ = false;
  bool shut_down_ = false;
  std::optional<std::filesystem::path> workspace_root_;
  std::map<std::string, Document> documents_;
  std::map<std::string, std::shared_ptr<const Profile>> profiles_;
  mutable std::map<std::string, std::string, std::less<>> docs_urls_;  // by rule id; empty for no rule
  Scheduler scheduler_;  // last: its worker stops before the state above goes away
};

}  // namespace pglens::lsp
