#include "lsp/protocol.hpp"

#include <charconv>

#include <fmt/format.h>

#include "source/json_string.hpp"

namespace pglens::lsp {
namespace {

[[noreturn]] void bad(std::string_view what) { throw ProtocolError(ErrorCode::invalid_params, std::string(what)); }

const json& field(const json& j, const char* key) {
  if (!j.is_object()) bad(fmt::format("expected an object holding `{}`", key));
  auto it = j.find(key);
  if (it == j.end()) bad(fmt::format("missing field `{}`", key));
  return *it;
}

const json* optional_field(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string string_field(const json& j, const char* key) {
  const json& v = field(j, key);
  if (!v.is_string()) bad(fmt::format("field `{}` must be a string", key));
  return v.get<std::string>();
}

int64_t integer_field(const json& j, const char* key) {
  const json& v = field(j, key);
  if (!v.is_number_integer()) bad(fmt::format("field `{}` must be an integer", key));
  return v.get<int64_t>();
}

uint32_t uinteger_field(const json& j, const char* key) {
  const json& v = field(j, key);
  if (!v.is_number_integer()) bad(fmt::format("field `{}` must be an integer", key));
  int64_t n = v.get<int64_t>();
  if (n < 0 || n > int64_t{UINT32_MAX}) bad(fmt::format("field `{}` is out of range", key));
  return static_cast<uint32_t>(n);
}

std::string document_uri(const json& params) { return string_field(field(params, "textDocument"), "uri"); }

void append_number(std::string& out, uint64_t n) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, static_cast<size_t>(end - digits));
}

// A position's numbers, or with `holes` none: where each would go is recorded instead.
void append_position(std::string& out, const LspPosition& p, std::vector<uint32_t>* holes) {
  out += R"({"line":)";
  if (holes) holes->push_back(static_cast<uint32_t>(out.size()));
  else append_number(out, p.line);
  out += R"(,"character":)";
  if (holes) holes->push_back(static_cast<uint32_t>(out.size()));
  else append_number(out, p.character);
  out += '}';
}

void append_range(std::string& out, const Range& r, std::vector<uint32_t>* holes) {
  out += R"({"start":)";
  append_position(out, r.start, holes);
  out += R"(,"end":)";
  append_position(out, r.end, holes);
  out += '}';
}

}  // namespace

size_t diagnostic_json_estimate(const LspDiagnostic& d, std::string_view uri) {
  return 200 + d.code.size() + d.code_description.size() + d.message.size() + d.related.size() * (150 + uri.size());
}

void append_diagnostic_json(std::string& out, const LspDiagnostic& d, std::vector<uint32_t>* holes) {
  out += R"({"range":)";
  append_range(out, d.range, holes);
  out += R"(,"severity":)";
  append_number(out, static_cast<uint64_t>(d.severity));
  if (!d.code.empty()) {
    out += R"(,"code":)";
    append_json_string(out, d.code);
  }
  if (!d.code_description.empty()) {
    out += R"(,"codeDescription":{"href":)";
    append_json_string(out, d.code_description);
    out += '}';
  }
  out += R"(,"source":)";
  append_json_string(out, d.source);
  out += R"(,"message":)";
  append_json_string(out, d.message);
  if (!d.related.empty()) {
    out += R"(,"relatedInformation":[)";
    for (size_t i = 0; i < d.related.size(); ++i) {
      if (i) out += ',';
      out += R"({"location":{"uri":)";
      append_json_string(out, d.related[i].location.uri);
      out += R"(,"range":)";
      append_range(out, d.related[i].location.range, holes);
      out += R"(},"message":)";
      append_json_string(out, d.related[i].message);
      out += '}';
    }
    out += ']';
  }
  out += '}';
}

std::string publish_diagnostics_head(const std::string& uri, std::optional<int64_t> version) {
  std::string out = R"({"jsonrpc":"2.0","method":"textDocument/publishDiagnostics","params":{"uri":)";
  append_json_string(out, uri);
  if (version) fmt::format_to(std::back_inserter(out), R"(,"version":{})", *version);
  out += R"(,"diagnostics":[)";
  return out;
}

