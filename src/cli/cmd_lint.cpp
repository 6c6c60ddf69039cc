#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "advise/advise.hpp"
#include "cli/cli.hpp"
#include "pglens/lint.hpp"
#include "pglens/report.hpp"

namespace pglens::cli {
namespace {

struct LintArgs {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string fail_on;
  std::string color = "auto";
  std::string config;
  std::string stdin_filename;
  unsigned jobs = 0;
  std::vector<std::string> select, ignore;
  bool fix = false;
  bool unsafe_fixes = false;
  std::string db;
};

struct Job {
  std::string path;        // as shown to the user
  std::string read_from;   // "-" for stdin
  const Linter* linter = nullptr;
  // Stdin or a FIFO (process substitution) can be read only once: read before the catalog,
  // which takes its DDL from these bytes as the lint takes its text.
  std::optional<std::string> preread;
  std::optional<std::string> preread_error;
  const Catalog* catalog = nullptr;
  const Prelint* prelint = nullptr;
};

namespace fs = std::filesystem;

// One Linter per config file, shared by every file that config governs.
class Linters {
 public:
  Linters(const LintArgs& args) : args_(args) {}

  // nullptr after printing the error when the config is broken.
  const Linter* for_path(const fs::path& path) {
    std::string key;
    if (args_.config.empty()) {
      // One upward search per directory, not per file.
      std::error_code ec;
      std::string dir = fs::is_directory(path, ec) ? path.string() : path.parent_path().string();
      auto known = config_of_dir_.find(dir);
      if (known == config_of_dir_.end()) {
        auto found = find_config(path);
        known = config_of_dir_.emplace(dir, found ? found->string() : std::string()).first;
      }
      key = known->second;
    } else {
      key = args_.config;
    }
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second.get();
    Config config;
    if (key.empty()) {
      std::error_code ec;
      config.root = fs::current_path(ec);
    } else if (auto err = load_config(key, config)) {
      fmt::print(stderr, "pglens: error: {}\n", err->format());
      cache_[key] = nullptr;
      // In the report too: a run whose config is broken linted nothing, and must not look clean.
      FileReport report;
      report.file.path = key;
      report.error = err->message;
      if (err->line) report.error_position = Position{err->line, std::max<uint32_t>(err->column, 1)};
      broken_.push_back(std::move(report));
      return nullptr;
    }
    if (!args_.select.empty()) config.select = args_.select;
    for (const auto& i : args_.ignore) config.ignore.push_back(i);
    auto linter = std::make_unique<Linter>(config);
    const Linter* raw = linter.get();
    cache_[key] = std::move(linter);
    return raw;
  }

  // The broken configs met so far, as reports naming each config file.
  std::vector<FileReport> take_broken() { return std::move(broken_); }

