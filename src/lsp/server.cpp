#include "lsp/server.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "catalog/ddl.hpp"
#include "lsp/actions.hpp"
#include "lsp/catalog_view.hpp"
#include "lsp/names.hpp"
#include "lsp/navigation.hpp"
#include "lsp/plan_view.hpp"
#include "lsp/text.hpp"
#include "lsp/uri.hpp"
#include "pglens/plan_rules.hpp"
#include "pglens/rule.hpp"

namespace pglens::lsp {
namespace {

using Clock = Scheduler::Clock;

DiagnosticSeverity lsp_severity(Severity s) {
  switch (s) {
    case Severity::error: return DiagnosticSeverity::error;
    case Severity::warning: return DiagnosticSeverity::warning;
    case Severity::info: return DiagnosticSeverity::information;
  }
  return DiagnosticSeverity::warning;
}

bool has_suffix(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

const json* settings_object(const json& settings) {
  if (!settings.is_object()) return nullptr;
  auto it = settings.find("pglens");
  if (it != settings.end() && it->is_object()) return &*it;
  return &settings;
}

// A finding of the document's own, not one of a rule (a text that is not UTF-8, a failed lint).
SharedFindings document_error(uint32_t at, std::string message) {
  Diagnostic d("", {at, at}, std::move(message));
  d.severity = Severity::error;
  return SharedFindings(std::vector<Diagnostic>{std::move(d)});
}

bool asks_for_index(const plan::Diagnosis& diagnosis) {
  return std::any_of(diagnosis.findings.begin(), diagnosis.findings.end(),
                     [](const plan::Finding& f) { return f.ddl.find("CREATE INDEX") != std::string::npos; });
}

}  // namespace

DocumentKind document_kind(std::string_view language_id, std::string_view uri) {
  if (language_id == "pgexplain") return DocumentKind::plan;
  if (has_suffix(uri, ".explain") || has_suffix(uri, ".plan")) return DocumentKind::plan;
  return DocumentKind::sql;
}

std::string plan_query_name(std::string_view text) {
  constexpr std::string_view marker = "pglens-query:";
  for (int line = 0; line < 20 && !text.empty(); ++line) {
    size_t nl = text.find('\n');
    std::string_view row = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    size_t first = row.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    row.remove_prefix(first);
    if (!row.starts_with("--") && !row.starts_with("#")) break;  // the plan itself begins
    size_t at = row.find(marker);
    if (at == std::string_view::npos) continue;
    std::string_view name = row.substr(at + marker.size());
    while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t' || name.back() == '\r')) name.remove_suffix(1);
    return std::string(name);
  }
  return {};
}

std::string plan_query_by_name(std::string_view pairing, const std::filesystem::path& plan) {
  if (pairing == "comment") return {};
  std::string name = pairing == "sameName" ? "${name}.sql" : std::string(pairing);
  const std::string stem = plan.stem().string();
  constexpr std::string_view var = "${name}";
  for (size_t at = name.find(var); at != std::string::npos; at = name.find(var, at + stem.size()))
    name.replace(at, var.size(), stem);
  return name;
}

void apply_settings(const json& settings, Settings& out, std::vector<std::string>& problems) {
  const json* s = settings_object(settings);
  if (!s) return;
  auto text = [&](const char* key, std::string& target) {
    auto it = s->find(key);
    if (it == s->end() || it->is_null()) return;
    if (it->is_string()) target = it->get<std::string>();
    else problems.push_back(fmt::format("setting `{}` must be a string", key));
  };
  text("configPath", out.config_path);
  text("databaseUrl", out.database_url);
  if (auto it = s->find("debounceMs"); it != s->end() && !it->is_null()) {
    if (it->is_number_integer() && it->get<int64_t>() >= 0 && it->get<int64_t>() <= 10000)
      out.debounce_ms = it->get<int64_t>();
    else problems.push_back("setting `debounceMs` must be an integer from 0 to 10000");
  }
  if (auto it = s->find("maxDiagnostics"); it != s->end() && !it->is_null()) {
    if (it->is_number_integer() && it->get<int64_t>() >= 1 && it->get<int64_t>() <= 1'000'000)
      out.max_diagnostics = it->get<int64_t>();
    else problems.push_back("setting `maxDiagnostics` must be an integer from 1 to 1000000");
  }
  if (auto it = s->find("planQueryPairing"); it != s->end() && !it->is_null()) {
    std::string pairing = it->is_string() ? it->get<std::string>() : "";
    if (pairing == "comment" || pairing == "sameName" || pairing.find("${name}") != std::string::npos)
      out.plan_query_pairing = pairing;
    else
      problems.push_back(
          "setting `planQueryPairing` must be \"comment\", \"sameName\" or a path with `${name}` "
          "(\"../queries/${name}.sql\")");
  }
  if (auto it = s->find("clientCommands"); it != s->end() && it->is_array()) {
    out.client_copies_ddl = false;
    for (const json& c : *it)
      if (c == "pglens.copyDdl") out.client_copies_ddl = true;
  }
}

Server::Server(Client& client, ServerOptions options) : client_(client), options_(options) {}

Server::~Server() {
  {
    std::lock_guard lock(poll_mutex_);
    poll_stop_ = true;
  }
  poll_wake_.notify_all();
  if (poller_.joinable()) poller_.join();
  // Each one's jobs may schedule on the other: once stopped, a scheduler drops them.
  loader_.stop();
  scheduler_.stop();
}

std::chrono::milliseconds Server::debounce() const {
  return settings_.debounce_ms ? std::chrono::milliseconds(*settings_.debounce_ms) : options_.debounce;
}

json Server::initialize(const InitializeParams& params) {
  std::lock_guard lock(mutex_);
  utf8_positions_ = std::find(params.position_encodings.begin(), params.position_encodings.end(), "utf-8") !=
      params.position_encodings.end();
  related_information_ = params.related_information;
  pull_diagnostics_ = params.pull_diagnostics;
  diagnostics_refresh_ = params.diagnostics_refresh;
  watch_files_ = params.watched_files_dynamic_registration;
  std::optional<std::string> root = params.root_uri;
  if (!params.workspace_folders.empty()) root = params.workspace_folders.front().uri;
  if (root) workspace_root_ = uri_to_path(*root);
  apply_settings(params.initialization_options, settings_, settings_problems_);
  for (const auto& p : settings_problems_) client_.show_message(MessageType::warning, "pglens: " + p);

  json capabilities = {
      {"positionEncoding", utf8_positions_ ? "utf-8" : "utf-16"},
      {"textDocumentSync", {{"openClose", true}, {"change", 2}, {"save", {{"includeText", false}}}}},
      {"codeActionProvider", {{"codeActionKinds", json::array({"quickfix"})}}},
      {"hoverProvider", true},
      {"documentSymbolProvider", true},
      {"foldingRangeProvider", true},
      {"definitionProvider", true},
      {"completionProvider", {{"triggerCharacters", json::array({"."})}}},
  };
  // An editor that pulls diagnostics gets them only so (pushed too, they would show twice).
  if (pull_diagnostics_)
    capabilities["diagnosticProvider"] = {
        {"identifier", "pglens"}, {"interFileDependencies", false}, {"workspaceDiagnostics", false}};
  return {{"capabilities", capabilities}, {"serverInfo", {{"name", "pglens"}, {"version", PGLENS_VERSION}}}};
}

void Server::initialized() {
  std::lock_guard lock(mutex_);
  if (watch_files_) {
    client_.register_file_watchers({"**/.pglens.toml", "**/*.json", "**/*.sql"});
  } else if (options_.poll_files.count() > 0 && !poller_.joinable()) {
    // The editor cannot watch files for us (Neovim 0.7, Helix): look at them ourselves.
    poller_ = std::thread([this] { poll_files(); });
  }
}

void Server::poll_files() {
  std::unique_lock lock(poll_mutex_);
  while (!poll_stop_) {
    poll_wake_.wait_for(lock, options_.poll_files);
    if (poll_stop_) break;
    lock.unlock();
    try {
      check_files();
    } catch (const std::exception&) {
      // A file that vanished mid-look: the next look sees the new state.
    }
    lock.lock();
  }
}

void Server::shutdown() {
  std::lock_guard lock(mutex_);
  shut_down_ = true;
  // A lint that runs on is not waited for: its findings are dropped when it ends.
  for (auto& [uri, doc] : documents_) {
    scheduler_.cancel(uri);
    answer_waiting(doc);
  }
}

namespace {

// The modification time of every file `config` reads: itself, the snapshot, the schema files.
std::map<std::string, std::filesystem::file_time_type> watched_files(const std::string& key, const Config& config) {
  namespace fs = std::filesystem;
  std::map<std::string, fs::file_time_type> out;
  std::error_code ec;
  auto add = [&](const fs::path& p) { out[p.string()] = fs::last_write_time(p, ec); };
  if (!key.empty()) add(key);
  if (!config.catalog.empty())
    add(fs::path(config.catalog).is_relative() ? config.root / config.catalog : fs::path(config.catalog));
  for (const auto& s : config.schema) {
    fs::path p = fs::path(s).is_relative() ? config.root / s : fs::path(s);
    if (fs::is_directory(p, ec)) {
      for (fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec), end;
           !ec && it != end; it.increment(ec))
        if (it->path().extension() == ".sql") add(it->path());
    } else {
      add(p);
    }
  }
  return out;
}

}  // namespace

std::shared_ptr<const Server::Profile> Server::load_profile(const std::string& key) {
  auto profile = std::make_shared<Profile>();
  profile->key = key;
  std::error_code ec;
  if (!key.empty()) {
    if (auto err = load_config(key, profile->config)) {
      client_.show_message(MessageType::error,
                           fmt::format("pglens: {} (using the default configuration)", err->format()));
      profile->config = Config{};
      profile->config.root = std::filesystem::path(key).parent_path();
    }
  } else {
    profile->config.root = workspace_root_ ? *workspace_root_ : std::filesystem::current_path(ec);
  }
  // The editor's setting is the user's own; a repository's URL counts only once trusted.
  DatabaseStatus status{.config = key};
  profile->database_url =
      database_url_for(profile->config, settings_.database_url, true, [&](const std::string& notice) {
        client_.show_message(MessageType::warning, fmt::format("pglens: {}", notice));
        status.state = "untrusted";
        status.message = notice;
      });
  if (!profile->database_url.empty()) {
    const char* env = std::getenv("PGLENS_DATABASE_URL");
    profile->database_source = profile->database_url == settings_.database_url ? "setting"
        : env && profile->database_url == env                                  ? "environment"
                                                                               : "trustedConfig";
    status.state = "connecting";
    status.source = profile->database_source;
    status.message = "reading the schema from the database";
  } else if (status.state.empty()) {
    status.state = "none";
    status.message = "no database: the schema comes from the schema files";
  }
  report_database(status);
  profile->linter = std::make_shared<const Linter>(profile->config);
  profile->watched = watched_files(key, profile->config);
  return profile;
}

void Server::report_database(const DatabaseStatus& status) {
  auto [it, added] = database_statuses_.try_emplace(status.config, status);
  if (!added && it->second == status) return;
  it->second = status;
  client_.database_status(status);
}

std::shared_ptr<const SchemaLayers> Server::schema_of(const std::shared_ptr<const Profile>& profile) {
  std::lock_guard lock(profile->schema_mutex);
  if (profile->schema) return profile->schema;
  const Config& config = profile->config;
  auto ddl = std::make_shared<Catalog>();
  ddl->set_search_path(config.search_path);
  std::vector<std::string> problems;
  // A migrations directory is parsed a file ahead of the one being applied.
  if (auto err = load_ddl_paths(*ddl, config.schema, config.root, UnreadableDdl::fail, 2)) problems.push_back(*err);
  std::shared_ptr<Catalog> snapshot;
  if (!config.catalog.empty()) {
    std::filesystem::path file = config.catalog;
    if (file.is_relative()) file = config.root / file;
    snapshot = std::make_shared<Catalog>();
    if (auto err = load_snapshot(file, *snapshot)) {
      problems.push_back(*err);
      snapshot = nullptr;
    }
  }
  for (const auto& p : problems)
    client_.show_message(MessageType::warning, fmt::format("pglens: schema not fully loaded: {}", p));
  auto layers = std::make_shared<SchemaLayers>();
  layers->ddl = ddl;
  layers->snapshot = snapshot;
  auto complete = std::make_shared<Catalog>(*ddl);
  complete_catalog(config, *complete, snapshot.get(), nullptr);
  complete->normalize();
  layers->complete = std::move(complete);
  profile->schema = layers;
  if (!profile->database_url.empty())
    loader_.schedule(profile->key, Clock::now(), [this, profile] { load_live(profile); });
  return layers;
}

void Server::load_live(const std::shared_ptr<const Profile>& profile) {
  const Config& config = profile->config;
  auto live = std::make_shared<Catalog>();
  live->set_search_path(config.search_path);
  LiveOptions options;
  options.url = profile->database_url;
  options.statement_timeout_ms = static_cast<int>(config.database_statement_timeout_ms);
  std::optional<std::string> error = pglens::load_live(options, *live);
  std::shared_ptr<const SchemaLayers> before;
  int failures = 0;
  {
    std::lock_guard lock(profile->schema_mutex);
    before = profile->schema;
    failures = error ? ++profile->live_failures : std::exchange(profile->live_failures, 0);
  }
  if (error) {
    // The schema files keep serving; the database is asked again, less and less often.
    auto wait = std::chrono::seconds(std::min(300, 5 << std::min(failures - 1, 6)));
    std::string message = fmt::format(
        "cannot read the schema from the database ({}); linting with the "
        "schema files only, trying again in {} s",
        *error, wait.count());
    std::lock_guard lock(mutex_);
    if (shut_down_ || profiles_.count(profile->key) == 0 || profiles_.at(profile->key) != profile) return;
    if (failures == 1) client_.show_message(MessageType::warning, "pglens: " + message);
    else client_.log_message(MessageType::warning, "pglens: " + message);
    report_database({.config = profile->key,
                     .state = "unreachable",
                     .source = profile->database_source,
                     .message = message,
                     .retry_seconds = wait.count()});
    loader_.schedule(profile->key, Clock::now() + wait, [this, profile] { load_live(profile); });
    return;
  }
  auto layers = std::make_shared<SchemaLayers>(*before);
  layers->live = live;
  auto complete = std::make_shared<Catalog>(*layers->ddl);
  complete_catalog(config, *complete, layers->snapshot.get(), live.get());
  complete->normalize();
  layers->complete = std::move(complete);
  {
    std::lock_guard lock(profile->schema_mutex);
    profile->schema = layers;
  }
  std::lock_guard lock(mutex_);
  if (shut_down_ || profiles_.count(profile->key) == 0 || profiles_.at(profile->key) != profile) return;
  std::string message = fmt::format("schema read from the database ({} tables){}", live->tables().size(),
                                    failures > 0 ? " after retrying" : "");
  client_.show_message(MessageType::info, "pglens: " + message);
  report_database({.config = profile->key,
                   .state = "connected",
                   .source = profile->database_source,
                   .message = message,
                   .tables = static_cast<int64_t>(live->tables().size())});
  for (auto& [uri, doc] : documents_)
    if (doc.profile_key == profile->key) schedule_lint(doc, std::chrono::milliseconds(0));
}

std::optional<Server::PairedQuery> Server::paired_query(const Document& doc, std::string_view text) const {
  if (doc.kind != DocumentKind::plan || !doc.path) return std::nullopt;
  if (std::string name = plan_query_name(text); !name.empty())
    return PairedQuery{(doc.path->parent_path() / name).lexically_normal(), name};
  std::string name = plan_query_by_name(settings_.plan_query_pairing, *doc.path);
  if (name.empty()) return std::nullopt;
  // Found by its name alone: only a query that is there, never a file created for it.
  std::filesystem::path path = (doc.path->parent_path() / name).lexically_normal();
  std::error_code ec;
  if (documents_.count(path_to_uri(path)) == 0 && !std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  return PairedQuery{path, name};
}

std::shared_ptr<const Server::Profile> Server::profile_for(Document& doc) {
  std::string key;
  if (!settings_.config_path.empty()) {
    std::filesystem::path p = settings_.config_path;
    if (p.is_relative() && workspace_root_) p = *workspace_root_ / p;
    key = p.lexically_normal().string();
  } else if (doc.path) {
    if (auto found = find_config(*doc.path)) key = found->string();
  } else if (workspace_root_) {
    if (auto found = find_config(*workspace_root_)) key = found->string();
  }
  doc.profile_key = key;
  auto& slot = profiles_[key];
  if (!slot) slot = load_profile(key);
  return slot;
}

void Server::schedule_lint(const Document& doc, std::chrono::microseconds delay) {
  if (shut_down_ || doc.out_of_sync) return;
  std::shared_ptr<const Profile> profile = profiles_.at(doc.profile_key);
  bool excluded = doc.path && profile->config.excluded(*doc.path);
  std::string path = doc.path ? doc.path->string() : doc.uri;
  std::string origin = path;
  if (doc.path) {
    std::error_code ec;
    auto relative = std::filesystem::relative(*doc.path, profile->config.root, ec);
    if (!ec && !relative.empty()) origin = relative.string();
  }
  // A plan's query, as `pglens explain --sql` reads it: the open document's text, or the file.
  std::shared_ptr<const std::string> query;
  std::optional<std::filesystem::path> query_path;
  if (auto paired = paired_query(doc, *doc.text)) {
    query_path = paired->path;
    if (auto open = documents_.find(path_to_uri(*query_path)); open != documents_.end()) query = open->second.text;
  }
  scheduler_.schedule(
      doc.uri, Clock::now() + delay,
      [this, uri = doc.uri, version = doc.version, text = doc.text, kind = doc.kind, profile, excluded, path, origin,
       query, query_path, linter = doc.linter, writer = doc.writer, no_ddl = !doc.may_hold_ddl] {
        auto start = Clock::now();
        SharedFindings out;
        std::shared_ptr<const plan::ReadResult> plans;
        std::shared_ptr<const Catalog> catalog;
        try {
          if (!excluded && kind == DocumentKind::plan) {
            plan::ReadResult read = plan::read_plans(*text);
            std::string query_text;
            if (query) query_text = *query;
            else if (query_path && read_bytes(query_path->string(), query_text)) query_text.clear();
            for (auto& p : read.plans)
              if (p.query_text.empty()) p.query_text = query_text;
            plans = std::make_shared<const plan::ReadResult>(std::move(read));
            std::shared_ptr<const SchemaLayers> schema = schema_of(profile);
            MarkPlan mark;
            if (options_.verify_plan_indexes && schema->live)
              mark = [&](const plan::Plan& p, plan::Diagnosis& diagnosis) {
                if (!p.query_text.empty())
                  options_.verify_plan_indexes(profile->database_url, profile->config, *schema->complete, p.query_text,
                                               diagnosis);
                else if (asks_for_index(diagnosis)) say_plan_unpaired(uri, origin);
              };
            out = SharedFindings(plan_diagnostics(*plans, *text, profile->config, *schema->complete, mark));
          } else if (!excluded && kind == DocumentKind::sql) {
            SourceFile file;
            DecodeError error;
            if (decode_source(path, *text, file, error)) {
              catalog = linter->catalog_for(schema_of(profile), profile->config, file, origin, no_ddl);
              out = linter->lint_shared(profile->linter, catalog, file);
              if (options_.verify_indexes && schema_of(profile)->live) {
                // The planner's verdict on each suggested index (advise): rare, so a copy is fine.
                std::vector<Diagnostic> verified = out.flatten();
                options_.verify_indexes(profile->database_url, profile->config, *catalog, file, verified);
                out = SharedFindings(std::move(verified));
              }
              // Back to the editor's offsets, before the BOM the lint did not see.
              if (file.had_bom) out = out.shifted(3);
            } else {
              out = document_error(error.offset, error.message);
            }
          }
        } catch (const std::exception& e) {
          // Published all the same, so that requests waiting for this text are answered.
          out = document_error(0, fmt::format("pglens could not lint this document: {}", e.what()));
        }
        finish_lint(uri, version, text, std::move(out),
                    std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start), std::move(plans),
                    std::move(catalog), origin, *writer);
      });
}

void Server::say_plan_unpaired(const std::string& uri, const std::string& origin) {
  std::lock_guard lock(mutex_);
  if (!unpaired_plans_said_.insert(uri).second) return;
  client_.log_message(MessageType::info,
                      fmt::format("pglens: the indexes suggested in {} are not verified: the plan carries no query "
                                  "text (name its query file in a first line `-- pglens-query: FILE`, or set "
                                  "planQueryPairing)",
                                  origin));
}

LspDiagnostic Server::to_lsp(const Diagnostic& d, const std::string& uri, const LspLines& lines) const {
  LspDiagnostic out;
  ColumnUnit u = unit();
  out.range = lines.range(d.span, u);
  out.severity = lsp_severity(d.severity);
  out.code = d.rule;
  if (!d.rule.empty()) {
    std::lock_guard lock(docs_urls_mutex_);
    auto url = docs_urls_.find(d.rule);
    if (url == docs_urls_.end()) url = docs_urls_.emplace(d.rule, find_rule(d.rule) ? rule_docs_url(d.rule) : "").first;
    out.code_description = url->second;
  }
  out.message = d.message;
  if (related_information_)
    for (const auto& r : d.related_locations) out.related.push_back({{uri, lines.range(r.span, u)}, r.message});
  return out;
}

void Server::finish_lint(const std::string& uri, int64_t version, std::shared_ptr<const std::string> text,
                         SharedFindings diagnostics, std::chrono::microseconds took,
                         std::shared_ptr<const plan::ReadResult> plans, std::shared_ptr<const Catalog> catalog,
                         std::string origin, DiagnosticsWriter& writer) {
  // Positions are worked out before taking the lock: on a long line of a UTF-16 client that
  // is the costly part, and requests about other documents must not wait for it.
  size_t cap = 0;
  bool pull = false;
  {
    std::lock_guard lock(mutex_);
    cap = static_cast<size_t>(settings_.max_diagnostics);
    pull = pull_diagnostics_;
  }
  auto lines = std::make_shared<LspLines>(*text);
  std::vector<LspDiagnostic> shown;  // an editor that pulls diagnostics asks for these
  std::string notification;          // one that does not gets them pushed
  if (pull) {
    diagnostics.each([&](const Diagnostic& kept, uint32_t offset) {
      if (shown.size() == cap) {
        shown.push_back(more_findings_note(diagnostics.size(), cap, lines->position(kept.span.begin + offset, unit())));
        return false;
      }
      shown.push_back(to_lsp(SharedFindings::place(kept, offset), uri, *lines));
      return true;
    });
  } else {
    notification = writer.write(uri, version, diagnostics, *text, *lines, unit(), cap,
                                [&](const Diagnostic& d, const LspLines& l) { return to_lsp(d, uri, l); });
  }

  std::optional<Published> replaced;  // freed once the lock is released: thousands of findings
  std::lock_guard lock(mutex_);
  auto it = documents_.find(uri);
  if (it != documents_.end()) it->second.last_lint_time = took;
  // Stale: the document changed or closed while it was linted; a newer lint is scheduled.
  if (it == documents_.end() || it->second.version != version || it->second.text != text || shut_down_) return;
  bool refresh = pull_diagnostics_ && diagnostics_refresh_ && it->second.published &&
      it->second.published->version == version;  // new findings for a text the editor already pulled
  if (!pull_diagnostics_) client_.publish_diagnostics_json(std::move(notification));
  replaced = std::exchange(it->second.published,
                           Published{version, std::move(text), std::move(lines), std::move(diagnostics),
                                     std::move(plans), std::move(catalog), std::move(shown), std::move(origin)});
  answer_waiting(it->second);
  if (refresh) client_.refresh_diagnostics();
}

void Server::answer_when_current(Document& doc, std::function<void(bool current)> answer) {
  if (current(doc)) return answer(true);
  if (shut_down_ || doc.out_of_sync) return answer(false);
  // Asked right after an edit (Emacs asks for code actions as it sends the change): the
  // lint of this text is due or running; answer when it publishes, and hurry it.
  doc.waiting.push_back({doc.version, std::move(answer)});
  scheduler_.expedite(doc.uri);
}

void Server::answer_waiting(Document& doc) {
  std::vector<Waiting> waiting;
  waiting.swap(doc.waiting);
  bool now_current = current(doc);
  for (auto& w : waiting) {
    if (now_current && w.version == doc.version) w.answer(true);
    else if (now_current || shut_down_ || doc.out_of_sync) w.answer(false);  // asked of a text that is gone
    else doc.waiting.push_back(std::move(w));
  }
}

void Server::mark_out_of_sync(Document& doc, const std::string& why) {
  doc.out_of_sync = true;
  doc.published.reset();
  scheduler_.cancel(doc.uri);
  answer_waiting(doc);
  // Findings on a text the editor does not show would sit on the wrong lines: say why
  // there are none instead, and how to get them back.
  LspDiagnostic note;
  note.severity = DiagnosticSeverity::warning;
  note.message = fmt::format(
      "pglens lost track of this buffer's text ({}); findings resume when the file is "
      "saved or reopened",
      why);
  client_.publish_diagnostics({doc.uri, doc.version, {note}});
}

void Server::did_open(const DidOpenParams& params) {
  std::lock_guard lock(mutex_);
  Document doc;
  doc.uri = params.document.uri;
  doc.kind = document_kind(params.document.language_id, doc.uri);
  doc.version = params.document.version;
  doc.text = std::make_shared<const std::string>(params.document.text);
  doc.path = uri_to_path(doc.uri);
  doc.may_hold_ddl = catalog::may_hold_ddl(*doc.text);
  if (config_files_changed()) profiles_.clear();
  profile_for(doc);
  auto& slot = documents_[doc.uri];
  for (auto& w : slot.waiting) w.answer(false);
  slot = std::move(doc);
  schedule_lint(slot, std::chrono::milliseconds(0));
}

void Server::did_change(const DidChangeParams& params) {
  std::lock_guard lock(mutex_);
  auto it = documents_.find(params.uri);
  if (it == documents_.end())
    throw ProtocolError(ErrorCode::invalid_params, "didChange for a document that is not open: " + params.uri);
  Document& doc = it->second;
  doc.version = params.version;
  bool full = std::any_of(params.changes.begin(), params.changes.end(), [](const auto& c) { return !c.range; });
  if (doc.out_of_sync && !full) {
    mark_out_of_sync(doc, "an earlier edit did not fit it");
    return;
  }
  std::string text = *doc.text;
  Span changed;
  if (!apply_changes(text, params.changes, unit(), &changed)) {
    mark_out_of_sync(doc, fmt::format("an edit addressed a line past its end, version {}", params.version));
    return;
  }
  doc.out_of_sync = false;
  if (!doc.may_hold_ddl || full) {
    // A DDL word the edit made lies within a word's length of what it wrote.
    constexpr uint32_t kReach = 8;
    uint32_t from = changed.begin > kReach ? changed.begin - kReach : 0;
    uint32_t to = std::min<uint32_t>(static_cast<uint32_t>(text.size()), changed.end + kReach);
    doc.may_hold_ddl = catalog::may_hold_ddl(std::string_view(text).substr(from, to - from));
  }
  doc.text = std::make_shared<const std::string>(std::move(text));
  auto now = Clock::now();
  bool typing = now - doc.last_change < doc.last_lint_time;
  doc.last_change = now;
  auto adaptive = typing ? std::min<std::chrono::microseconds>(doc.last_lint_time, kMaxAdaptiveDebounce)
                         : std::chrono::microseconds(0);
  schedule_lint(doc, std::max<std::chrono::microseconds>(debounce(), adaptive));
}

void Server::did_save(const DidSaveParams& params) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = documents_.find(params.uri); it != documents_.end() && it->second.out_of_sync) {
      // Saved, the file holds the editor's text: take it from there (or from the save).
      Document& doc = it->second;
      std::string bytes;
      if (params.text) bytes = *params.text;
      if (params.text || (doc.path && !read_bytes(doc.path->string(), bytes))) {
        doc.text = std::make_shared<const std::string>(std::move(bytes));
        doc.may_hold_ddl = catalog::may_hold_ddl(*doc.text);
        doc.out_of_sync = false;
        schedule_lint(doc, std::chrono::milliseconds(0));
      }
    }
    if (config_files_changed()) {
      reload_all();
      return;
    }
  }
  // A saved schema file or a new .pglens.toml, which an editor that watches no files for us
  // would not report.
  if (!watch_files_) check_files();
}