std::string publish_diagnostics_notification(const PublishDiagnosticsParams& p) {
  std::string out;
  size_t estimate = 128 + p.uri.size();
  for (const LspDiagnostic& d : p.diagnostics) estimate += diagnostic_json_estimate(d, p.uri);
  out.reserve(estimate + estimate / 8);  // room for escapes: one allocation for the whole message
  out += publish_diagnostics_head(p.uri, p.version);
  bool first = true;
  for (const LspDiagnostic& d : p.diagnostics) {
    if (!first) out += ',';
    first = false;
    append_diagnostic_json(out, d);
  }
  out += kPublishDiagnosticsTail;
  return out;
}

void from_json(const json& j, LspPosition& out) {
  out.line = uinteger_field(j, "line");
  out.character = uinteger_field(j, "character");
}

void to_json(json& j, const LspPosition& p) { j = json{{"line", p.line}, {"character", p.character}}; }

void from_json(const json& j, Range& out) {
  from_json(field(j, "start"), out.start);
  from_json(field(j, "end"), out.end);
}

void to_json(json& j, const Range& r) { j = json{{"start", r.start}, {"end", r.end}}; }

void to_json(json& j, const Location& l) { j = json{{"uri", l.uri}, {"range", l.range}}; }

void from_json(const json& j, DidOpenParams& out) {
  const json& doc = field(j, "textDocument");
  out.document.uri = string_field(doc, "uri");
  out.document.language_id = string_field(doc, "languageId");
  out.document.version = integer_field(doc, "version");
  out.document.text = string_field(doc, "text");
}

void from_json(const json& j, DidChangeParams& out) {
  const json& doc = field(j, "textDocument");
  out.uri = string_field(doc, "uri");
  out.version = integer_field(doc, "version");
  const json& changes = field(j, "contentChanges");
  if (!changes.is_array()) bad("field `contentChanges` must be an array");
  for (const json& c : changes) {
    TextDocumentContentChangeEvent e;
    if (const json* r = optional_field(c, "range")) {
      Range range;
      from_json(*r, range);
      e.range = range;
    }
    e.text = string_field(c, "text");
    out.changes.push_back(std::move(e));
  }
}

void from_json(const json& j, DidSaveParams& out) {
  out.uri = document_uri(j);
  if (const json* t = optional_field(j, "text")) {
    if (!t->is_string()) bad("field `text` must be a string");
    out.text = t->get<std::string>();
  }
}

void from_json(const json& j, DidCloseParams& out) { out.uri = document_uri(j); }

void from_json(const json& j, TextDocumentPositionParams& out) {
  out.uri = document_uri(j);
  from_json(field(j, "position"), out.position);
}

void from_json(const json& j, LspDiagnostic& out) {
  from_json(field(j, "range"), out.range);
  out.message = string_field(j, "message");
  if (const json* s = optional_field(j, "severity"); s && s->is_number_integer())
    out.severity = static_cast<DiagnosticSeverity>(s->get<int>());
  if (const json* c = optional_field(j, "code"); c && c->is_string()) out.code = c->get<std::string>();
  if (const json* s = optional_field(j, "source"); s && s->is_string()) out.source = s->get<std::string>();
}

void to_json(json& j, const LspDiagnostic& d) {
  j = json{{"range", d.range}, {"severity", static_cast<int>(d.severity)}};
  if (!d.code.empty()) j["code"] = d.code;
  if (!d.code_description.empty()) j["codeDescription"] = {{"href", d.code_description}};
  j["source"] = d.source;
  j["message"] = d.message;
  if (!d.related.empty()) {
    json related = json::array();
    for (const auto& r : d.related) related.push_back({{"location", r.location}, {"message", r.message}});
    j["relatedInformation"] = std::move(related);
  }
}

void to_json(json& j, const PublishDiagnosticsParams& p) {
  j = json{{"uri", p.uri}};
  if (p.version) j["version"] = *p.version;
  j["diagnostics"] = p.diagnostics;
}