 private:
  const LintArgs& args_;
  std::vector<FileReport> broken_;
  std::map<std::string, std::unique_ptr<Linter>> cache_;
  std::map<std::string, std::string> config_of_dir_;
};

bool validate_rule_ids(const std::vector<std::string>& ids, std::string_view flag) {
  for (const auto& id : ids) {
    if (id != "ALL" && !find_rule(id)) {
      fmt::print(stderr, "pglens: error: unknown rule id `{}` in {} (run `pglens rules` for the list)\n", id, flag);
      return false;
    }
  }
  return true;
}

// Reads, lints and (with --fix) fixes one file into `rep`; `notes` gets what the user must
// be told about its fixes.
void lint_job(Job& job, const LintArgs& args, FileReport& rep, std::vector<std::string>& notes) {
  std::string bytes;
  std::optional<std::string> err = job.preread_error;
  if (job.preread) bytes = std::move(*job.preread);
  else if (!err) err = read_bytes(job.read_from, bytes);
  if (err) {
    rep.error = *err;
    return;
  }
  DecodeError derr;
  if (!decode_source(job.path, std::move(bytes), rep.file, derr)) {
    rep.error = derr.message;
    if (derr.offset || derr.position.line > 1) rep.error_position = derr.position;
    return;
  }
  rep.diagnostics = job.prelint && job.read_from != "-" ? job.linter->lint(rep.file, *job.catalog, *job.prelint)
                                                        : job.linter->lint(rep.file, *job.catalog);
  if (!args.fix || job.read_from == "-") return;
  // What is left after the fixes is what the user still has to look at.
  auto fixed = job.linter->fix(rep.file, *job.catalog, rep.diagnostics, args.unsafe_fixes);
  for (const auto& rule : fixed.reverted)
    notes.push_back(fmt::format("the fix of `{}` made SQL that does not parse: left out", rule));
  if (fixed.applied == 0) return;
  std::string bytes_out = (rep.file.had_bom ? "\xEF\xBB\xBF" : "") + fixed.text;
  if (auto werr = replace_file(job.read_from, bytes_out)) {
    rep.error = fmt::format("--fix could not write the fixed file: {}", *werr);
    rep.write_failed = true;
  } else {
    rep.fixes_applied = fixed.applied;
    rep.file.text = std::move(fixed.text);
    rep.diagnostics = std::move(fixed.diagnostics);
  }
}

int run_lint(LintArgs& args) {
  if (!validate_rule_ids(args.select, "--select") || !validate_rule_ids(args.ignore, "--ignore")) return kExitError;
  if (args.paths.empty()) args.paths.push_back(".");
  auto format = parse_report_format(args.format);
  bool color = use_color(args.color, STDOUT_FILENO);

  Linters linters(args);
  std::vector<Job> jobs;
  bool failed = false;
  std::vector<FileReport> missing;  // named paths that do not exist: in every report format and the summary
  for (const auto& p : args.paths) {
    if (p == "-") {
      std::string shown = args.stdin_filename.empty() ? "<stdin>" : args.stdin_filename;
      const Linter* l = linters.for_path(args.stdin_filename.empty() ? fs::path(".") : fs::path(args.stdin_filename));
      if (!l) { failed = true; continue; }
      if (!args.stdin_filename.empty() && l->config().excluded(args.stdin_filename)) continue;
      Job job{shown, "-", l};
      std::string bytes;
      if (auto err = read_bytes("-", bytes)) {
        fmt::print(stderr, "pglens: error: {}: {}\n", shown, *err);
        failed = true;
        continue;
      }
      job.preread = std::move(bytes);
      jobs.push_back(std::move(job));
      continue;
    }
    std::error_code ec;
    auto status = fs::status(p, ec);
    if (ec || !fs::exists(status)) {
      // What stat said: a symlink loop or a directory it may not enter is not a missing file.
      std::string why = ec ? ec.message() : "no such file or directory";
      fmt::print(stderr, "pglens: error: {}: {}\n", p, why);
      FileReport report;
      report.file.path = p;
      report.error = why;
      missing.push_back(std::move(report));
      failed = true;
      continue;
    }
    if (fs::is_directory(status)) {
      std::vector<std::string> found;
      fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec), end;
      for (; !ec && it != end; it.increment(ec)) {
        const auto& entry = *it;
        std::string name = entry.path().filename().string();
        if (entry.is_directory(ec)) {
          const Linter* l = linters.for_path(entry.path());
          if ((name.size() > 1 && name[0] == '.') || name == "node_modules" || (l && l->config().excluded(entry.path()))) {
            it.disable_recursion_pending();
          } else if (::access(entry.path().c_str(), R_OK | X_OK) != 0) {
            // Its files would be missing from the lint without a word: an error, as for a file.
            int err = errno;
            fmt::print(stderr, "pglens: error: {}: cannot read the directory: {}\n", entry.path().string(), std::strerror(err));
            FileReport report;
            report.file.path = entry.path().string();
            report.error = fmt::format("cannot read the directory: {}", std::strerror(err));
            missing.push_back(std::move(report));
            failed = true;
            it.disable_recursion_pending();
          }
          continue;
        }
        if (!entry.is_regular_file(ec)) continue;
        const Linter* l = linters.for_path(entry.path());
        if (!l) { failed = true; continue; }
        bool wanted = l->config().included(entry.path()) && !l->config().excluded(entry.path());
        if (wanted) found.push_back(entry.path().string());
      }
      if (ec) {
        fmt::print(stderr, "pglens: error: {}: {}\n", p, ec.message());
        failed = true;
      }
      if (found.empty() && !ec) {
        fmt::print(stderr, "pglens: error: {}: no .sql files found (include: {})\n", p,
                   fmt::join(linters.for_path(p) ? linters.for_path(p)->config().include : std::vector<std::string>{}, ", "));
        failed = true;
      }
      std::sort(found.begin(), found.end());
      for (auto& f : found) jobs.push_back({f, f, linters.for_path(f)});
      continue;
    }
    const Linter* l = linters.for_path(p);
    if (!l) { failed = true; continue; }
    if (l->config().excluded(p)) continue;
    Job job{p, p, l};
    if (!fs::is_regular_file(status)) {
      std::string bytes;
      if (auto err = read_bytes(p, bytes)) job.preread_error = std::move(err);
      else job.preread = std::move(bytes);
    }
    jobs.push_back(std::move(job));
  }

