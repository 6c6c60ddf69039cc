#include "lsp/connection.hpp"

#include <fmt/format.h>

namespace pglens::lsp {
namespace {

// Messages nested deeper than this are refused before parsing: no LSP message comes close,
// and the limit keeps recursion in the JSON library far from the stack's end.
constexpr int kMaxNesting = 128;

bool nesting_within_limit(std::string_view body) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > kMaxNesting) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

bool valid_id(const json& id) { return id.is_string() || id.is_number_integer(); }

}  // namespace

Connection::Connection(Transport& transport, ServerOptions options) : transport_(transport), server_(*this, options) {}

Connection::~Connection() = default;

int Connection::run() {
  while (state_ != State::finished) {
    read_one();
    while (state_ != State::finished && !input_ended_ && queue_.size() < 256 && transport_.ready()) read_one();
    process_queue();
    if (input_ended_ && state_ != State::finished) finish(state_ == State::shutting_down ? 0 : 1);
  }
  return exit_code_;
}

bool Connection::process_available() {
  while (state_ != State::finished && !input_ended_ && transport_.ready()) {
    read_one();
    if (queue_.size() >= 256) process_queue();
  }
  process_queue();
  if (input_ended_ && state_ != State::finished) finish(state_ == State::shutting_down ? 0 : 1);
  return state_ != State::finished;
}

void Connection::read_one() {
  std::string body, error;
  switch (transport_.read(body, error)) {
    case ReadStatus::eof: input_ended_ = true; return;
    case ReadStatus::bad_frame: respond_error(nullptr, ErrorCode::parse_error, error); return;
    case ReadStatus::message:
      // A repaired frame (a wrong Content-Length): worth a line in the editor's log.
      if (!error.empty()) log_message(MessageType::warning, "pglens: " + error);
      break;
  }
  if (!nesting_within_limit(body)) {
    respond_error(nullptr, ErrorCode::parse_error, fmt::format("message nested deeper than {} levels", kMaxNesting));
    return;
  }
  json message = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) {
    respond_error(nullptr, ErrorCode::parse_error, "message is not valid JSON");
    return;
  }
  // Cancellation applies to requests still waiting in the queue; later ones are answered.
  if (message.is_object() && message.value("method", json()) == "$/cancelRequest") {
    const json* params = message.contains("params") ? &message["params"] : nullptr;
    if (params && params->is_object() && params->contains("id")) {
      const json& id = (*params)["id"];
      for (auto& queued : queue_)
        if (queued.message.is_object() && queued.message.contains("id") && queued.message["id"] == id &&
            queued.message.contains("method"))
          queued.cancelled = true;
    }
    return;
  }
  queue_.push_back({std::move(message), false});
}

void Connection::process_queue() {
  while (!queue_.empty() && state_ != State::finished) {
    Incoming in = std::move(queue_.front());
    queue_.pop_front();
    handle(in);
  }
  queue_.clear();
}

void Connection::handle(Incoming& in) {
  const json& m = in.message;
  if (!m.is_object()) {
    respond_error(nullptr, ErrorCode::invalid_request, "a message must be a JSON object");
    return;
  }
  auto method_it = m.find("method");
  auto id_it = m.find("id");
  if (method_it == m.end()) {
    if (id_it != m.end() && (m.contains("result") || m.contains("error"))) return;  // answers our requests
    respond_error(id_it != m.end() && valid_id(*id_it) ? *id_it : json(nullptr), ErrorCode::invalid_request,
                  "message has neither a method nor a result");
    return;
  }
  if (!method_it->is_string()) {
    respond_error(id_it != m.end() && valid_id(*id_it) ? *id_it : json(nullptr), ErrorCode::invalid_request,
                  "`method` must be a string");
    return;
  }
  const std::string& method = method_it->get_ref<const std::string&>();
  json params = m.value("params", json(nullptr));
  if (id_it == m.end()) {
    handle_notification(method, params);
    return;
  }
  if (!valid_id(*id_it)) {
    respond_error(nullptr, ErrorCode::invalid_request, "`id` must be an integer or a string");
    return;
  }
  if (in.cancelled) {
    respond_error(*id_it, ErrorCode::request_cancelled, "request cancelled");
    return;
  }
  handle_request(method, *id_it, params);
}

