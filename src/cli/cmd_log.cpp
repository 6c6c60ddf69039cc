// `pglens log FILE...`: the workload from PostgreSQL's own logs — the queries that cost the
// most time with their percentiles, N+1 loops, row-by-row loads, cache candidates, and the
// capacity the load needs. `--merge` combines JSON summaries of many logs.
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "cli/cli.hpp"
#include "html/report_pages.hpp"
#include "log/log.hpp"
#include "pglens/lint.hpp"
#include "pglens/plan.hpp"
#include "pglens/plan_rules.hpp"
#include "pglens/report.hpp"

namespace pglens::cli {
namespace {

struct LogArgs {
  std::vector<std::string> inputs;
  std::string format = "text";
  std::string input_format = "auto";
  std::string prefix;
  std::string color = "auto";
  bool merge = false;
  size_t top = 10;
  uint64_t n_plus_one_min = 10;
  double target_utilization = 0.7;
  double growth = 10;
  unsigned jobs = 1;
  int year = 0;
  std::string db;
  uint64_t many_rows = 1000;
};

log::Format input_format(const std::string& name) {
  if (name == "stderr") return log::Format::stderr_log;
  if (name == "csvlog") return log::Format::csvlog;
  if (name == "jsonlog") return log::Format::jsonlog;
  if (name == "syslog") return log::Format::syslog;
  return log::Format::automatic;
}

bool read_summaries(const LogArgs& args, log::Summary& out) {
  for (const auto& path : args.inputs) {
    std::string text;
    if (path == "-") {
      std::ostringstream ss;
      ss << std::cin.rdbuf();
      text = ss.str();
    } else {
      std::ifstream in(path, std::ios::binary);
      if (!in) {
        fmt::print(stderr, "pglens: error: {}: cannot read: {}\n", terminal_safe(path), std::strerror(errno));
        return false;
      }
      std::ostringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    }
    std::string error;
    auto summary = log::summary_from_json(text, error);
    if (!summary) {
      fmt::print(stderr, "pglens: error: {}: {}\n", terminal_safe(path), error);
      return false;
    }
    out.merge(std::move(*summary));
  }
  return true;
}

int run_log(const LogArgs& args) {
  if (args.inputs.empty() && args.db.empty()) {
    fmt::print(stderr, "pglens: error: no log given (a file, several, or - for stdin), nor --db URL\n");
    return kExitError;
  }
  // The nearest .pglens.toml: the SQL rules for the top queries, the database timeouts.
  Config config;
  std::error_code ec;
  if (!resolve_config("", std::filesystem::current_path(ec), config)) return kExitError;
  log::Summary summary;
  if (args.merge) {
    if (!read_summaries(args, summary)) return kExitError;
  } else {
    log::ReadOptions read;
    read.format = input_format(args.input_format);
    read.prefix = args.prefix;
    read.year = args.year;
    log::AnalysisOptions analysis;
    analysis.n_plus_one_min = args.n_plus_one_min;
    // -j: files, and chunks of a file, read by threads and joined in order: the summary
    // is the same for any -j.
    std::vector<log::ReadResult> results;
    log::Summary read_summary = log::analyze_logs(args.inputs, read, analysis, args.jobs, results);
    bool failed = false;
    for (size_t i = 0; i < results.size(); ++i) {
      const auto& r = results[i];
      std::string name = terminal_safe(args.inputs[i] == "-" ? "<stdin>" : args.inputs[i]);
      if (!r.error.empty()) {
        fmt::print(stderr, "pglens: error: {}\n", terminal_safe(r.error));
        failed = true;
        continue;
      }
      if (r.unrecognised_lines)
        fmt::print(stderr,
                   "pglens: warning: {}: {} line{} of the {} log read as neither an entry nor its continuation "
                   "(first: line {})\n",
                   name, r.unrecognised_lines, r.unrecognised_lines == 1 ? "" : "s", log::format_name(r.format),
                   r.first_unrecognised);
      if (r.year_assumed)
        fmt::print(stderr,
                   "pglens: note: {}: syslog times have no year; read as {} (from {}; a month after it as the "
                   "year before); give --year to set it\n",
                   name, r.year_assumed, r.year_from);
      if (r.cut_lines) fmt::print(stderr, "pglens: warning: {}: {} lines over 64 MiB were cut\n", name, r.cut_lines);
    }
    if (failed) return kExitError;
    if (read_summary.localized > 0) {
      bool none = read_summary.statements == 0;
      fmt::print(stderr,
                 "pglens: {}: {} entries are statements or durations in another language than English (the server's "
                 "lc_messages); pglens reads them in English only: ALTER SYSTEM SET lc_messages = 'C'; SELECT "
                 "pg_reload_conf();\n",
                 none ? "error" : "warning", read_summary.localized);
      if (none) return kExitError;
    } else if (read_summary.entries > 0 && read_summary.statements == 0)
      fmt::print(stderr,
                 "pglens: warning: none of the {} entries is a statement with its duration: the server must log "
                 "them (log_min_duration_statement = 0, or log_statement = 'all' with log_duration = on) in "
                 "English (lc_messages = 'C': `duration:`, `statement:` are read in English only)\n",
                 read_summary.entries);
    if (read_summary.inexact_sessions)
      fmt::print(stderr,
                 "pglens: warning: {} sessions crossed a -j chunk boundary with more entries than are kept to join "
                 "them: their loops across the cut may be split (use -j 1 for the exact result)\n",
                 read_summary.inexact_sessions);
    summary.merge(std::move(read_summary));
  }
  if (!args.db.empty()) {
    log::DbOptions db;
    db.url = args.db;
    db.statement_timeout_ms = static_cast<int>(config.database_statement_timeout_ms);
    db.many_rows = args.many_rows;
    std::string error;
    if (!log::read_pg_stat_statements(db, summary, error)) {
      fmt::print(stderr, "pglens: error: {}\n", terminal_safe(error));
      return kExitError;
    }
  }
  // The top queries go through the SQL rules, as `pglens lint` configured here runs them.
  Linter linter(config);
  log::ReportOptions report;
  report.lint = [&linter](std::string_view sql) {
    std::vector<std::pair<std::string, std::string>> out;
    SourceFile file{"<log>", std::string(sql), false};
    for (const auto& d : linter.lint(file)) {
      // A statement the log cut short, or one for a newer server, says nothing of its cost.
      if (d.rule == "syntax-error" || d.rule == "too-deep-to-analyze" || d.rule == "needs-newer-postgres" ||
          d.rule == "unused-ignore")
        continue;
      out.emplace_back(d.rule, d.message);
    }
    return out;
  };
  // auto_explain's plan of a top query's slowest call, read and diagnosed as `pglens explain` does.
  report.diagnose_plan = [&config](std::string_view text) {
    std::vector<std::pair<std::string, std::string>> out;
    auto read = plan::read_plans(text);
    if (read.plans.empty()) return out;
    for (const auto& f : plan::diagnose(read.plans.front(), config, Catalog::none()).findings)
      out.emplace_back(f.rule, f.message);
    return out;
  };
  report.top = args.top;
  report.target_utilization = args.target_utilization;
  report.growth = args.growth;
  report.repeat_min = args.n_plus_one_min;
  report.many_rows = args.many_rows;
  report.color = args.format == "text" && use_color(args.color, STDOUT_FILENO);
  if (args.format == "html")  // the same report as a page (src/html)
    write_stdout(html::log_page(
        {.title = args.inputs.size() == 1 ? args.inputs[0] : fmt::format("{} inputs", args.inputs.size()),
         .report_json = log::report_json(summary, report),
         .top = report.top}));
  else write_stdout(args.format == "json" ? log::report_json(summary, report) : log::report_text(summary, report));
  return log::finding_count(summary, report.repeat_min, report.many_rows) ? kExitFindings : kExitOk;
}

}  // namespace

void add_log_command(CLI::App& app, Runner& run) {
  static LogArgs args;
  auto* cmd = app.add_subcommand("log",
                                 "Read PostgreSQL's logs: the costliest queries with percentiles, N+1 loops, "
                                 "row-by-row loads, cache candidates, capacity");
  cmd->add_option("FILE", args.inputs,
                  "Log files (stderr, csvlog, jsonlog, syslog; .gz too), `-` for stdin; with "
                  "--merge, JSON summaries");
  cmd->add_option("--format", args.format, "Output: text, json (a summary --merge reads) or html (one page)")
      ->check(CLI::IsMember({"text", "json", "html"}));
  cmd->add_option("--input-format", args.input_format,
                  "auto (detected from the first line), stderr, csvlog, jsonlog or syslog")
      ->check(CLI::IsMember({"auto", "stderr", "csvlog", "jsonlog", "syslog"}));
  cmd->add_option("--prefix", args.prefix,
                  "The server's log_line_prefix (SHOW log_line_prefix), for a stderr log; default: detected");
  cmd->add_flag("--merge", args.merge, "Merge JSON summaries of `pglens log --format json` instead of reading logs");
  cmd->add_option("--top", args.top, "How many queries to show (default 10)")->check(CLI::Range(1, 100000));
  cmd->add_option("--n-plus-one-min", args.n_plus_one_min,
                  "Calls in a row that make a loop (N+1, row-by-row INSERTs), and repeats that make a cache "
                  "candidate (default 10)")
      ->check(CLI::Range(2, 1000000000));
  cmd->add_option("--target-utilization", args.target_utilization,
                  "Capacity: the share of each core to plan for (default 0.7)")
      ->check(CLI::Range(0.01, 1.0));
  cmd->add_option("--growth", args.growth, "Capacity: the traffic to plan for, as a multiple of the log's (default 10)")
      ->check(CLI::Range(0.01, 1e6));
  cmd->add_option("-j,--jobs", args.jobs,
                  "Threads: files read at once, and chunks of a file when there are more jobs than files (default 1)")
      ->check(CLI::Range(1, 256));
  cmd->add_option("--db", args.db,
                  "Also read pg_stat_statements of this database (read-only, with timeouts): calls, time, rows and "
                  "buffers per statement; alone when no log is given");
  cmd->add_option("--many-rows", args.many_rows,
                  "Rows a call from which a SELECT with no aggregate is a finding (default 1000)")
      ->check(CLI::Range(1, 1000000000));
  cmd->add_option("--year", args.year,
                  "The year of syslog's year-less times (default: the file's modification time, or today)")
      ->check(CLI::Range(1970, 9999));
  cmd->add_option("--color", args.color, "auto, always or never")->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->footer(
      "Examples:\n"
      "  pglens log /var/log/postgresql/postgresql-15-main.log\n"
      "  pglens log --prefix '%m [%p] %q%u@%d ' postgresql.log.1 postgresql.log.2.gz\n"
      "  pglens log -j 2 --format json day1.csv > day1.json; pglens log --merge day1.json day2.json\n"
      "  pglens log --db postgres://monitor@db/shop                   pg_stat_statements alone\n"
      "\nWhat the server must log (postgresql.conf):\n"
      "  log_min_duration_statement = 0   every statement with its duration (or a threshold in ms)\n"
      "  log_line_prefix = '%m [%p] %c '  time, process id and session id (%c finds N+1 loops)\n"
      "  lc_messages = 'C'                the severity words in English\n"
      "\nPercentiles come from a log-bucketed histogram within 1 % of the exact values.\n"
      "Exit codes: 0 nothing found, 1 findings (loops, cache candidates), 2 usage or I/O error, or\n"
      "an input with no log entry in it.");
  cmd->callback([&run] { run = [] { return run_log(args); }; });
}

}  // namespace pglens::cli
