#include "lsp/server.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "lsp/actions.hpp"
#include "lsp/catalog_view.hpp"
#include "lsp/names.hpp"
#include "lsp/plan_view.hpp"
#include "lsp/text.hpp"
#include "lsp/uri.hpp"
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

// Spans of a file whose BOM was stripped before linting, moved back to the editor's offsets.
void shift_spans(std::vector<Diagnostic>& ds, uint32_t by) {
  auto shift = [by](Span& s) { s = {s.begin + by, s.end + by}; };
  for (auto& d : ds) {
    shift(d.span);
    for (auto& r : d.related_locations) shift(r.span);
    if (d.fix_value)
      for (auto& e : d.fix_value->edits) shift(e.span);
  }
}

}  // namespace

DocumentKind document_kind(std::string_view language_id, std::string_view uri) {
  if (language_id == "pgexplain") return DocumentKind::plan;
  if (has_suffix(uri, ".explain") || has_suffix(uri, ".plan")) return DocumentKind::plan;
  return DocumentKind::sql;
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
    else
      problems.push_back("setting `debounceMs` must be an integer from 0 to 10000");
  }
  if (auto it = s->find("clientCommands"); it != s->end() && it->is_array())
    for (const json& c : *it)
      if (c == "pglens.copyDdl") out.client_copies_ddl = true;
}

Server::Server(Client& client, ServerOptions options) : client_(client), options_(options) {}

Server::~Server() = default;

std::chrono::milliseconds Server::debounce() const {
  return settings_.debounce_ms ? std::chrono::milliseconds(*settings_.debounce_ms) : options_.debounce;
}

json Server::initialize(const InitializeParams& params) {
  std::lock_guard lock(mutex_);
  utf8_positions_ = std::find(params.position_encodings.begin(), params.position_encodings.end(), "utf-8") !=
                    params.position_encodings.end();
  related_information_ = params.related_information;
  watch_files_ = params.watched_files_dynamic_registration;
  std::optional<std::string> root = params.root_uri;
  if (!params.workspace_folders.empty()) root = params.workspace_folders.front().uri;
  if (root) workspace_root_ = uri_to_path(*root);
  std::vector<std::string> problems;
  apply_settings(params.initialization_options, settings_, problems);
  for (const auto& p : problems) client_.show_message(MessageType::warning, "pglens: " + p);

  json capabilities = {
      {"positionEncoding", utf8_positions_ ? "utf-8" : "utf-16"},
      {"textDocumentSync", {{"openClose", true}, {"change", 2}, {"save", {{"includeText", false}}}}},
      {"codeActionProvider", {{"codeActionKinds", json::array({"quickfix"})}}},
      {"hoverProvider", true},
  };
  return {{"capabilities", capabilities}, {"serverInfo", {{"name", "pglens"}, {"version", PGLENS_VERSION}}}};
}

void Server::initialized() {
  std::lock_guard lock(mutex_);
  if (watch_files_) client_.register_file_watchers({"**/.pglens.toml", "**/*.json", "**/*.sql"});
}

void Server::shutdown() {
  {
    std::lock_guard lock(mutex_);
    shut_down_ = true;
    for (const auto& [uri, doc] : documents_) scheduler_.cancel(uri);
  }
  scheduler_.wait_idle();
}

std::shared_ptr<const Server::Profile> Server::load_profile(const std::string& key) {
  auto profile = std::make_shared<Profile>();
  std::error_code ec;
  if (!key.empty()) {
    if (auto err = load_config(key, profile->config)) {
      client_.show_message(MessageType::error, fmt::format("pglens: {} (using the default configuration)", err->format()));
      profile->config = Config{};
      profile->config.root = std::filesystem::path(key).parent_path();
    }
    profile->config_mtime = std::filesystem::last_write_time(key, ec);
  } else {
    profile->config.root = workspace_root_ ? *workspace_root_ : std::filesystem::current_path(ec);
  }
  profile->linter = std::make_shared<const Linter>(profile->config);
  return profile;
}