void Connection::handle_request(const std::string& method, const json& id, const json& params) {
  try {
    if (state_ == State::uninitialized) {
      if (method != "initialize") {
        respond_error(id, ErrorCode::server_not_initialized, "the server has not been initialized");
        return;
      }
      json result = server_.initialize(parse_params<InitializeParams>(params));
      state_ = State::running;
      respond(id, std::move(result));
      return;
    }
    if (state_ == State::shutting_down) {
      respond_error(id, ErrorCode::invalid_request, "the server is shutting down");
      return;
    }
    if (method == "initialize") {
      respond_error(id, ErrorCode::invalid_request, "initialize was already received");
    } else if (method == "shutdown") {
      server_.shutdown();
      state_ = State::shutting_down;
      respond(id, nullptr);
    } else if (method == "textDocument/codeAction") {
      server_.code_action(parse_params<CodeActionParams>(params),
                          [this, id](json result) { respond(id, std::move(result)); });
    } else if (method == "textDocument/hover") {
      server_.hover(parse_params<TextDocumentPositionParams>(params),
                    [this, id](json result) { respond(id, std::move(result)); });
    } else if (method == "textDocument/definition") {
      server_.definition(parse_params<TextDocumentPositionParams>(params),
                         [this, id](json result) { respond(id, std::move(result)); });
    } else if (method == "textDocument/completion") {
      server_.completion(parse_params<TextDocumentPositionParams>(params),
                         [this, id](json result) { respond(id, std::move(result)); });
    } else if (method == "textDocument/diagnostic") {
      server_.diagnostic(parse_params<DidCloseParams>(params).uri,
                         [this, id](json result) { respond(id, std::move(result)); });
    } else if (method == "textDocument/documentSymbol") {
      server_.document_symbol(parse_params<DidCloseParams>(params).uri,
                              [this, id](json result) { respond(id, std::move(result)); });
    } else if (method == "textDocument/foldingRange") {
      server_.folding_range(parse_params<DidCloseParams>(params).uri,
                            [this, id](json result) { respond(id, std::move(result)); });
    } else {
      respond_error(id, ErrorCode::method_not_found, fmt::format("unknown method `{}`", method));
    }
  } catch (const ProtocolError& e) { respond_error(id, e.code, e.what()); } catch (const std::exception& e) {
    respond_error(id, ErrorCode::internal_error, fmt::format("internal error: {}", e.what()));
  }
}

void Connection::handle_notification(const std::string& method, const json& params) {
  if (method == "exit") {
    finish(state_ == State::shutting_down ? 0 : 1);
    return;
  }
  // Before initialize notifications are dropped; after shutdown only exit counts.
  if (state_ != State::running) return;
  try {
    if (method == "initialized") server_.initialized();
    else if (method == "textDocument/didOpen") server_.did_open(parse_params<DidOpenParams>(params));
    else if (method == "textDocument/didChange") server_.did_change(parse_params<DidChangeParams>(params));
    else if (method == "textDocument/didSave") server_.did_save(parse_params<DidSaveParams>(params));
    else if (method == "textDocument/didClose") server_.did_close(parse_params<DidCloseParams>(params));
    else if (method == "workspace/didChangeConfiguration")
      server_.did_change_configuration(parse_params<DidChangeConfigurationParams>(params));
    else if (method == "workspace/didChangeWatchedFiles")
      server_.did_change_watched_files(parse_params<DidChangeWatchedFilesParams>(params));
    // Other notifications ($/setTrace, $/progress, ...) need nothing from pglens.
  } catch (const std::exception& e) {
    log_message(MessageType::error, fmt::format("pglens: ignored {}: {}", method, e.what()));
  }
}

void Connection::respond(const json& id, json result) {
  send({{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
}

void Connection::respond_error(const json& id, ErrorCode code, const std::string& message) {
  send({{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", static_cast<int>(code)}, {"message", message}}}});
}

void Connection::send(const json& message) {
  transport_.write(message.dump(-1, ' ', false, json::error_handler_t::replace));
}

void Connection::finish(int code) {
  exit_code_ = code;
  state_ = State::finished;
}

void Connection::publish_diagnostics(const PublishDiagnosticsParams& params) {
  transport_.write(publish_diagnostics_notification(params));
}

void Connection::publish_diagnostics_json(std::string notification) { transport_.write(notification); }

void Connection::show_message(MessageType type, const std::string& message) {
  send({{"jsonrpc", "2.0"},
        {"method", "window/showMessage"},
        {"params", {{"type", static_cast<int>(type)}, {"message", message}}}});
}

void Connection::log_message(MessageType type, const std::string& message) {
  send({{"jsonrpc", "2.0"},
        {"method", "window/logMessage"},
        {"params", {{"type", static_cast<int>(type)}, {"message", message}}}});
}

void Connection::refresh_diagnostics() {
  send({{"jsonrpc", "2.0"},
        {"id", fmt::format("pglens-{}", next_request_id_++)},
        {"method", "workspace/diagnostic/refresh"}});
}

void Connection::database_status(const DatabaseStatus& status) {
  json params = {{"config", status.config}, {"state", status.state}, {"message", status.message}};
  if (!status.source.empty()) params["source"] = status.source;
  if (status.tables) params["tables"] = *status.tables;
  if (status.retry_seconds) params["retryInSeconds"] = *status.retry_seconds;
  send({{"jsonrpc", "2.0"}, {"method", "pglens/databaseStatus"}, {"params", params}});
}

void Connection::register_file_watchers(const std::vector<std::string>& globs) {
  json watchers = json::array();
  for (const auto& g : globs) watchers.push_back({{"globPattern", g}});
  send({{"jsonrpc", "2.0"},
        {"id", fmt::format("pglens-{}", next_request_id_++)},
        {"method", "client/registerCapability"},
        {"params",
         {{"registrations",
           json::array({{{"id", "pglens-watched-files"},
                         {"method", "workspace/didChangeWatchedFiles"},
                         {"registerOptions", {{"watchers", watchers}}}}})}}}});
}

}  // namespace pglens::lsp