void Server::did_close(const DidCloseParams& params) {
  std::lock_guard lock(mutex_);
  scheduler_.cancel(params.uri);
  auto it = documents_.find(params.uri);
  if (it == documents_.end()) return;
  for (auto& w : it->second.waiting) w.answer(false);
  documents_.erase(it);
  client_.publish_diagnostics({params.uri, std::nullopt, {}});
}

void Server::did_change_configuration(const DidChangeConfigurationParams& params) {
  std::lock_guard lock(mutex_);
  Settings next = settings_;
  std::vector<std::string> problems;
  apply_settings(params.settings, next, problems);
  // Editors send the same settings again (eglot at start): neither the problems are shown
  // twice nor is anything rebuilt when nothing changed.
  if (problems != settings_problems_)
    for (const auto& p : problems) client_.show_message(MessageType::warning, "pglens: " + p);
  settings_problems_ = std::move(problems);
  if (next == settings_) return;
  bool profiles_change = next.config_path != settings_.config_path || next.database_url != settings_.database_url;
  bool republish =
      next.max_diagnostics != settings_.max_diagnostics || next.plan_query_pairing != settings_.plan_query_pairing;
  settings_ = std::move(next);
  if (profiles_change) reload_all();
  else if (republish) relint_all();
}

void Server::did_change_watched_files(const DidChangeWatchedFilesParams& params) {
  std::lock_guard lock(mutex_);
  bool relevant = false;
  for (const auto& event : params.changes) {
    auto path = uri_to_path(event.uri);
    if (!path) continue;
    if (path->filename() == ".pglens.toml") relevant = true;
    for (const auto& [key, profile] : profiles_) {
      const Config& c = profile->config;
      auto under_root = [&](const std::string& p) { return (c.root / p).lexically_normal(); };
      if (!c.catalog.empty() && under_root(c.catalog) == path->lexically_normal()) relevant = true;
      for (const auto& s : c.schema) {
        auto base = under_root(s).string();
        auto changed = path->lexically_normal().string();
        if (changed == base || changed.starts_with(base + "/")) relevant = true;
      }
    }
  }
  if (relevant) reload_all();
}

