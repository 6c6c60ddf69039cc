// The language server proper: open documents, their diagnostics, code actions and hover,
// over the pglens library. It speaks in protocol structs and knows nothing of JSON-RPC,
// framing or streams; Connection (connection.hpp) wires it to a transport.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lsp/diagnostics_json.hpp"
#include "lsp/incremental.hpp"
#include "lsp/protocol.hpp"
#include "lsp/scheduler.hpp"
#include "lsp/text.hpp"
#include "pglens/catalog.hpp"
#include "pglens/config.hpp"
#include "pglens/diagnostic.hpp"
#include "pglens/lint.hpp"
#include "pglens/plan.hpp"
#include "pglens/plan_rules.hpp"
#include "pglens/source.hpp"

namespace pglens::lsp {

// What the server sends to the editor unprompted. Calls may come from the worker thread.
class Client {
 public:
  virtual ~Client() = default;
  virtual void publish_diagnostics(const PublishDiagnosticsParams& params) = 0;
  // The same notification, written already (publish_diagnostics_notification's JSON).
  virtual void publish_diagnostics_json(std::string notification) = 0;
  virtual void show_message(MessageType type, const std::string& message) = 0;
  virtual void log_message(MessageType type, const std::string& message) = 0;
  // Asks the editor to report changes to files matching these globs (client/registerCapability).
  virtual void register_file_watchers(const std::vector<std::string>& globs) = 0;
  // Asks an editor that pulls diagnostics to pull them again (workspace/diagnostic/refresh).
  virtual void refresh_diagnostics() = 0;
  // The database state of a configuration changed (pglens/databaseStatus).
  virtual void database_status(const DatabaseStatus& status) = 0;
};

struct ServerOptions {
  // Least quiet time after a change before the document is linted again. On top of it an
  // edit that follows the previous one sooner than the document's last lint took waits that
  // long (up to kMaxAdaptiveDebounce): an edit after a pause is linted at once, and typing
  // faster than the linter coalesces into one lint of the latest text instead of queueing
  // stale ones.
  std::chrono::milliseconds debounce{0};
  // How often the server looks at .pglens.toml and the schema files itself, when the editor
  // cannot watch files for it; 0: never (tests call check_files()).
  std::chrono::milliseconds poll_files{0};
  // With a database configured and its schema read: marks the index findings of an SQL
  // document as the server's planner proves them, as `pglens lint --db` does (the command
  // passes advise's prover in; the language server does not use that layer). Worker thread.
  std::function<void(const std::string& database_url, const Config& config, const Catalog& catalog,
                     const SourceFile& file, std::vector<Diagnostic>& diagnostics)>
      verify_indexes;
  // The same for each plan of a pgexplain document whose query is known (embedded, or the
  // paired query file), as `pglens explain --db` marks them. Worker thread.
  std::function<void(const std::string& database_url, const Config& config, const Catalog& catalog,
                     std::string_view query, plan::Diagnosis& diagnosis)>
      verify_plan_indexes;
};

// User settings, from initializationOptions or workspace/didChangeConfiguration, either
// bare or under a "pglens" key: configPath, databaseUrl, debounceMs, maxDiagnostics,
// clientCommands.
struct Settings {
  std::string config_path;   // a .pglens.toml to use instead of the nearest one
  std::string database_url;  // the user's own: used instead of the config's URL, with no trust needed
  std::optional<int64_t> debounce_ms;
  int64_t max_diagnostics = 1000;  // published per document; the rest are counted in one more
  bool client_copies_ddl = false;  // the editor plugin implements the `pglens.copyDdl` command
  // How a plan without a `-- pglens-query:` comment finds its query: "comment" (it does not),
  // "sameName" (report.plan -> report.sql beside it), or a path relative to the plan with
  // `${name}` for the plan's name without extension ("../queries/${name}.sql").
  std::string plan_query_pairing = "comment";
  friend bool operator==(const Settings&, const Settings&) = default;
};
// Reads the settings it understands; unknown keys are ignored, bad values are reported in
// `problems` and left at their previous value.
void apply_settings(const json& settings, Settings& out, std::vector<std::string>& problems);

enum class DocumentKind { sql, plan };
// pgexplain documents (by language id or by a *.explain / *.plan name) are plans.
DocumentKind document_kind(std::string_view language_id, std::string_view uri);

// The query file a plan names in a comment line at its top (`-- pglens-query: report.sql`,
// relative to the plan's directory), as `pglens explain --sql` takes it; empty when none.
std::string plan_query_name(std::string_view plan_text);
// The query file `pairing` (Settings::plan_query_pairing) gives the plan `plan`, relative to
// the plan's directory; empty for "comment".
std::string plan_query_by_name(std::string_view pairing, const std::filesystem::path& plan);

inline constexpr std::chrono::milliseconds kMaxAdaptiveDebounce{500};

class Server {
 public:
  // Answers a request; may be called later, from the worker thread.
  using Reply = std::function<void(json result)>;

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