  for (auto& broken : linters.take_broken()) missing.push_back(std::move(broken));

  // One catalog per config: its schema sources plus the DDL of the files it governs.
  std::map<const Linter*, std::vector<fs::path>> files_by_linter;
  std::map<const Linter*, std::vector<std::pair<std::string, std::string>>> texts_by_linter;  // stdin
  std::map<const Linter*, PrereadFiles> preread_by_linter;  // FIFOs, process substitution
  for (const auto& j : jobs) {
    auto& files = files_by_linter[j.linter];
    if (j.preread_error) continue;
    if (j.read_from == "-") {
      // Its DDL counts as a file's would, decoded as the lint decodes it.
      SourceFile decoded;
      DecodeError ignored;
      if (j.preread && decode_source(j.path, std::string(*j.preread), decoded, ignored))
        texts_by_linter[j.linter].emplace_back(j.path, std::move(decoded.text));
      continue;
    }
    files.emplace_back(j.read_from);
    std::error_code ec;
    if (j.preread) preread_by_linter[j.linter][fs::absolute(j.read_from, ec).string()] = *j.preread;
  }
  // More threads than files (or than cores, when not asked for) only cost their start.
  unsigned n = args.jobs ? args.jobs : std::max(1u, std::thread::hardware_concurrency());
  n = std::min<unsigned>(n, static_cast<unsigned>(std::max<size_t>(1, jobs.size())));
  std::map<const Linter*, std::unique_ptr<Catalog>> catalogs;
  // The rules check each DDL statement as the catalog loader parses it: parsed once for both.
  std::map<const Linter*, std::unique_ptr<Prelint>> prelints;
  for (const auto& [linter, files] : files_by_linter) {
    auto catalog = std::make_unique<Catalog>();
    auto prelint = std::make_unique<Prelint>(*linter);
    if (!load_catalog(linter->config(), files, args.db, *catalog, n, prelint->hook(), texts_by_linter[linter],
                      std::move(preread_by_linter[linter])))
      return kExitError;
    catalogs[linter] = std::move(catalog);
    prelints[linter] = std::move(prelint);
  }
  for (auto& j : jobs) {
    j.catalog = catalogs[j.linter].get();
    j.prelint = prelints[j.linter].get();
  }