void Server::check_files() {
  // The looking is done without the lock (a migrations directory can be large).
  std::vector<std::shared_ptr<const Profile>> profiles;
  std::vector<std::pair<std::filesystem::path, std::string>> governed;  // document path, its config
  std::string config_path;
  {
    std::lock_guard lock(mutex_);
    if (shut_down_) return;
    for (const auto& [key, p] : profiles_) profiles.push_back(p);
    for (const auto& [uri, doc] : documents_)
      if (doc.path) governed.emplace_back(*doc.path, doc.profile_key);
    config_path = settings_.config_path;
  }
  bool changed = false;
  for (const auto& p : profiles)
    if (!changed && watched_files(p->key, p->config) != p->watched) changed = true;
  if (config_path.empty())
    for (const auto& [path, key] : governed) {
      if (changed) break;
      auto found = find_config(path);
      if ((found ? found->string() : std::string()) != key) changed = true;
    }
  if (!changed) return;
  std::lock_guard lock(mutex_);
  if (!shut_down_) reload_all();
}

bool Server::config_files_changed() {
  std::error_code ec;
  for (const auto& [key, profile] : profiles_) {
    if (key.empty()) continue;
    auto was = profile->watched.find(key);
    if (was == profile->watched.end() || std::filesystem::last_write_time(key, ec) != was->second) return true;
  }
  return false;
}