  // Answered from the findings of the document's current text: at once when they are
  // published, else as soon as the lint of that text publishes them (it is hurried).
  void code_action(const CodeActionParams& params, Reply reply);
  void hover(const TextDocumentPositionParams& params, Reply reply);
  // textDocument/diagnostic (an editor that pulls them): what would be published.
  void diagnostic(const std::string& uri, Reply reply);
  void document_symbol(const std::string& uri, Reply reply);
  void folding_range(const std::string& uri, Reply reply);
  // The CREATE of the table named under the cursor: in the document, the schema files.
  void definition(const TextDocumentPositionParams& params, Reply reply);
  void completion(const TextDocumentPositionParams& params, Reply reply);

  // Looks whether a .pglens.toml appeared, changed or went, or a schema file or the snapshot
  // changed, and reloads if so (the poller's work, when the editor does not watch files).
  void check_files();

  // Blocks until every scheduled lint has run and published (tests, the benchmark).
  void wait_idle();

 private:
  // A configuration with what is built from it, shared by the documents it governs.
  struct Profile {
    std::string key;  // the config file; empty for the defaults
    Config config;
    std::shared_ptr<const Linter> linter;
    std::string database_url;     // where the live schema comes from; empty for none
    std::string database_source;  // of database_url, as DatabaseStatus::source says it
    // Modification times of the config, the snapshot and every schema file when loaded.
    std::map<std::string, std::filesystem::file_time_type> watched;
    // The schema, built on first use by the worker (DDL files or a snapshot can take a
    // while); the database's part is added by the loader thread once it answers.
    mutable std::mutex schema_mutex;
    mutable std::shared_ptr<const SchemaLayers> schema;
    mutable int live_failures = 0;  // in a row (under schema_mutex)
  };
  // The profile's schema, building it now if needed (worker thread).
  std::shared_ptr<const SchemaLayers> schema_of(const std::shared_ptr<const Profile>& profile);
  // Reads the database's schema into the profile's; on failure tries again later, backing off.
  void load_live(const std::shared_ptr<const Profile>& profile);

  struct Published {
    int64_t version = 0;
    std::shared_ptr<const std::string> text;
    std::shared_ptr<const LspLines> lines;          // of `text`
    SharedFindings diagnostics;                     // shared with the document's lint cache
    std::shared_ptr<const plan::ReadResult> plans;  // pgexplain documents: for hover
    std::shared_ptr<const Catalog> catalog;         // SQL documents: for hover
    std::vector<LspDiagnostic> shown;               // as published (capped); for an editor that pulls them
    std::string origin;                             // the document as the catalog's facts name it
  };
  // A request that waits for the lint of the text it was asked on.
  struct Waiting {
    int64_t version = 0;
    std::function<void(bool current)> answer;  // current: from the published findings; else empty
  };
  struct Document {
    std::string uri;
    DocumentKind kind = DocumentKind::sql;
    int64_t version = 0;
    std::shared_ptr<const std::string> text;
    std::optional<std::filesystem::path> path;
    std::string profile_key;  // the config file governing it; empty for the defaults
    std::optional<Published> published;
    bool out_of_sync = false;  // an edit addressed text we do not have; until a full text comes
    bool may_hold_ddl = true;  // false: known to hold no CREATE, ALTER or DROP (see catalog_for)
    std::vector<Waiting> waiting;
    std::chrono::microseconds last_lint_time{0};
    std::chrono::steady_clock::time_point last_change{};
    std::shared_ptr<DocumentLinter> linter = std::make_shared<DocumentLinter>();        // used by the worker only
    std::shared_ptr<DiagnosticsWriter> writer = std::make_shared<DiagnosticsWriter>();  // the worker's too
  };
  bool current(const Document& doc) const {
    return doc.published && doc.published->version == doc.version && doc.published->text == doc.text;
  }
  // Answers now when the findings are current; else parks the request until they are.
  void answer_when_current(Document& doc, std::function<void(bool current)> answer);
  void answer_waiting(Document& doc);