const std::shared_ptr<const Catalog>& Server::catalog_of(const Profile& profile) {
  std::call_once(profile.catalog_once, [&] {
    auto catalog = std::make_shared<Catalog>();
    CatalogSources sources;
    // The editor's own setting is the user's; the config's URL only once trusted (build_catalog).
    sources.db_url = settings_.database_url;
    sources.threads = 2;  // a migrations directory is parsed a file ahead of the one being applied
    sources.on_notice = [this](const std::string& notice) {
      client_.show_message(MessageType::warning, fmt::format("pglens: {}", notice));
    };
    if (auto error = build_catalog(profile.config, sources, *catalog))
      client_.show_message(MessageType::warning, fmt::format("pglens: schema not fully loaded: {}", *error));
    profile.catalog = std::move(catalog);
    profile.catalog_ready.store(true, std::memory_order_release);
  });
  return profile.catalog;
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
  if (shut_down_) return;
  std::shared_ptr<const Profile> profile = profiles_.at(doc.profile_key);
  bool excluded = doc.path && profile->config.excluded(*doc.path);
  std::string path = doc.path ? doc.path->string() : doc.uri;
  scheduler_.schedule(doc.uri, Clock::now() + delay, [this, uri = doc.uri, version = doc.version, text = doc.text,
                                                      kind = doc.kind, profile, excluded, path, linter = doc.linter] {
    auto start = Clock::now();
    std::vector<Diagnostic> out;
    std::shared_ptr<const plan::ReadResult> plans;
    if (!excluded && kind == DocumentKind::plan) {
      plans = std::make_shared<const plan::ReadResult>(plan::read_plans(*text));
      out = plan_diagnostics(*plans, *text, profile->config, *catalog_of(*profile));
    } else if (!excluded && kind == DocumentKind::sql) {
      SourceFile file;
      DecodeError error;
      if (decode_source(path, *text, file, error)) {
        out = linter->lint(profile->linter, catalog_of(*profile), file);
        if (file.had_bom) shift_spans(out, 3);
      } else {
        Diagnostic d("", {error.offset, error.offset}, error.message);
        d.severity = Severity::error;
        out.push_back(std::move(d));
      }
    }
    finish_lint(uri, version, text, std::move(out),
                std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start), std::move(plans));
  });
}

LspDiagnostic Server::to_lsp(const Diagnostic& d, const std::string& uri, const LineIndex& lines) const {
  LspDiagnostic out;
  out.range = lsp_range(lines, d.span, unit());
  out.severity = lsp_severity(d.severity);
  out.code = d.rule;
  if (!d.rule.empty()) {
    auto url = docs_urls_.find(d.rule);
    if (url == docs_urls_.end()) url = docs_urls_.emplace(d.rule, find_rule(d.rule) ? rule_docs_url(d.rule) : "").first;
    out.code_description = url->second;
  }
  out.message = d.message;
  if (related_information_)
    for (const auto& r : d.related_locations)
      out.related.push_back({{uri, lsp_range(lines, r.span, unit())}, r.message});
  return out;
}

void Server::finish_lint(const std::string& uri, int64_t version, std::shared_ptr<const std::string> text,
                         std::vector<Diagnostic> diagnostics, std::chrono::microseconds took,
                         std::shared_ptr<const plan::ReadResult> plans) {
  std::lock_guard lock(mutex_);
  auto it = documents_.find(uri);
  if (it != documents_.end()) it->second.last_lint_time = took;
  // Stale: the document changed or closed while it was linted; a newer lint is scheduled.
  if (it == documents_.end() || it->second.version != version || it->second.text != text || shut_down_) return;
  LineIndex lines(*text);
  PublishDiagnosticsParams params{uri, version, {}};
  for (const auto& d : diagnostics) params.diagnostics.push_back(to_lsp(d, uri, lines));
  it->second.published = Published{version, std::move(text), std::move(diagnostics), std::move(plans)};
  client_.publish_diagnostics(params);
}

void Server::did_open(const DidOpenParams& params) {
  std::lock_guard lock(mutex_);
  Document doc;
  doc.uri = params.document.uri;
  doc.kind = document_kind(params.document.language_id, doc.uri);
  doc.version = params.document.version;
  doc.text = std::make_shared<const std::string>(params.document.text);
  doc.path = uri_to_path(doc.uri);
  if (config_files_changed()) profiles_.clear();
  profile_for(doc);
  auto& slot = documents_[doc.uri];
  slot = std::move(doc);
  schedule_lint(slot, std::chrono::milliseconds(0));
}

void Server::did_change(const DidChangeParams& params) {
  std::lock_guard lock(mutex_);
  auto it = documents_.find(params.uri);
  if (it == documents_.end()) throw ProtocolError(ErrorCode::invalid_params, "didChange for a document that is not open: " + params.uri);
  Document& doc = it->second;
  std::string text = *doc.text;
  apply_changes(text, params.changes, unit());
  doc.version = params.version;
  doc.text = std::make_shared<const std::string>(std::move(text));
  auto now = Clock::now();
  bool typing = now - doc.last_change < doc.last_lint_time;
  doc.last_change = now;
  auto adaptive = typing ? std::min<std::chrono::microseconds>(doc.last_lint_time, kMaxAdaptiveDebounce)
                         : std::chrono::microseconds(0);
  schedule_lint(doc, std::max<std::chrono::microseconds>(debounce(), adaptive));
}

void Server::did_save(const DidSaveParams& /*params*/) {
  std::lock_guard lock(mutex_);
  if (config_files_changed()) reload_all();
}

