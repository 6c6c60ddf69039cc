// `pglens serve [--port N]`: the plan page on a local address, for plans pasted or dropped in
// a browser. Loopback only, a random token in the URL; Ctrl-C stops it.
#include <csignal>

#include <fmt/format.h>

#include "cli/cli.hpp"
#include "html/serve.hpp"

namespace pglens::cli {
namespace {

std::atomic<bool> stop_requested{false};

extern "C" void on_stop_signal(int) { stop_requested.store(true); }

int run_serve(int port) {
  html::PlanServer server;
  if (auto err = server.listen(port)) {
    fmt::print(stderr, "pglens: error: {}\n", *err);
    return kExitError;
  }
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  fmt::print("pglens serve: open {}\n(loopback only; plans are read in memory and stored nowhere; Ctrl-C stops it)\n",
             server.url());
  std::fflush(stdout);
  server.run(stop_requested);
  fmt::print(stderr, "pglens serve: stopped\n");
  return kExitOk;
}

}  // namespace

void add_serve_command(CLI::App& app, Runner& run) {
  static int port = 0;
  auto* cmd = app.add_subcommand("serve", "A local page to paste or drop a plan into and see it drawn");
  cmd->add_option("--port", port, "Port on 127.0.0.1 (default: any free port)")->check(CLI::Range(0, 65535));
  cmd->footer(
      "Examples:\n"
      "  pglens serve               prints http://127.0.0.1:PORT/TOKEN/ to open in a browser\n"
      "  pglens serve --port 8765\n"
      "\nOnly 127.0.0.1 is listened on, and only URLs with the printed token are answered. Requests\n"
      "are limited to 16 KiB of headers and 16 MiB of body. Nothing is written to disk.\n"
      "\nExit codes: 0 stopped by Ctrl-C, 2 the port could not be opened.");
  cmd->callback([&run] { run = [] { return run_serve(port); }; });
}

}  // namespace pglens::cli