void Server::reload_all() {
  profiles_.clear();
  for (auto& [uri, doc] : documents_) {
    profile_for(doc);
    schedule_lint(doc, std::chrono::milliseconds(0));
  }
}

void Server::relint_all() {
  for (auto& [uri, doc] : documents_) schedule_lint(doc, std::chrono::milliseconds(0));
}

void Server::code_action(const CodeActionParams& params, Reply reply) {
  std::lock_guard lock(mutex_);
  if (!params.only.empty() && std::none_of(params.only.begin(), params.only.end(), [](const std::string& k) {
        return k == "quickfix" || k.starts_with("quickfix.") || k.empty();
      }))
    return reply(json::array());
  auto it = documents_.find(params.uri);
  if (it == documents_.end()) return reply(json::array());
  answer_when_current(it->second, [this, params, reply = std::move(reply)](bool now_current) {
    std::vector<CodeAction> actions;
    const Document& doc = documents_.at(params.uri);
    if (!now_current) return reply(json(actions));
    const Published& pub = *doc.published;
    std::string_view text = *pub.text;
    const LspLines& lines = *pub.lines;
    uint32_t from = lines.offset(params.range.start, unit());
    uint32_t to = lines.offset(params.range.end, unit());
    if (to < from) std::swap(from, to);
    std::string query_uri, query_name;
    if (auto paired = paired_query(doc, text)) {
      query_uri = path_to_uri(paired->path);
      query_name = paired->name;
    }
    ActionContext ctx{params.uri, text,      lines, unit(), settings_.client_copies_ddl, doc.kind == DocumentKind::plan,
                      query_uri,  query_name};
    pub.diagnostics.each([&](const Diagnostic& kept, uint32_t offset) {
      if (kept.span.begin + offset > to || kept.span.end + offset < from || kept.rule.empty()) return true;
      Diagnostic d = SharedFindings::place(kept, offset);
      auto more = code_actions(d, to_lsp(d, params.uri, lines), ctx);
      std::move(more.begin(), more.end(), std::back_inserter(actions));
      return true;
    });
    reply(json(actions));
  });
}