void from_json(const json& j, CodeActionParams& out) {
  out.uri = document_uri(j);
  from_json(field(j, "range"), out.range);
  const json* context = optional_field(j, "context");
  if (!context) return;
  if (const json* ds = optional_field(*context, "diagnostics"); ds && ds->is_array())
    for (const json& d : *ds) out.diagnostics.push_back(d.get<LspDiagnostic>());
  if (const json* only = optional_field(*context, "only"); only && only->is_array())
    for (const json& k : *only)
      if (k.is_string()) out.only.push_back(k.get<std::string>());
}

void to_json(json& j, const TextEdit& e) { j = json{{"range", e.range}, {"newText", e.new_text}}; }

void to_json(json& j, const WorkspaceEdit& e) {
  json changes = json::object();
  for (const auto& [uri, edits] : e.changes) changes[uri] = edits;
  j = json{{"changes", std::move(changes)}};
}

void to_json(json& j, const Command& c) {
  j = json{{"title", c.title}, {"command", c.command}, {"arguments", c.arguments}};
}

void to_json(json& j, const CodeAction& a) {
  j = json{{"title", a.title}, {"kind", a.kind}};
  if (!a.diagnostics.empty()) j["diagnostics"] = a.diagnostics;
  if (a.is_preferred) j["isPreferred"] = true;
  if (a.edit) j["edit"] = *a.edit;
  if (a.command) j["command"] = *a.command;
}

void to_json(json& j, const Hover& h) {
  j = json{{"contents", {{"kind", "markdown"}, {"value", h.markdown}}}};
  if (h.range) j["range"] = *h.range;
}

void from_json(const json& j, InitializeParams& out) {
  if (!j.is_object()) bad("initialize params must be an object");
  if (const json* r = optional_field(j, "rootUri"); r && r->is_string()) out.root_uri = r->get<std::string>();
  if (const json* folders = optional_field(j, "workspaceFolders"); folders && folders->is_array()) {
    for (const json& f : *folders) out.workspace_folders.push_back({string_field(f, "uri"), f.value("name", "")});
  }
  if (const json* o = optional_field(j, "initializationOptions")) out.initialization_options = *o;
  if (const json* info = optional_field(j, "clientInfo"); info && info->is_object())
    if (const json* name = optional_field(*info, "name"); name && name->is_string())
      out.client_name = name->get<std::string>();
  const json* caps = optional_field(j, "capabilities");
  if (!caps) return;
  if (const json* general = optional_field(*caps, "general"))
    if (const json* encodings = optional_field(*general, "positionEncodings"); encodings && encodings->is_array())
      for (const json& e : *encodings)
        if (e.is_string()) out.position_encodings.push_back(e.get<std::string>());
  if (const json* ws = optional_field(*caps, "workspace"))
    if (const json* watched = optional_field(*ws, "didChangeWatchedFiles"))
      if (const json* dyn = optional_field(*watched, "dynamicRegistration"); dyn && dyn->is_boolean())
        out.watched_files_dynamic_registration = dyn->get<bool>();
  if (const json* td = optional_field(*caps, "textDocument")) {
    if (const json* pd = optional_field(*td, "publishDiagnostics"))
      if (const json* rel = optional_field(*pd, "relatedInformation"); rel && rel->is_boolean())
        out.related_information = rel->get<bool>();
    if (const json* pull = optional_field(*td, "diagnostic"); pull && pull->is_object()) out.pull_diagnostics = true;
  }
  if (const json* ws = optional_field(*caps, "workspace"))
    if (const json* d = optional_field(*ws, "diagnostics"))
      if (const json* refresh = optional_field(*d, "refreshSupport"); refresh && refresh->is_boolean())
        out.diagnostics_refresh = refresh->get<bool>();
}

void from_json(const json& j, DidChangeConfigurationParams& out) { out.settings = field(j, "settings"); }

void from_json(const json& j, DidChangeWatchedFilesParams& out) {
  const json& changes = field(j, "changes");
  if (!changes.is_array()) bad("field `changes` must be an array");
  for (const json& c : changes) {
    FileEvent e;
    e.uri = string_field(c, "uri");
    int64_t type = integer_field(c, "type");
    if (type < 1 || type > 3) bad("file change type must be 1, 2 or 3");
    e.type = static_cast<FileChangeType>(type);
    out.changes.push_back(std::move(e));
  }
}

}  // namespace pglens::lsp