  // --db: each suggested index is asked of the server's planner (HypoPG) before it is printed,
  // on one read-only session for the run, from this thread (the workers only lint).
  std::optional<advise::Session> planner;
  if (!args.db.empty() && !jobs.empty()) {
    const Config& config = jobs.front().linter->config();
    advise::Options options;
    options.search_path = config.search_path;
    options.statement_timeout_ms = static_cast<int>(config.database_statement_timeout_ms);
    std::string error;
    planner = advise::Session::open(database_url_for(config, args.db, true, nullptr), options, error);
    if (!planner)
      print_notice(fmt::format("suggested indexes are not verified: {}", error));
    else if (!planner->has_hypopg())
      print_notice(
          "suggested indexes are not verified: HypoPG is not installed on the server (CREATE EXTENSION hypopg, from "
          "the hypopg package for the server's version; see `pglens advise --help`)");
  }

  // Lint in parallel; print in input order as soon as each file's turn comes.
  std::vector<std::optional<FileReport>> done(jobs.size());
  std::vector<std::vector<std::string>> fix_notes(jobs.size());  // by job, said on stderr
  std::mutex mu;
  std::condition_variable ready;
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (;;) {
      size_t i = next.fetch_add(1);
      if (i >= jobs.size()) return;
      FileReport rep;
      rep.file.path = jobs[i].path;
      try {
        lint_job(jobs[i], args, rep, fix_notes[i]);
      } catch (const std::exception& e) {
        // One file's failure is that file's error: the other files' findings still print.
        rep.diagnostics.clear();
        rep.error = fmt::format("internal error while linting this file: {}", e.what());
      }
      std::lock_guard lock(mu);
      done[i] = std::move(rep);
      ready.notify_all();
    }
  };
  n = std::min<unsigned>(n, static_cast<unsigned>(std::max<size_t>(1, jobs.size())));
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < n; ++t) threads.emplace_back(worker);

  Severity threshold = Severity::warning;
  if (!args.fail_on.empty()) threshold = *parse_severity(args.fail_on);
  else if (!jobs.empty() && jobs.front().linter->config().fail_on) threshold = *jobs.front().linter->config().fail_on;
  bool over_threshold = false;

  std::vector<FileReport> reports;
  reports.reserve(jobs.size());
  bool stream = *format == ReportFormat::text || *format == ReportFormat::github;
  // JSON is written as each file's turn comes, and what is written is dropped: the report
  // of a large tree is never held whole (the missing paths come first, as they are known).
  JsonReportWriter json;
  if (*format == ReportFormat::json)
    for (const auto& m : missing) write_stdout(json.file(m));
  std::thread own;
  if (n == 1 || jobs.empty()) worker();
  else own = std::thread(worker);
  bool progress = isatty(STDERR_FILENO) && jobs.size() >= 500 && !isatty(STDOUT_FILENO);
  for (size_t i = 0; i < jobs.size(); ++i) {
    std::unique_lock lock(mu);
    ready.wait(lock, [&] { return done[i].has_value(); });
    FileReport rep = std::move(*done[i]);
    done[i].reset();
    lock.unlock();
    for (const auto& note : fix_notes[i]) fmt::print(stderr, "pglens: warning: {}: {}\n", rep.file.path, note);
    if (planner) advise::verify_index_findings(*planner, *jobs[i].catalog, rep);
    if (rep.error.empty() && rep.diagnostics.empty()) rep.file.text.clear();  // nothing to show: free it
    for (const auto& d : rep.diagnostics)
      if (d.severity >= threshold) over_threshold = true;
    if (*format == ReportFormat::json) {
      write_stdout(json.file(rep));
      if (!rep.error.empty()) failed = true;
      rep.diagnostics = {};
      rep.file.text = {};
    }
    if (stream) {
      std::string out = *format == ReportFormat::text ? render_text(rep, color) : render_github(rep);
      write_stdout(out);
      if (!rep.error.empty()) failed = true;
      // Keep only what the summary and the exit code need.
      rep.file.text.clear();
      rep.file.text.shrink_to_fit();
    }
    if (progress && (i + 1) % 100 == 0) fmt::print(stderr, "\rpglens: {}/{} files", i + 1, jobs.size());
    reports.push_back(std::move(rep));
  }
  if (progress) fmt::print(stderr, "\r\x1b[K");
  for (auto& t : threads) t.join();
  if (own.joinable()) own.join();

  reports.insert(reports.begin(), std::make_move_iterator(missing.begin()), std::make_move_iterator(missing.end()));
  for (const auto& r : reports)
    if (!r.error.empty()) failed = true;
  if (*format == ReportFormat::json) write_stdout(json.finish());
  if (*format == ReportFormat::sarif) write_stdout(render_sarif(reports));
  if (*format == ReportFormat::text) write_stdout(render_text_summary(summarize(reports), color));
  std::fflush(stdout);

  for (auto& [linter, catalog] : catalogs) leave_to_exit(catalog);
  for (auto& [linter, prelint] : prelints) leave_to_exit(prelint);
  if (failed) return kExitError;
  return over_threshold ? kExitFindings : kExitOk;
}

}  // namespace