void Server::hover(const TextDocumentPositionParams& params, Reply reply) {
  std::lock_guard lock(mutex_);
  auto it = documents_.find(params.uri);
  if (it == documents_.end()) return reply(nullptr);
  answer_when_current(it->second, [this, params, reply = std::move(reply)](bool now_current) {
    if (!now_current) return reply(nullptr);
    const Document& doc = documents_.at(params.uri);
    const Published& pub = *doc.published;
    const LspLines& lines = *pub.lines;
    ColumnUnit u = unit();
    uint32_t at = lines.offset(params.position, u);
    std::string markdown;
    std::optional<Range> range;
    std::set<std::string> documented;
    std::string docs;
    pub.diagnostics.each([&](const Diagnostic& d, uint32_t offset) {
      const Span span{d.span.begin + offset, d.span.end + offset};
      if (at < span.begin || at > span.end || d.rule.empty()) return true;
      if (!range) range = lines.range(span, u);
      markdown += fmt::format("**{}** ({}): {}\n\n", d.rule, to_string(d.severity), d.message);
      if (!d.help_text.empty()) markdown += fmt::format("help: {}\n\n", d.help_text);
      if (!d.ddl_text.empty()) markdown += fmt::format("```sql\n{}\n```\n\n", d.ddl_text);
      if (const RuleInfo* rule = find_rule(d.rule); rule && documented.insert(d.rule).second)
        docs += "---\n\n" + render_rule_docs(*rule);
      return true;
    });
    if (markdown.empty() && doc.kind == DocumentKind::sql && pub.catalog)
      // Over a table name: what the catalog knows of it (the schema's and the document's DDL).
      if (auto name = name_at(*pub.text, at))
        if (const Table* table = pub.catalog->find_table(name->schema, name->name)) {
          markdown = render_table_hover(*table, *pub.catalog);
          range = lines.range(name->span, u);
        }
    if (pub.plans) {
      const plan::Plan* owner = nullptr;
      if (const plan::Node* node = node_at(*pub.plans, at, &owner)) {
        if (!range) range = lines.range(node->span, u);
        markdown = render_node_hover(*owner, *node) + "\n" + markdown;
      } else if (const plan::Plan* whole = plan_at(*pub.plans, LineIndex(*pub.text).line_of(at) + 1)) {
        markdown = render_plan_hover(*whole) + "\n" + markdown;
      }
    }
    if (markdown.empty()) return reply(nullptr);
    reply(json(Hover{markdown + docs, range}));
  });
}

