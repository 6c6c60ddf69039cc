// pglens catalog dump|show: the schema catalog a lint sees, written as catalog.json or
// printed with where each fact came from.
#include <fmt/format.h>

#include "cli/cli.hpp"
#include "pglens/catalog.hpp"

namespace pglens::cli {
namespace {

namespace fs = std::filesystem;

struct CatalogArgs {
  std::vector<std::string> paths;
  std::string db;
  std::string config;
  std::string output;
};

// The .sql files under `paths` (files as named, directories recursed), in path order.
std::vector<fs::path> sql_files(const std::vector<std::string>& paths, const Config& config) {
  std::vector<fs::path> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> found;
      for (fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec), end;
           !ec && it != end; it.increment(ec))
        if (it->is_regular_file(ec) && config.included(it->path()) && !config.excluded(it->path()))
          found.push_back(it->path());
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (p != "-") {
      out.emplace_back(p);
    }
  }
  return out;
}

std::string render_catalog(const Catalog& c) {
  std::string out = fmt::format("search_path: {}\n", fmt::join(c.search_path(), ", "));
  for (const auto& t : c.tables()) {
    out += fmt::format("\n{} {}.{}", to_string(t.kind), t.schema, t.name);
    if (!t.origin.empty()) out += fmt::format("  (from {})", t.origin);
    out += "\n";
    if (t.size.rows)
      out += fmt::format("  rows: {:.0f}{}  (from {})\n", *t.size.rows,
                         t.size.pages ? fmt::format(", pages: {:.0f}", *t.size.pages) : "", t.size.source);
    else out += "  rows: unknown\n";
    if (t.partitioning)
      out += fmt::format("  partitioned by {} ({})\n", t.partitioning->strategy, fmt::join(t.partitioning->keys, ", "));
    if (t.is_partition()) out += fmt::format("  partition of {}.{} {}\n", t.parent_schema, t.parent_name, t.bound);
    for (const auto& col : t.columns)
      out += fmt::format("  column {} {}{}\n", col.name, col.type.empty() ? "(type unknown)" : col.type,
                         col.not_null ? " NOT NULL" : "");
    for (const auto& con : t.constraints) {
      out += fmt::format("  {} {} ({})", to_string(con.kind), con.name, fmt::join(con.columns, ", "));
      if (con.kind == ConstraintKind::foreign_key)
        out += fmt::format(" REFERENCES {}.{} ({})", con.ref_schema, con.ref_table, fmt::join(con.ref_columns, ", "));
      out += "\n";
    }
    for (const auto& i : t.indexes) {
      out += fmt::format("  index {}{}  (from {})\n", i.definition(t.schema, t.name), i.valid ? "" : "  [invalid]",
                         i.origin.empty() ? "unknown" : i.origin);
    }
  }
  return out;
}

int run_catalog(const CatalogArgs& args, bool dump) {
  Config config;
  if (!resolve_config(args.config, args.paths.empty() ? fs::path(".") : fs::path(args.paths.front()), config))
    return kExitError;
  Catalog catalog;
  if (!load_catalog(config, sql_files(args.paths, config), args.db, catalog)) return kExitError;
  if (!dump) {
    std::string text = render_catalog(catalog);
    write_stdout(text);
    return kExitOk;
  }
  std::string json = dump_snapshot(catalog);
  if (args.output.empty() || args.output == "-") {
    write_stdout(json);
    return kExitOk;
  }
  if (auto err = replace_file(args.output, json)) {
    print_path_error(args.output, fmt::format("cannot write the catalog: {}", *err));
    return kExitError;
  }
  fmt::print(stderr, "pglens: wrote {} tables to {}\n", catalog.tables().size(), args.output);
  return kExitOk;
}

}  // namespace

bool load_catalog(const Config& config, const std::vector<std::filesystem::path>& linted_files,
                  const std::string& db_url, Catalog& out, unsigned threads, ParsedDdlHook on_parsed,
                  std::vector<std::pair<std::string, std::string>> linted_texts, PrereadFiles preread) {
  CatalogSources sources;
  sources.extra_ddl_bytes = std::move(preread);
  sources.extra_ddl = linted_files;
  sources.extra_texts = std::move(linted_texts);
  sources.db_url = db_url;
  sources.threads = threads;
  sources.on_parsed = std::move(on_parsed);
  sources.on_notice = print_notice;
  if (auto err = build_catalog(config, sources, out)) {
    fmt::print(stderr, "pglens: error: {}\n", *err);
    return false;
  }
  out.normalize();
  return true;
}

void add_catalog_command(CLI::App& app, Runner& run) {
  static CatalogArgs dump_args, show_args;
  auto* cmd = app.add_subcommand("catalog", "Dump or show the schema catalog pglens lints against");
  cmd->require_subcommand(1);
  auto* dump =
      cmd->add_subcommand("dump", "Write the catalog as JSON (for `catalog = \"catalog.json\"` in .pglens.toml)");
  dump->add_option("PATH", dump_args.paths, "SQL files or directories whose DDL joins the catalog");
  dump->add_option("--db", dump_args.db,
                   "PostgreSQL URL to read the catalog from (`postgresql://` takes PG* variables)");
  dump->add_option("-o,--output", dump_args.output, "Write to this file instead of stdout");
  dump->add_option("--config", dump_args.config, "Use this config file instead of the nearest .pglens.toml");
  dump->callback([&run] { run = [] { return run_catalog(dump_args, true); }; });
  auto* show =
      cmd->add_subcommand("show", "Print the merged catalog a lint of PATHs would see, with each fact's source");
  show->add_option("PATH", show_args.paths, "SQL files or directories (their DDL joins the catalog)");
  show->add_option("--db", show_args.db, "PostgreSQL URL to read the catalog from");
  show->add_option("--config", show_args.config, "Use this config file instead of the nearest .pglens.toml");
  show->callback([&run] { run = [] { return run_catalog(show_args, false); }; });
  cmd->footer(
      "Sources merge in this order, later winning: DDL (config `schema` paths, then the PATHs), the snapshot\n"
      "(config `catalog`) or the live database (--db, PGLENS_DATABASE_URL, config database.url), then size hints\n"
      "([tables.\"schema.name\"] rows = N).\n"
      "\nExamples:\n"
      "  pglens catalog dump --db postgresql://app@db.internal/shop -o catalog.json\n"
      "  pglens catalog show db/schema.sql\n");
}

}  // namespace pglens::cli
