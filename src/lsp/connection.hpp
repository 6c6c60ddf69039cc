// The JSON-RPC session between a transport and the Server: parses messages, enforces the
// lifecycle (nothing before initialize, nothing but exit after shutdown), dispatches methods
// to the Server, answers requests, honours $/cancelRequest, and turns the Server's calls to
// the editor into notifications and requests.
#pragma once

#include <atomic>
#include <deque>
#include <string>

#include "lsp/protocol.hpp"
#include "lsp/server.hpp"
#include "lsp/transport.hpp"

namespace pglens::lsp {

class Connection final : private Client {
 public:
  Connection(Transport& transport, ServerOptions options);
  ~Connection() override;

  // Serves until the exit notification or the end of input. Returns the process exit code:
  // 0 after shutdown + exit, 1 when the client left without shutting down.
  int run();
  // Handles every message that is already available without waiting; false once the session
  // is over. Tests drive the server step by step with this.
  bool process_available();
  // Blocks until every scheduled lint has published.
  void wait_idle() { server_.wait_idle(); }
  int exit_code() const { return exit_code_; }
  // Looks at the config and schema files now, as the server's poller does (tests).
  void check_files() { server_.check_files(); }

 private:
  struct Incoming {
    json message;
    bool cancelled = false;
  };

  void read_one();
  void process_queue();
  void handle(Incoming& in);
  void handle_request(const std::string& method, const json& id, const json& params);
  void handle_notification(const std::string& method, const json& params);
  void respond(const json& id, json result);
  void respond_error(const json& id, ErrorCode code, const std::string& message);
  void send(const json& message);
  void finish(int code);

  // Client
  void publish_diagnostics(const PublishDiagnosticsParams& params) override;
  void publish_diagnostics_json(std::string notification) override;
  void show_message(MessageType type, const std::string& message) override;
  void log_message(MessageType type, const std::string& message) override;
  void register_file_watchers(const std::vector<std::string>& globs) override;
  void refresh_diagnostics() override;
  void database_status(const DatabaseStatus& status) override;

  enum class State { uninitialized, running, shutting_down, finished };

  Transport& transport_;
  State state_ = State::uninitialized;
  int exit_code_ = 1;
  bool input_ended_ = false;
  std::deque<Incoming> queue_;
  std::atomic<int64_t> next_request_id_{1};
  Server server_;  // last: its worker thread stops before the members above go away
};

}  // namespace pglens::lsp