void Server::answer_current(const std::string& uri, Reply reply, json empty,
                            std::function<json(const Document&, const Published&)> answer) {
  std::lock_guard lock(mutex_);
  auto it = documents_.find(uri);
  if (it == documents_.end()) return reply(std::move(empty));
  answer_when_current(
      it->second,
      [this, uri, reply = std::move(reply), empty = std::move(empty), answer = std::move(answer)](bool now_current) {
        if (!now_current) return reply(empty);
        const Document& doc = documents_.at(uri);
        reply(answer(doc, *doc.published));
      });
}

void Server::diagnostic(const std::string& uri, Reply reply) {
  answer_current(uri, std::move(reply), {{"kind", "full"}, {"items", json::array()}},
                 [](const Document&, const Published& pub) {
                   return json{{"kind", "full"}, {"items", pub.shown}};
                 });
}

void Server::document_symbol(const std::string& uri, Reply reply) {
  answer_current(uri, std::move(reply), json::array(), [this](const Document& doc, const Published& pub) {
    if (doc.kind != DocumentKind::sql) return json::array();
    return json(document_symbols(*pub.text, *pub.lines, unit()));
  });
}

void Server::folding_range(const std::string& uri, Reply reply) {
  answer_current(uri, std::move(reply), json::array(), [](const Document& doc, const Published& pub) {
    if (doc.kind != DocumentKind::sql) return json::array();
    return json(folding_ranges(*pub.text, *pub.lines));
  });
}

