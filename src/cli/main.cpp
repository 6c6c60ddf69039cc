#include <unistd.h>
#include <cstdio>

#include <fmt/format.h>

#include "cli/cli.hpp"
#include "pglens/report.hpp"

namespace pglens::cli {

bool use_color(const std::string& when, int fd) {
  if (when == "always") return true;
  if (when == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string_view(term) == "dumb") return false;
  return isatty(fd) != 0;
}

bool resolve_config(const std::string& explicit_path, const std::filesystem::path& near, Config& out) {
  std::optional<std::filesystem::path> file;
  if (!explicit_path.empty()) file = explicit_path;
  else file = find_config(near);
  if (!file) {
    out = Config{};
    std::error_code ec;
    out.root = std::filesystem::current_path(ec);
    return true;
  }
  if (auto err = load_config(*file, out)) {
    fmt::print(stderr, "pglens: error: {}\n", terminal_safe(err->format()));
    return false;
  }
  return true;
}

void print_notice(const std::string& notice) { fmt::print(stderr, "pglens: warning: {}\n", terminal_safe(notice)); }

}  // namespace pglens::cli

int main(int argc, char** argv) {
  using namespace pglens::cli;
  CLI::App app{
      "pglens finds the bottleneck in PostgreSQL queries: it lints SQL files, reads EXPLAIN plans, "
      "and serves both to editors.",
      "pglens"};
  app.set_version_flag("-V,--version", std::string("pglens ") + PGLENS_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  pglens lint queries/                 lint every .sql file under queries/\n"
      "  pglens lint --format sarif . > out.sarif\n"
      "  pglens rules                         list every rule\n"
      "  pglens rule select-star              explain one rule\n"
      "  pglens config --show                 print the effective configuration\n"
      "  pglens lsp                           the language server, started by editors\n"
      "  pglens explain plan.txt              read an EXPLAIN plan and name its bottleneck\n"
      "  pglens diff before.txt after.txt     compare two plans of one query: did my index help?\n"
      "  pglens serve                         a local page to paste a plan into\n"
      "  pglens trust                         let this repository's .pglens.toml choose the database\n"
      "  pglens advise --db URL queries/      propose indexes proven on the server's planner\n"
      "  pglens log postgresql.log            the costliest queries, N+1 loops and capacity from a server log\n"
      "\nExit codes: 0 no findings at or above --fail-on, 1 findings, 2 usage, config or I/O error.");
  Runner run;
  add_lint_command(app, run);
  add_rules_commands(app, run);
  add_config_command(app, run);
  add_lsp_command(app, run);
  add_explain_command(app, run);
  add_catalog_command(app, run);
  add_trust_command(app, run);
  add_advise_command(app, run);
  add_diff_command(app, run);
  add_serve_command(app, run);
  add_log_command(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) { return app.exit(e); } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) { return app.exit(e); } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitError;
  }
  try {
    int code = run ? run() : kExitError;
    if (!finish_stdout()) return kExitError;
    return code;
  } catch (const std::exception& e) {
    // fmt throws when a write to a full or closed stdout fails mid-way: say so, as at the end.
    if (std::ferror(stdout)) {
      finish_stdout();  // prints "cannot write to standard output: <why>"
      return kExitError;
    }
    fmt::print(stderr, "pglens: internal error: {}\n", e.what());
    return kExitError;
  }
}
