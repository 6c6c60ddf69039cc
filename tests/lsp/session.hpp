// A language server session over the in-memory transport, driven one message at a time.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "lsp/connection.hpp"
#include "lsp/transport.hpp"

namespace pglens::lsp {

struct Session {
  explicit Session(std::chrono::milliseconds debounce = std::chrono::milliseconds(5))
      : connection{transport, {.debounce = debounce}} {}
  explicit Session(ServerOptions options) : connection{transport, std::move(options)} {}

  // Sends one message, waits until the lints it caused have published, and returns every
  // message the server wrote meanwhile.
  std::vector<nlohmann::json> send(const nlohmann::json& message) {
    transport.feed_message(message.dump());
    connection.process_available();
    connection.wait_idle();
    std::vector<nlohmann::json> out;
    for (const auto& body : transport.take_output()) out.push_back(nlohmann::json::parse(body));
    return out;
  }

  MemoryTransport transport;
  Connection connection;
};

}  // namespace pglens::lsp
