// LSP 3.17 types pglens uses, as plain structs, with conversions from and to JSON.
// from_json throws ProtocolError(invalid_params) when a required field is missing or has the
// wrong type; unknown fields are ignored, as the specification asks.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pglens::lsp {

using json = nlohmann::json;

enum class ErrorCode : int {
  parse_error = -32700,
  invalid_request = -32600,
  method_not_found = -32601,
  invalid_params = -32602,
  internal_error = -32603,
  server_not_initialized = -32002,
  request_failed = -32803,
  request_cancelled = -32800,
};

struct ProtocolError : std::runtime_error {
  ErrorCode code;
  ProtocolError(ErrorCode c, const std::string& message) : std::runtime_error(message), code(c) {}
};

// Zero-based line; character in the negotiated position encoding (UTF-16 unless the client
// offered UTF-8).
struct LspPosition {
  uint32_t line = 0;
  uint32_t character = 0;
  friend bool operator==(const LspPosition&, const LspPosition&) = default;
  friend auto operator<=>(const LspPosition&, const LspPosition&) = default;
};

struct Range {
  LspPosition start, end;
  friend bool operator==(const Range&, const Range&) = default;
};

struct Location {
  std::string uri;
  Range range;
};

struct TextDocumentItem {
  std::string uri;
  std::string language_id;
  int64_t version = 0;
  std::string text;
};

struct TextDocumentContentChangeEvent {
  std::optional<Range> range;  // absent: the whole text is replaced
  std::string text;
};

struct DidOpenParams {
  TextDocumentItem document;
};

struct DidChangeParams {
  std::string uri;
  int64_t version = 0;
  std::vector<TextDocumentContentChangeEvent> changes;
};

struct DidSaveParams {
  std::string uri;
  std::optional<std::string> text;
};

struct DidCloseParams {
  std::string uri;
};

struct TextDocumentPositionParams {
  std::string uri;
  LspPosition position;
};

enum class DiagnosticSeverity : int { error = 1, warning = 2, information = 3, hint = 4 };

struct DiagnosticRelatedInformation {
  Location location;
  std::string message;
};

struct LspDiagnostic {
  Range range;
  DiagnosticSeverity severity = DiagnosticSeverity::warning;
  std::string code;              // the rule id
  std::string code_description;  // URL of the rule's docs; empty: omitted
  std::string source = "pglens";
  std::string message;
  std::vector<DiagnosticRelatedInformation> related;
};

struct PublishDiagnosticsParams {
  std::string uri;
  std::optional<int64_t> version;
  std::vector<LspDiagnostic> diagnostics;
};

// pglens/databaseStatus (server -> client): where a configuration's live schema stands.
struct DatabaseStatus {
  std::string config;  // the .pglens.toml it holds for; empty for the defaults
  // "none": no database named; "untrusted": the repository's config names one, not trusted;
  // "connecting"; "connected"; "unreachable": tried, failed, tried again later.
  std::string state;
  std::string source;                    // of the URL: "setting", "environment" or "trustedConfig"; empty without one
  std::string message;                   // one line for a status bar's tooltip
  std::optional<int64_t> tables;         // connected: tables read
  std::optional<int64_t> retry_seconds;  // unreachable: asked again in
  friend bool operator==(const DatabaseStatus&, const DatabaseStatus&) = default;
};

struct CodeActionParams {
  std::string uri;
  Range range;
  std::vector<LspDiagnostic> diagnostics;  // context.diagnostics
  std::vector<std::string> only;           // context.only; empty = every kind
};

struct TextEdit {
  Range range;
  std::string new_text;
};

struct WorkspaceEdit {
  std::map<std::string, std::vector<TextEdit>> changes;
};

struct Command {
  std::string title;
  std::string command;
  json arguments = json::array();
};

