#include <signal.h>
#include <unistd.h>

#include <memory>

#include <fmt/format.h>

#include "advise/advise.hpp"
#include "cli/cli.hpp"
#include "lsp/connection.hpp"
#include "lsp/transport.hpp"

namespace pglens::cli {

void add_lsp_command(CLI::App& app, Runner& run) {
  auto* lsp = app.add_subcommand("lsp", "Run the language server (LSP 3.17 over stdin/stdout) for editors");
  static int debounce_ms = 0;
  lsp->add_option(
         "--debounce-ms", debounce_ms,
         "Least quiet time after an edit before the document is linted again (it grows with the time a lint takes)")
      ->check(CLI::Range(0, 10000));
  // Editors pass --stdio by convention; stdio is the only transport.
  static bool stdio = true;
  lsp->add_flag("--stdio", stdio, "Talk over stdin/stdout (the default and only transport)");
  lsp->footer(
      "Editors start it; see editor-plugins/ for Neovim, VS Code, Emacs (eglot) and Helix.\n"
      "Settings (initializationOptions or workspace/didChangeConfiguration, optionally under \"pglens\"):\n"
      "  configPath     a .pglens.toml to use instead of the nearest one\n"
      "  databaseUrl    the database the schema comes from\n"
      "  debounceMs     quiet time after an edit before linting again\n"
      "  maxDiagnostics findings published per document (default 1000; one more counts the rest)\n"
      "  planQueryPairing  how a plan without a `-- pglens-query:` comment finds its query:\n"
      "                 \"comment\" (default: it does not), \"sameName\" (report.plan -> report.sql),\n"
      "                 or a path relative to the plan with ${name} (\"../queries/${name}.sql\")\n"
      "A document's own DDL is part of its schema, as for `pglens lint`. A plan names its query\n"
      "file in a comment line at its top: -- pglens-query: report.sql\n"
      "The server tells the editor where the schema's database stands in the notification\n"
      "pglens/databaseStatus (state: none, untrusted, connecting, connected, unreachable).");
  lsp->callback([&run] {
    run = []() -> int {
      // A client that goes away must end the server through a failed write, not SIGPIPE.
      ::signal(SIGPIPE, SIG_IGN);
      lsp::FdTransport transport(STDIN_FILENO, STDOUT_FILENO);
      auto verifier = std::make_shared<advise::IndexVerifier>(print_notice);
      lsp::Connection connection(transport,
                                 {.debounce = std::chrono::milliseconds(debounce_ms),
                                  .poll_files = std::chrono::seconds(2),
                                  .verify_indexes =
                                      [verifier](const std::string& url, const Config& config, const Catalog& catalog,
                                                 const SourceFile& file, std::vector<Diagnostic>& diagnostics) {
                                        (*verifier)(url, config, catalog, file, diagnostics);
                                      },
                                  .verify_plan_indexes =
                                      [verifier](const std::string& url, const Config& config, const Catalog& catalog,
                                                 std::string_view query, plan::Diagnosis& diagnosis) {
                                        verifier->verify_plan(url, config, catalog, query, diagnosis);
                                      }});
      int code = connection.run();
      // Out at once: a lint still running (seconds on a 10 MB file) or a database still
      // being asked for its schema is not waited for; everything was written unbuffered.
      ::_exit(code);
    };
  });
}

}  // namespace pglens::cli
