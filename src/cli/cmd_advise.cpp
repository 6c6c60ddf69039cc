// `pglens advise --db URL [FILES|DIRS|-]`: index advice proven on the server's planner
// (src/advise). This file reads the inputs, prints the report and writes the script.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "advise/advise.hpp"
#include "cli/cli.hpp"
#include "html/report_pages.hpp"
#include "pglens/lint.hpp"
#include "pglens/plan.hpp"
#include "pglens/report.hpp"
#include "sql/lexer.hpp"

namespace pglens::cli {
namespace {

namespace fs = std::filesystem;

struct AdviseArgs {
  std::vector<std::string> paths;
  std::string db;
  std::string config;
  std::string format = "text";
  std::string output;
  double min_cost_reduction = 50;
  bool from_pg_stat_statements = false;
  int top = 20;
  std::string budget;
  bool analyze_dml = false;
  std::string verify;
  bool apply = false;
  bool review_indexes = false;
};

// "500MB", "2 GB", "65536": bytes; nullopt when unreadable.
std::optional<int64_t> parse_bytes(std::string text) {
  text.erase(std::remove(text.begin(), text.end(), ' '), text.end());
  size_t digits = 0;
  while (digits < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.'))
    ++digits;
  if (digits == 0) return std::nullopt;
  double n = std::atof(text.substr(0, digits).c_str());
  std::string unit;
  for (char c : text.substr(digits)) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  double scale = unit.empty() || unit == "b" ? 1
      : unit == "kb" || unit == "k"          ? 1024.0
      : unit == "mb" || unit == "m"          ? 1024.0 * 1024
      : unit == "gb" || unit == "g"          ? 1024.0 * 1024 * 1024
                                             : -1;
  if (scale < 0) return std::nullopt;
  return static_cast<int64_t>(n * scale);
}

std::string size_text(int64_t bytes) {
  if (bytes >= 1024 * 1024) return fmt::format("{:.1f} MB", static_cast<double>(bytes) / (1024 * 1024));
  if (bytes >= 1024) return fmt::format("{:.0f} kB", static_cast<double>(bytes) / 1024);
  return fmt::format("{} B", bytes);
}

std::string one_line(std::string_view s, size_t max) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  if (out.size() > max) out = out.substr(0, max - 3) + "...";
  return out;
}

// The statements of one SQL text, each with its file:line.
void add_statements(const std::string& name, const std::string& text, std::vector<advise::Query>& out) {
  for (const auto& st : sql::lex(text).statements) {
    std::string stmt = text.substr(st.span.begin, st.span.end - st.span.begin);
    if (stmt.empty()) continue;
    size_t line = 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + st.span.begin, '\n'));
    out.push_back({.text = stmt, .origin = fmt::format("{}:{}", name, line)});
  }
}

// A file that is not SQL but plans (auto_explain's log, EXPLAIN output with its "Query Text"):
// the queries the plans carry. False when the text holds no plan (then it is SQL).
bool add_plans(const std::string& name, const std::string& text, std::vector<advise::Query>& out, bool& ok) {
  if (name.ends_with(".sql")) return false;
  auto read = plan::read_plans(text);
  if (read.plans.empty()) return false;
  for (size_t i = 0; i < read.plans.size(); ++i) {
    std::string shown = read.plans.size() > 1 ? fmt::format("{} plan {}", name, i + 1) : name;
    if (read.plans[i].query_text.empty()) {
      fmt::print(stderr,
                 "pglens: error: {}: the plan carries no query text, and advise plans the query itself: give the "
                 "query's .sql file (auto_explain logs carry it as Query Text)\n",
                 terminal_safe(shown));
      ok = false;
      continue;
    }
    add_statements(shown, read.plans[i].query_text, out);
  }
  return true;
}