struct CodeAction {
  std::string title;
  std::string kind;  // "quickfix", ...
  std::vector<LspDiagnostic> diagnostics;
  bool is_preferred = false;
  std::optional<WorkspaceEdit> edit;
  std::optional<Command> command;
};

struct Hover {
  std::string markdown;
  std::optional<Range> range;
};

struct WorkspaceFolder {
  std::string uri;
  std::string name;
};

struct InitializeParams {
  std::optional<std::string> root_uri;
  std::vector<WorkspaceFolder> workspace_folders;
  json initialization_options;                  // pglens settings (same shape as didChangeConfiguration's)
  std::vector<std::string> position_encodings;  // capabilities.general.positionEncodings
  bool watched_files_dynamic_registration = false;
  bool related_information = false;  // capabilities.textDocument.publishDiagnostics.relatedInformation
  bool pull_diagnostics = false;     // capabilities.textDocument.diagnostic: the client asks for them
  bool diagnostics_refresh = false;  // capabilities.workspace.diagnostics.refreshSupport
  std::string client_name;
};

struct DidChangeConfigurationParams {
  json settings;
};

enum class FileChangeType : int { created = 1, changed = 2, deleted = 3 };

struct FileEvent {
  std::string uri;
  FileChangeType type = FileChangeType::changed;
};

struct DidChangeWatchedFilesParams {
  std::vector<FileEvent> changes;
};

enum class MessageType : int { error = 1, warning = 2, info = 3, log = 4 };

void from_json(const json& j, LspPosition& out);
void to_json(json& j, const LspPosition& p);
void from_json(const json& j, Range& out);
void to_json(json& j, const Range& r);
void to_json(json& j, const Location& l);
void from_json(const json& j, DidOpenParams& out);
void from_json(const json& j, DidChangeParams& out);
void from_json(const json& j, DidSaveParams& out);
void from_json(const json& j, DidCloseParams& out);
void from_json(const json& j, TextDocumentPositionParams& out);
void from_json(const json& j, LspDiagnostic& out);
void to_json(json& j, const LspDiagnostic& d);
void to_json(json& j, const PublishDiagnosticsParams& p);
void from_json(const json& j, CodeActionParams& out);
void to_json(json& j, const TextEdit& e);
void to_json(json& j, const WorkspaceEdit& e);
void to_json(json& j, const Command& c);
void to_json(json& j, const CodeAction& a);
void to_json(json& j, const Hover& h);
void from_json(const json& j, InitializeParams& out);
void from_json(const json& j, DidChangeConfigurationParams& out);
void from_json(const json& j, DidChangeWatchedFilesParams& out);

// The whole textDocument/publishDiagnostics notification as JSON text, written directly: an
// edit re-publishes every finding of the file, and building a JSON tree for that costs more
// than the lint of the changed statement.
std::string publish_diagnostics_notification(const PublishDiagnosticsParams& params);
// The same in pieces, for a writer that keeps the JSON of findings from one publish to the
// next: the notification up to the diagnostics' array, each diagnostic's object (with
// `holes`, the numbers of its positions are left out and the offsets in `out` where they go
// recorded in order: start line, start character, end line, end character, then those of
// each related location), and what closes the message.
std::string publish_diagnostics_head(const std::string& uri, std::optional<int64_t> version);
void append_diagnostic_json(std::string& out, const LspDiagnostic& d, std::vector<uint32_t>* holes = nullptr);
size_t diagnostic_json_estimate(const LspDiagnostic& d, std::string_view uri);  // its bytes, about
inline constexpr std::string_view kPublishDiagnosticsTail = "]}}";

// Reads params into T, turning any shape error into ProtocolError(invalid_params).
template <typename T>
T parse_params(const json& params) {
  try {
    T out;
    from_json(params, out);
    return out;
  } catch (const ProtocolError&) { throw; } catch (const std::exception& e) {
    throw ProtocolError(ErrorCode::invalid_params, e.what());
  }
}

}  // namespace pglens::lsp