void Server::definition(const TextDocumentPositionParams& params, Reply reply) {
  answer_current(params.uri, std::move(reply), nullptr, [this, params](const Document& doc, const Published& pub) {
    if (doc.kind != DocumentKind::sql || !pub.catalog) return json(nullptr);
    auto name = name_at(*pub.text, pub.lines->offset(params.position, unit()));
    if (!name) return json(nullptr);
    const Table* table = pub.catalog->find_table(name->schema, name->name);
    auto profile = profiles_.find(doc.profile_key);
    if (!table || profile == profiles_.end()) return json(nullptr);
    auto location = table_location(*table, profile->second->config.root, pub.origin, doc.uri);
    return location ? json(*location) : json(nullptr);
  });
}

void Server::completion(const TextDocumentPositionParams& params, Reply reply) {
  answer_current(params.uri, std::move(reply), json::array(),
                 [this, params](const Document& doc, const Published& pub) {
                   if (doc.kind != DocumentKind::sql || !pub.catalog) return json::array();
                   return json(complete_names(*pub.text, pub.lines->offset(params.position, unit()), *pub.catalog));
                 });
}

void Server::wait_idle() {
  scheduler_.wait_idle();
  loader_.wait_nothing_due();  // a retry in a while is not waited for
  scheduler_.wait_idle();      // the lints a schema read from the database started
}

}  // namespace pglens::lsp