bool read_inputs(const AdviseArgs& args, std::vector<advise::Query>& out) {
  bool ok = true;
  for (const auto& p : args.paths) {
    std::vector<std::string> files;
    std::error_code ec;
    if (p != "-" && fs::is_directory(p, ec)) {
      for (fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec), end;
           !ec && it != end; it.increment(ec))
        if (it->is_regular_file(ec) && it->path().extension() == ".sql") files.push_back(it->path().string());
      std::sort(files.begin(), files.end());
      if (files.empty()) {
        fmt::print(stderr, "pglens: error: {}: no .sql files found\n", terminal_safe(p));
        ok = false;
      }
    } else {
      files.push_back(p);
    }
    for (const auto& f : files) {
      std::string bytes;
      if (auto err = read_bytes(f, bytes)) {
        fmt::print(stderr, "pglens: error: {}: {}\n", terminal_safe(f == "-" ? "stdin" : f), *err);
        ok = false;
        continue;
      }
      std::string name = f == "-" ? "stdin" : f;
      if (!add_plans(name, bytes, out, ok)) add_statements(name, bytes, out);
    }
  }
  return ok;
}

nlohmann::ordered_json report_json(const advise::Report& r) {
  nlohmann::ordered_json j;
  j["server"] = r.server;
  j["server_version"] = r.server_version;
  j["hypopg"] = r.hypopg;
  if (!r.hypopg) j["hypopg_help"] = r.hypopg_help;
  auto& qs = j["queries"] = nlohmann::ordered_json::array();
  for (const auto& qa : r.queries) {
    nlohmann::ordered_json q;
    q["origin"] = qa.query.origin;
    q["query"] = qa.query.text;
    q["calls"] = qa.query.calls;
    q["kind"] = qa.kind;
    q["generic_plan"] = qa.generic;
    q["cost"] = qa.cost;
    if (qa.analyzed_ms) q["analyzed_ms"] = *qa.analyzed_ms;
    if (!qa.error.empty()) q["error"] = qa.error;
    if (!qa.note.empty()) q["note"] = qa.note;
    auto& cs = q["candidates"] = nlohmann::ordered_json::array();
    for (const auto& c : qa.candidates) {
      nlohmann::ordered_json cj;
      cj["table"] = c.table;
      cj["index"] = c.summary;
      cj["ddl"] = c.ddl;
      cj["rules"] = c.rules;
      cj["cost_before"] = c.proof.cost_before;
      cj["cost_after"] = c.proof.cost_after;
      cj["cost_reduction"] = c.proof.reduction();
      cj["used"] = c.proof.used;
      cj["size_bytes"] = c.proof.size_bytes;
      cj["kept"] = c.kept;
      cj["verdict"] = c.verdict;
      if (c.measured) {
        const auto& m = *c.measured;
        cj["measured"] = {{"shared_blocks_before", m.blocks_before},
                          {"shared_blocks_after", m.blocks_after},
                          {"ms_before", m.ms_before},
                          {"ms_after", m.ms_after},
                          {"used", m.used},
                          {"note", m.note}};
      }
      cs.push_back(std::move(cj));
    }
    qs.push_back(std::move(q));
  }
  auto& ch = j["chosen"] = nlohmann::ordered_json::array();
  for (const auto& c : r.chosen)
    ch.push_back({{"table", c.table},
                  {"index", c.summary},
                  {"ddl", c.ddl},
                  {"size_bytes", c.size_bytes},
                  {"benefit", c.benefit},
                  {"write_cost", c.write_cost},
                  {"serves", c.serves},
                  {"proof", c.proof}});
  auto& rm = j["removals"] = nlohmann::ordered_json::array();
  for (const auto& x : r.removals)
    rm.push_back(
        {{"index", x.index}, {"table", x.table}, {"size_bytes", x.size_bytes}, {"reason", x.reason}, {"ddl", x.ddl}});
  if (!r.stats_since.empty()) j["stats_since"] = r.stats_since;
  j["notes"] = r.notes;
  return j;
}