  // The query file paired with a plan document of `text`: the one its comment names, else the
  // one the `planQueryPairing` setting gives when that file exists or is open. `name` as
  // written, relative to the plan.
  struct PairedQuery {
    std::filesystem::path path;
    std::string name;
  };
  std::optional<PairedQuery> paired_query(const Document& doc, std::string_view text) const;

  std::shared_ptr<const Profile> profile_for(Document& doc);
  std::shared_ptr<const Profile> load_profile(const std::string& key);
  void schedule_lint(const Document& doc, std::chrono::microseconds delay);
  // Publishes findings unless the document moved on.
  void finish_lint(const std::string& uri, int64_t version, std::shared_ptr<const std::string> text,
                   SharedFindings diagnostics, std::chrono::microseconds took,
                   std::shared_ptr<const plan::ReadResult> plans, std::shared_ptr<const Catalog> catalog,
                   std::string origin, DiagnosticsWriter& writer);
  // Answers from the document's current published findings, waiting for them if needed.
  void answer_current(const std::string& uri, Reply reply, json empty,
                      std::function<json(const Document&, const Published&)> answer);
  void mark_out_of_sync(Document& doc, const std::string& why);
  // Tells the editor's log, once per document, why a plan's indexes cannot be proven.
  void say_plan_unpaired(const std::string& uri, const std::string& origin);
  // Tells the editor the database state of a configuration, unless it was the last told.
  void report_database(const DatabaseStatus& status);
  void reload_all();
  void relint_all();
  bool config_files_changed();
  LspDiagnostic to_lsp(const Diagnostic& d, const std::string& uri, const LspLines& lines) const;
  ColumnUnit unit() const { return utf8_positions_ ? ColumnUnit::utf8 : ColumnUnit::utf16; }
  std::chrono::milliseconds debounce() const;
  void poll_files();

  Client& client_;
  ServerOptions options_;
  std::mutex mutex_;  // guards everything below; the worker thread publishes under it
  Settings settings_;
  std::map<std::string, DatabaseStatus> database_statuses_;  // last told, by config
  std::vector<std::string> settings_problems_;               // last shown, not shown again
  std::set<std::string> unpaired_plans_said_;                // plan documents told they have no query
  bool utf8_positions_ = false;
  bool related_information_ = false;
  bool pull_diagnostics_ = false;
  bool diagnostics_refresh_ = false;
  bool watch_files_ = false;
  bool shut_down_ = false;
  std::optional<std::filesystem::path> workspace_root_;
  std::map<std::string, Document> documents_;
  std::map<std::string, std::shared_ptr<const Profile>> profiles_;
  mutable std::mutex docs_urls_mutex_;  // the worker and request handlers share the cache below
  mutable std::map<std::string, std::string, std::less<>> docs_urls_;  // by rule id; empty for no rule
  std::mutex poll_mutex_;
  std::condition_variable poll_wake_;
  bool poll_stop_ = false;
  std::thread poller_;
  Scheduler loader_;     // reads live schemas, so that a slow or absent database never holds up a lint
  Scheduler scheduler_;  // last: its worker stops before the state above goes away
};

}  // namespace pglens::lsp
