// `pglens trust`: the user's opt-in that lets a repository's config choose the database
// pglens connects to (engine/trust.cpp says why it is needed).
#include <fmt/format.h>

#include "cli/cli.hpp"
#include "db/connection.hpp"
#include "pglens/report.hpp"

namespace pglens::cli {
namespace {

namespace fs = std::filesystem;

struct TrustArgs {
  std::string config;
  bool revoke = false;
  bool list = false;
};

int run_trust(const TrustArgs& args) {
  if (args.list) {
    for (const auto& file : trusted_config_files()) fmt::print("{}\n", file);
    return kExitOk;
  }
  std::optional<fs::path> file;
  if (!args.config.empty()) file = args.config;
  else file = find_config(fs::current_path());
  if (!file) {
    fmt::print(stderr, "pglens: error: no .pglens.toml here or above; name one: pglens trust path/to/.pglens.toml\n");
    return kExitError;
  }
  Config config;
  if (auto err = load_config(*file, config)) {
    fmt::print(stderr, "pglens: error: {}\n", terminal_safe(err->format()));
    return kExitError;
  }
  if (auto err = set_database_url_trust(config, !args.revoke)) {
    fmt::print(stderr, "pglens: error: {}\n", *err);
    return kExitError;
  }
  if (args.revoke) {
    fmt::print("pglens: {} is no longer trusted to choose the database\n", config.source);
    return kExitOk;
  }
  std::string where = "(a URL libpq cannot read)";
  if (auto endpoint = db::endpoint_of(config.database_url)) where = endpoint->describe() + " as user " + endpoint->user;
  fmt::print("pglens: trusted {}: pglens may connect to {} (recorded in {}; editing the URL revokes it)\n",
             config.source, where, trust_store_path().string());
  return kExitOk;
}

}  // namespace

void add_trust_command(CLI::App& app, Runner& run) {
  static TrustArgs args;
  auto* cmd = app.add_subcommand("trust", "Let a repository's .pglens.toml choose the database pglens connects to");
  cmd->add_option("CONFIG", args.config, "The config file (default: the nearest .pglens.toml)");
  cmd->add_flag("--revoke", args.revoke, "Withdraw the trust");
  cmd->add_flag("--list", args.list, "List the trusted config files");
  cmd->footer(
      "A .pglens.toml comes with the repository, so its `[database] url` is not used until you trust it: libpq\n"
      "sends your PGPASSWORD or ~/.pgpass password to whatever host that URL names. The trust is kept outside\n"
      "the repository (see `pglens trust --list`) and holds for this file with this exact URL; an edited URL is\n"
      "untrusted again. A URL given with --db or PGLENS_DATABASE_URL needs no trust.");
  cmd->callback([&run] { run = [] { return run_trust(args); }; });
}

}  // namespace pglens::cli