std::string report_text(const advise::Report& r, const advise::Options& options) {
  std::string out = fmt::format("Server: {} (PostgreSQL {}.{}); {}\n", r.server, r.server_version / 10000,
                                r.server_version % 10000, r.hypopg ? "HypoPG installed" : "HypoPG missing");
  if (!r.hypopg) out += "  " + r.hypopg_help + "\n";
  for (const auto& qa : r.queries) {
    out += fmt::format("\n{}{}  {}\n", qa.query.origin,
                       qa.query.calls != 1 ? fmt::format(" ({:.0f} calls)", qa.query.calls) : "",
                       one_line(qa.query.text, 100));
    if (!qa.error.empty()) {
      out += "  error: " + qa.error + "\n";
      continue;
    }
    if (qa.kind == "other") {
      out += "  " + qa.note + "\n";
      continue;
    }
    out += fmt::format("  cost {:.2f}{}{}\n", qa.cost, qa.generic ? " (generic plan)" : "",
                       qa.analyzed_ms ? fmt::format(", {:.3f} ms measured and rolled back", *qa.analyzed_ms) : "");
    for (const auto& c : qa.candidates) {
      out += fmt::format("  {} {}\n", c.kept ? "+" : "-", c.summary);
      out +=
          fmt::format("      {}{}\n", c.verdict,
                      c.proof.size_bytes ? fmt::format("; hypothetical size {}", size_text(c.proof.size_bytes)) : "");
      if (c.measured) {
        const auto& m = *c.measured;
        if (!m.note.empty()) out += "      " + m.note + "\n";
        else
          out += fmt::format("      --verify real: shared blocks {} -> {}, {:.3f} -> {:.3f} ms, {} (rolled back)\n",
                             m.blocks_before, m.blocks_after, m.ms_before, m.ms_after,
                             m.used ? "index used" : "index NOT used");
      }
    }
    if (qa.candidates.empty()) out += "  " + qa.note + "\n";
  }
  if (!r.chosen.empty()) {
    out += fmt::format(
        "\nIndexes to create{}:\n",
        options.budget_bytes > 0 ? fmt::format(" (within the budget of {})", size_text(options.budget_bytes)) : "");
    for (const auto& c : r.chosen)
      out += fmt::format("  {}  {}  benefit {:.0f}{}  serves {}\n", c.summary, size_text(c.size_bytes), c.benefit,
                         c.write_cost > 0 ? fmt::format(" - write cost {:.0f}", c.write_cost) : "",
                         fmt::join(c.serves, ", "));
  }
  if (!r.removals.empty()) {
    out += "\nIndexes to review:\n";
    for (const auto& x : r.removals)
      out += fmt::format("  {}  {}  {}\n    {}\n", x.index, size_text(x.size_bytes), x.reason, x.ddl);
  }
  for (const auto& n : r.notes) out += "\nnote: " + n + "\n";
  return out;
}

// Runs the script's statements one at a time, under an advisory lock, stopping at the first
// failure.
bool apply_script(advise::Session& session, const advise::Report& report) {
  std::string error;
  auto locked = session.try_advisory_lock(error);
  if (!locked) {
    fmt::print(stderr, "pglens: error: {}\n", terminal_safe(error));
    return false;
  }
  if (!*locked) {
    fmt::print(stderr,
               "pglens: error: another pglens advise --apply holds the lock on this database; try again later\n");
    return false;
  }
  for (const auto& c : report.chosen) {
    for (size_t start = 0; start < c.ddl.size();) {
      size_t end = c.ddl.find(";\n", start);
      if (end == std::string::npos) end = c.ddl.size();
      std::string stmt = c.ddl.substr(start, end - start);
      start = end + 2;
      if (stmt.find_first_not_of(" \n;") == std::string::npos) continue;
      fmt::print(stderr, "pglens: applying: {}\n", terminal_safe(one_line(stmt, 200)));
      if (!session.execute_write(stmt, error)) {
        fmt::print(
            stderr,
            "pglens: error: {}\npglens: stopped at the first failure; an index CONCURRENTLY left INVALID must be "
            "dropped (DROP INDEX CONCURRENTLY) before trying again\n",
            terminal_safe(error));
        return false;
      }
    }
  }
  return true;
}