void add_lint_command(CLI::App& app, Runner& run) {
  static LintArgs args;
  auto* cmd = app.add_subcommand("lint", "Lint SQL files for slow queries and other problems");
  cmd->add_option("PATH", args.paths, "Files or directories (recursed for *.sql); `-` reads stdin. Default: .");
  cmd->add_option("--format", args.format, "Output: text, json, sarif or github (workflow commands)")
      ->check(CLI::IsMember({"text", "json", "sarif", "github"}));
  cmd->add_option("--fail-on", args.fail_on, "Exit 1 when a finding is at or above this severity (default: warning)")
      ->check(CLI::IsMember({"info", "warning", "error"}));
  cmd->add_option("--color", args.color, "auto, always or never")->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_option("--config", args.config, "Use this config file instead of the nearest .pglens.toml");
  cmd->add_option("--stdin-filename", args.stdin_filename, "Name to report (and to find the config by) for `-`");
  cmd->add_option("-j,--jobs", args.jobs, "Files linted in parallel (default: all cores)");
  // One value per occurrence (`--select a,b` or `--select a --select b`): a list option that
  // took every following word would swallow the paths (`--select select-star q.sql`).
  cmd->add_option("--select", args.select, "Run only these rules (comma-separated, or repeat the option)")
      ->delimiter(',')
      ->allow_extra_args(false);
  cmd->add_option("--ignore", args.ignore, "Do not run these rules (comma-separated, or repeat the option)")
      ->delimiter(',')
      ->allow_extra_args(false);
  cmd->add_flag("--fix", args.fix, "Apply safe fixes in place (atomically), then report what is left");
  cmd->add_flag("--unsafe-fixes", args.unsafe_fixes, "With --fix, also apply fixes that may change behaviour");
  cmd->add_option("--db", args.db,
                  "Read the schema catalog from this PostgreSQL URL (default: PGLENS_DATABASE_URL, then config "
                  "database.url; `postgresql://` takes the PG* variables)");
  cmd->footer(
      "Examples:\n"
      "  pglens lint db/queries/\n"
      "  pglens lint --format github migrations/*.sql\n"
      "  git diff --name-only -- '*.sql' | xargs pglens lint\n"
      "  cat q.sql | pglens lint - --stdin-filename q.sql\n"
      "  pglens lint --select select-star --fail-on error .\n"
      "  pglens lint --fix db/                 apply safe fixes, report the rest\n"
      "  pglens lint --db postgresql://app@db.internal/shop queries/\n"
      "\nThe schema the rules check against: the DDL of the linted files themselves (CREATE TABLE,\n"
      "CREATE INDEX, ALTER TABLE ...), .pglens.toml's `schema` and `catalog`, and --db;\n"
      "`pglens catalog show PATH...` prints what a lint of PATH would see.\n"
      "\nSuppress a finding with a comment on its line or the line above the statement:\n"
      "  SELECT * FROM t;  -- pglens-ignore: select-star  reason\n"
      "\nExit codes: 0 clean, 1 findings at or above --fail-on, 2 usage, config or I/O error.");
  cmd->callback([&run] { run = [] { return run_lint(args); }; });
}

}  // namespace pglens::cli