void Server::did_close(const DidCloseParams& params) {
  std::lock_guard lock(mutex_);
  scheduler_.cancel(params.uri);
  if (documents_.erase(params.uri) == 0) return;
  client_.publish_diagnostics({params.uri, std::nullopt, {}});
}

void Server::did_change_configuration(const DidChangeConfigurationParams& params) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> problems;
  apply_settings(params.settings, settings_, problems);
  for (const auto& p : problems) client_.show_message(MessageType::warning, "pglens: " + p);
  reload_all();
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

bool Server::config_files_changed() {
  std::error_code ec;
  for (const auto& [key, profile] : profiles_) {
    if (key.empty()) continue;
    if (std::filesystem::last_write_time(key, ec) != profile->config_mtime) return true;
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

std::vector<CodeAction> Server::code_action(const CodeActionParams& params) {
  std::lock_guard lock(mutex_);
  std::vector<CodeAction> actions;
  if (!params.only.empty() && std::none_of(params.only.begin(), params.only.end(), [](const std::string& k) {
        return k == "quickfix" || k.starts_with("quickfix.") || k.empty();
      }))
    return actions;
  auto it = documents_.find(params.uri);
  if (it == documents_.end()) return actions;
  const Document& doc = it->second;
  // Actions come from the findings the editor shows; when they are stale it asks again
  // after the next publish.
  if (!doc.published || doc.published->version != doc.version || doc.published->text != doc.text) return actions;
  const Published& pub = *doc.published;
  std::string_view text = *pub.text;
  LineIndex lines(text);
  uint32_t from = byte_offset(lines, text.size(), params.range.start, unit());
  uint32_t to = byte_offset(lines, text.size(), params.range.end, unit());
  if (to < from) std::swap(from, to);
  for (const Diagnostic& d : pub.diagnostics) {
    if (d.span.begin > to || d.span.end < from || d.rule.empty()) continue;
    ActionContext ctx{params.uri, text, lines, unit(), settings_.client_copies_ddl};
    auto more = code_actions(d, to_lsp(d, params.uri, lines), ctx);
    std::move(more.begin(), more.end(), std::back_inserter(actions));
  }
  return actions;
}

std::optional<Hover> Server::hover(const TextDocumentPositionParams& params) {
  std::lock_guard lock(mutex_);
  auto it = documents_.find(params.uri);
  if (it == documents_.end()) return std::nullopt;
  const Document& doc = it->second;
  if (!doc.published || doc.published->text != doc.text) return std::nullopt;
  const Published& pub = *doc.published;
  LineIndex lines(*pub.text);
  uint32_t at = byte_offset(lines, pub.text->size(), params.position, unit());
  std::string markdown;
  std::optional<Range> range;
  std::set<std::string> documented;
  std::string docs;
  for (const Diagnostic& d : pub.diagnostics) {
    if (at < d.span.begin || at > d.span.end || d.rule.empty()) continue;
    if (!range) range = lsp_range(lines, d.span, unit());
    markdown += fmt::format("**{}** ({}): {}\n\n", d.rule, to_string(d.severity), d.message);
    if (!d.help_text.empty()) markdown += fmt::format("help: {}\n\n", d.help_text);
    if (!d.ddl_text.empty()) markdown += fmt::format("```sql\n{}\n```\n\n", d.ddl_text);
    if (const RuleInfo* rule = find_rule(d.rule); rule && documented.insert(d.rule).second)
      docs += "---\n\n" + render_rule_docs(*rule);
  }
  if (markdown.empty() && doc.kind == DocumentKind::sql) {
    // Over a table name: what the catalog knows, once the worker has loaded it.
    auto profile = profiles_.find(doc.profile_key);
    if (profile != profiles_.end() && profile->second->catalog_ready.load(std::memory_order_acquire))
      if (auto name = name_at(*pub.text, at)) {
        const Catalog& catalog = *profile->second->catalog;
        if (const Table* table = catalog.find_table(name->schema, name->name)) {
          markdown = render_table_hover(*table, catalog);
          range = lsp_range(lines, name->span, unit());
        }
      }
  }
  if (pub.plans) {
    const plan::Plan* owner = nullptr;
    if (const plan::Node* node = node_at(*pub.plans, at, &owner)) {
      if (!range) range = lsp_range(lines, node->span, unit());
      markdown = render_node_hover(*owner, *node) + "\n" + markdown;
    } else if (const plan::Plan* whole = plan_at(*pub.plans, lines.line_of(at) + 1)) {
      markdown = render_plan_hover(*whole) + "\n" + markdown;
    }
  }
  if (markdown.empty()) return std::nullopt;
  return Hover{markdown + docs, range};
}

void Server::wait_idle() { scheduler_.wait_idle(); }

}  // namespace pglens::lsp