int run_advise(AdviseArgs args) {
  if (args.paths.empty() && !args.from_pg_stat_statements) args.paths.push_back("-");
  if (!args.verify.empty() && args.verify != "real") {
    fmt::print(stderr, "pglens: error: --verify takes `real` (a real CREATE INDEX in a transaction rolled back)\n");
    return kExitError;
  }
  advise::Options options;
  options.min_cost_reduction = args.min_cost_reduction / 100;
  options.analyze_dml = args.analyze_dml;
  options.verify_real = args.verify == "real";
  options.review_indexes = args.review_indexes || args.from_pg_stat_statements;
  if (!args.budget.empty()) {
    auto b = parse_bytes(args.budget);
    if (!b) {
      fmt::print(stderr, "pglens: error: --budget {}: give bytes, or a size such as 500MB or 2GB\n",
                 terminal_safe(args.budget));
      return kExitError;
    }
    options.budget_bytes = *b;
  }
  Config config;
  fs::path near = args.paths.empty() || args.paths.front() == "-" ? fs::current_path() : fs::path(args.paths.front());
  if (!resolve_config(args.config, near, config)) return kExitError;
  options.search_path = config.search_path;
  options.statement_timeout_ms = static_cast<int>(config.database_statement_timeout_ms);

  std::string url = database_url_for(config, args.db, true, print_notice);
  bool libpq_env = std::getenv("PGHOST") || std::getenv("PGDATABASE") || std::getenv("PGSERVICE");
  if (url.empty() && !libpq_env) {
    fmt::print(stderr,
               "pglens: error: advise needs a database: --db postgres://user@host/db, PGLENS_DATABASE_URL, libpq's "
               "PGHOST/PGDATABASE, or a trusted [database] url (`pglens trust`)\n");
    return kExitError;
  }

  std::vector<advise::Query> queries;
  bool inputs_ok = read_inputs(args, queries);

  std::string error;
  auto session = advise::Session::open(url, options, error);
  if (!session) {
    fmt::print(stderr, "pglens: error: {}\n", terminal_safe(error));
    return kExitError;
  }
  // The live catalog (real columns, existing indexes, sizes) for the index reasoning.
  Catalog live, catalog;
  live.set_search_path(config.search_path);
  if (auto err = load_live({.url = url, .statement_timeout_ms = options.statement_timeout_ms}, live)) {
    fmt::print(stderr, "pglens: error: {}\n", terminal_safe(*err));
    return kExitError;
  }
  complete_catalog(config, catalog, nullptr, &live);

  advise::Report report;
  report.server = session->describe();
  report.server_version = session->server_version();
  report.hypopg = session->has_hypopg();
  if (!report.hypopg)
    report.hypopg_help = fmt::format(
        "Without HypoPG no index is proven. Install it: the package postgresql-{}-hypopg (Debian, Ubuntu, PGDG RPM), "
        "then CREATE EXTENSION hypopg; it writes nothing and works on a standby.",
        report.server_version / 10000);

  if (args.from_pg_stat_statements) {
    auto workload = advise::workload_queries(*session, args.top, error);
    if (!workload) {
      fmt::print(stderr, "pglens: error: {}\n", terminal_safe(error));
      return kExitError;
    }
    queries.insert(queries.end(), workload->begin(), workload->end());
  }

  Linter linter(config);
  for (const auto& q : queries) {
    report.queries.push_back(advise::advise_query(*session, config, linter, catalog, q));
    const auto& qa = report.queries.back();
    if (!qa.error.empty() && !q.from_workload) {
      fmt::print(stderr, "pglens: error: {}: {}\n", terminal_safe(q.origin), terminal_safe(qa.error));
      report.failed = true;
    }
  }
  // The workload's statements that could not be planned are skipped, but counted and named:
  // a workload whose heaviest statements were skipped is not a workload advised on.
  size_t workload = 0, cast = 0;
  std::vector<std::string> unplanned;
  for (const auto& qa : report.queries) {
    if (!qa.query.from_workload) continue;
    ++workload;
    if (qa.query.cast_parameters) ++cast;
    if (!qa.error.empty()) unplanned.push_back(fmt::format("{} ({})", qa.query.origin, one_line(qa.error, 160)));
  }
  if (cast > 0)
    report.notes.push_back(fmt::format(
        "{} of {} pg_stat_statements statements had a typed literal made a parameter (`date $1`, `interval $2`): "
        "planned as `$1::date`",
        cast, workload));
  if (!unplanned.empty()) {
    report.notes.push_back(fmt::format("{} of {} pg_stat_statements statements could not be planned, skipped: {}",
                                       unplanned.size(), workload, fmt::join(unplanned, "; ")));
    fmt::print(stderr, "pglens: warning: {} of {} pg_stat_statements statements could not be planned (see the notes)\n",
               unplanned.size(), workload);
  }
  advise::choose_indexes(*session, catalog, report);
  if (options.review_indexes)
    if (auto err = advise::review_indexes(*session, catalog, report)) report.notes.push_back("index review: " + *err);

  if (args.format == "json") {
    write_stdout(report_json(report).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
  } else if (args.format == "html") {
    write_stdout(html::advise_page(report, options));  // the same report as a page (src/html)
  } else {
    write_stdout(terminal_safe(report_text(report, options), true));
  }
  if (!args.output.empty()) {
    if (auto err = replace_file(args.output, advise::index_script(report))) {
      fmt::print(stderr, "pglens: error: {}: {}\n", terminal_safe(args.output), *err);
      return kExitError;
    }
  }
  if (args.apply && !report.chosen.empty() && !apply_script(*session, report)) return kExitError;
  if (report.failed || !inputs_ok) return kExitError;
  return report.chosen.empty() && report.removals.empty() ? kExitOk : kExitFindings;
}

}  // namespace

