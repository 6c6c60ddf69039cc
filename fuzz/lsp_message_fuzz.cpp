// The language server's message path: framing, JSON, dispatch, the server's handlers and
// the lint they trigger. An input starting with "Content-Length" is the client's raw byte
// stream; any other input is split into lines, each framed as one message (so the fuzzer
// reaches the handlers; testdata/lsp/*.jsonl are seeds). An initialize is sent first.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lsp/connection.hpp"
#include "lsp/transport.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pglens::lsp;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  MemoryTransport transport;
  transport.feed_message(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"capabilities":{}}})");
  if (input.starts_with("Content-Length")) {
    transport.feed(input);
  } else {
    while (!input.empty()) {
      size_t nl = input.find('\n');
      transport.feed_message(input.substr(0, nl));
      if (nl == std::string_view::npos) break;
      input.remove_prefix(nl + 1);
    }
  }
  transport.close_input();
  Connection connection(transport, {.debounce = std::chrono::milliseconds(0)});
  connection.run();
  connection.wait_idle();
  return 0;
}