void add_advise_command(CLI::App& app, Runner& run) {
  static AdviseArgs args;
  auto* cmd = app.add_subcommand(
      "advise", "Propose indexes proven on the server's planner (HypoPG), for files or the live workload");
  cmd->add_option("PATH", args.paths,
                  "SQL files or directories (recursed for *.sql), or plans with their query text (auto_explain); "
                  "`-` reads stdin");
  cmd->add_option("--db", args.db,
                  "PostgreSQL URL (else PGLENS_DATABASE_URL, libpq's PG* variables, a trusted [database] url)");
  cmd->add_option("--config", args.config, "Use this config file instead of the nearest .pglens.toml");
  cmd->add_option("--format", args.format, "Output: text, json or html (one page)")
      ->check(CLI::IsMember({"text", "json", "html"}));
  cmd->add_option("-o,--output", args.output, "Write the CREATE INDEX CONCURRENTLY script of the chosen indexes here");
  cmd->add_option("--min-cost-reduction", args.min_cost_reduction,
                  "Keep an index only when the planner's cost falls by at least this percentage (default 50)")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_flag(
      "--from-pg-stat-statements", args.from_pg_stat_statements,
      "Advise on the top statements of pg_stat_statements by total time (and review unused/duplicate indexes)");
  cmd->add_option("--top", args.top, "How many pg_stat_statements statements (default 20)")
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--budget", args.budget,
                  "Most bytes the chosen indexes may take (500MB, 2GB); the most benefit within it");
  cmd->add_flag("--analyze-dml", args.analyze_dml,
                "Run INSERT/UPDATE/DELETE with EXPLAIN ANALYZE inside a transaction that is always rolled back");
  cmd->add_option(
      "--verify", args.verify,
      "`real`: CREATE INDEX for real inside a transaction, EXPLAIN (ANALYZE, BUFFERS), ROLLBACK; it takes a "
      "lock on the table: not on production");
  cmd->add_flag("--apply", args.apply,
                "Run the script: CREATE INDEX CONCURRENTLY one at a time, under an advisory lock");
  cmd->add_flag("--review-indexes", args.review_indexes, "Also report unused and duplicate indexes");
  cmd->footer(
      "Examples:\n"
      "  pglens advise --db postgres://app@db/shop queries/\n"
      "  pglens advise --from-pg-stat-statements --top 50 --budget 2GB -o indexes.sql\n"
      "  pglens advise --format json report.sql | jq '.chosen'\n"
      "\nEach statement is EXPLAINed on the server (a $1 statement as a generic plan); the index pglens proposes\n"
      "is created with HypoPG (hypothetical: nothing is written) and kept only when the planner uses it and its\n"
      "cost falls by --min-cost-reduction. Everything runs in read-only transactions with statement_timeout and\n"
      "lock_timeout; data-changing statements are only EXPLAINed unless --analyze-dml (then rolled back).\n"
      "\nExit codes: 0 nothing to advise, 1 indexes to create or review, 2 usage, connection or query error.");
  cmd->callback([&run] { run = [] { return run_advise(args); }; });
}

}  // namespace pglens::cli
