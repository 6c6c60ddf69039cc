#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

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
  std::string path;       // as shown to the user
  std::string read_from;  // "-" for stdin
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
      fmt::print(stderr, "pglens: error: {}\n", terminal_safe(err->format()));
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

// lint_job, with an exception as that file's error: the other files' findings still print.
FileReport lint_file(Job& job, const LintArgs& args, std::vector<std::string>& notes) {
  FileReport rep;
  rep.file.path = job.path;
  try {
    lint_job(job, args, rep, notes);
  } catch (const std::exception& e) {
    rep.diagnostics.clear();
    rep.error = fmt::format("internal error while linting this file: {}", e.what());
  }
  return rep;
}

FileReport error_report(std::string path, std::string error) {
  FileReport report;
  report.file.path = std::move(path);
  report.error = std::move(error);
  return report;
}

// What the named paths give: the files to lint, in the order they are reported, and the
// paths that could not be read (in every report format and the summary).
struct Discovery {
  std::vector<Job> jobs;
  std::vector<FileReport> missing;
  bool failed = false;
};

// `-`: stdin, read now (it can be read only once, and the catalog takes its DDL too).
void discover_stdin(const LintArgs& args, Linters& linters, Discovery& out) {
  std::string shown = args.stdin_filename.empty() ? "<stdin>" : args.stdin_filename;
  const Linter* l = linters.for_path(args.stdin_filename.empty() ? fs::path(".") : fs::path(args.stdin_filename));
  if (!l) {
    out.failed = true;
    return;
  }
  if (!args.stdin_filename.empty() && l->config().excluded(args.stdin_filename)) return;
  Job job{shown, "-", l};
  std::string bytes;
  if (auto err = read_bytes("-", bytes)) {
    print_path_error(shown, *err);
    out.failed = true;
    return;
  }
  job.preread = std::move(bytes);
  out.jobs.push_back(std::move(job));
}

// A directory: the files its configs include, sorted; hidden directories, node_modules and
// excluded ones are skipped, and one it may not enter is an error.
void discover_directory(const std::string& p, Linters& linters, Discovery& out) {
  std::vector<std::string> found;
  std::error_code ec;
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
        std::string why = fmt::format("cannot read the directory: {}", std::strerror(err));
        print_path_error(entry.path().string(), why);
        out.missing.push_back(error_report(entry.path().string(), why));
        out.failed = true;
        it.disable_recursion_pending();
      }
      continue;
    }
    if (!entry.is_regular_file(ec)) continue;
    const Linter* l = linters.for_path(entry.path());
    if (!l) {
      out.failed = true;
      continue;
    }
    bool wanted = l->config().included(entry.path()) && !l->config().excluded(entry.path());
    if (wanted) found.push_back(entry.path().string());
  }
  if (ec) {
    print_path_error(p, ec.message());
    out.failed = true;
  }
  if (found.empty() && !ec) {
    print_path_error(
        p,
        fmt::format(
            "no .sql files found (include: {})",
            fmt::join(linters.for_path(p) ? linters.for_path(p)->config().include : std::vector<std::string>{}, ", ")));
    out.failed = true;
  }
  std::sort(found.begin(), found.end());
  for (auto& f : found) out.jobs.push_back({f, f, linters.for_path(f)});
}

Discovery discover(const LintArgs& args, Linters& linters) {
  Discovery out;
  for (const auto& p : args.paths) {
    if (p == "-") {
      discover_stdin(args, linters, out);
      continue;
    }
    std::error_code ec;
    auto status = fs::status(p, ec);
    if (ec || !fs::exists(status)) {
      // What stat said: a symlink loop or a directory it may not enter is not a missing file.
      std::string why = ec ? ec.message() : "no such file or directory";
      print_path_error(p, why);
      out.missing.push_back(error_report(p, why));
      out.failed = true;
      continue;
    }
    if (fs::is_directory(status)) {
      discover_directory(p, linters, out);
      continue;
    }
    const Linter* l = linters.for_path(p);
    if (!l) {
      out.failed = true;
      continue;
    }
    if (l->config().excluded(p)) continue;
    Job job{p, p, l};
    if (!fs::is_regular_file(status)) {
      // A FIFO or process substitution: read once, now.
      std::string bytes;
      if (auto err = read_bytes(p, bytes)) job.preread_error = std::move(err);
      else job.preread = std::move(bytes);
    }
    out.jobs.push_back(std::move(job));
  }
  for (auto& broken : linters.take_broken()) out.missing.push_back(std::move(broken));
  return out;
}

// One catalog per config (its schema sources plus the DDL of the files it governs), and the
// prelint that checks each DDL statement as the catalog loader parses it.
struct Catalogs {
  std::map<const Linter*, std::unique_ptr<Catalog>> catalogs;
  std::map<const Linter*, std::unique_ptr<Prelint>> prelints;
};

bool build_catalogs(std::vector<Job>& jobs, const std::string& db, unsigned threads, Catalogs& out) {
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
  for (const auto& [linter, files] : files_by_linter) {
    auto catalog = std::make_unique<Catalog>();
    auto prelint = std::make_unique<Prelint>(*linter);
    if (!load_catalog(linter->config(), files, db, *catalog, threads, prelint->hook(), texts_by_linter[linter],
                      std::move(preread_by_linter[linter])))
      return false;
    out.catalogs[linter] = std::move(catalog);
    out.prelints[linter] = std::move(prelint);
  }
  for (auto& j : jobs) {
    j.catalog = out.catalogs[j.linter].get();
    j.prelint = out.prelints[j.linter].get();
  }
  return true;
}

// --db: each suggested index is asked of the server's planner (HypoPG) before it is printed,
// from the printing thread (the workers only lint). Each file's statements are planned as its
// own config says (its search path, its statement timeout): one read-only session per
// distinct URL, search path and timeout, opened when a file first suggests an index.
class IndexProvers {
 public:
  explicit IndexProvers(const LintArgs& args) : args_(args) {}

  advise::Session* for_config(const Config& config) {
    if (args_.db.empty()) return nullptr;
    std::string url = database_url_for(config, args_.db, true, nullptr);
    Key key{url, config.search_path, config.database_statement_timeout_ms};
    auto it = sessions_.find(key);
    if (it == sessions_.end()) {
      advise::Options options;
      options.search_path = config.search_path;
      options.statement_timeout_ms = static_cast<int>(config.database_statement_timeout_ms);
      std::string error;
      auto prover = advise::Session::open(url, options, error);
      if (!prover) say(fmt::format("suggested indexes are not verified: {}", error));
      else if (!prover->has_hypopg())
        say("suggested indexes are not verified: HypoPG is not installed on the server (CREATE EXTENSION hypopg, "
            "from the hypopg package for the server's version; see `pglens advise --help`)");
      it = sessions_.emplace(std::move(key), std::move(prover)).first;
    }
    return it->second ? &*it->second : nullptr;
  }

 private:
  using Key = std::tuple<std::string, std::vector<std::string>, int64_t>;
  void say(const std::string& notice) {  // once per run, however many configs meet it
    if (said_.insert(notice).second) print_notice(notice);
  }
  const LintArgs& args_;
  std::map<Key, std::optional<advise::Session>> sessions_;
  std::set<std::string> said_;
};

// Runs work(i) for every i < count on `threads` threads and hands each result to
// consume(i, result) on the calling thread in index order, as soon as its turn comes (with
// one thread, after all of them): the output of a parallel run is that of a serial one.
template <class Result, class Work, class Consume>
void ordered_parallel_map(size_t count, unsigned threads, Work&& work, Consume&& consume) {
  std::vector<std::optional<Result>> done(count);
  std::mutex mu;
  std::condition_variable ready;
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (;;) {
      size_t i = next.fetch_add(1);
      if (i >= count) return;
      Result result = work(i);
      std::lock_guard lock(mu);
      done[i] = std::move(result);
      ready.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  std::thread own;
  if (threads == 1 || count == 0) worker();
  else own = std::thread(worker);
  for (size_t i = 0; i < count; ++i) {
    std::unique_lock lock(mu);
    ready.wait(lock, [&] { return done[i].has_value(); });
    Result result = std::move(*done[i]);
    done[i].reset();
    lock.unlock();
    consume(i, result);
  }
  for (auto& t : pool) t.join();
  if (own.joinable()) own.join();
}

// One output format of `pglens lint`: what it writes before the lint, for each file in input
// order, and at the end.
class Reporter {
 public:
  virtual ~Reporter() = default;
  // The paths that could not be read and the broken configs, known before the lint.
  virtual void start(const std::vector<FileReport>& known) { (void)known; }
  // One file's report; the reporter may drop what it no longer needs (text, findings):
  // only the summary and the exit code read it afterwards.
  virtual void file(FileReport& report) { (void)report; }
  // Every report, the known ones first.
  virtual void finish(const std::vector<FileReport>& all) { (void)all; }
};

class TextReporter final : public Reporter {
 public:
  explicit TextReporter(bool color) : color_(color) {}
  void file(FileReport& report) override {
    write_stdout(render_text(report, color_));
    report.file.text.clear();
    report.file.text.shrink_to_fit();
  }
  void finish(const std::vector<FileReport>& all) override {
    write_stdout(render_text_summary(summarize(all), color_));
  }

 private:
  bool color_;
};

class GithubReporter final : public Reporter {
 public:
  void file(FileReport& report) override {
    write_stdout(render_github(report));
    report.file.text.clear();
    report.file.text.shrink_to_fit();
  }
};

// Written as each file's turn comes, and what is written is dropped: the report of a large
// tree is never held whole.
class JsonReporter final : public Reporter {
 public:
  void start(const std::vector<FileReport>& known) override {
    for (const auto& m : known) write_stdout(json_.file(m));
  }
  void file(FileReport& report) override {
    write_stdout(json_.file(report));
    report.diagnostics = {};
    report.file.text = {};
  }
  void finish(const std::vector<FileReport>&) override { write_stdout(json_.finish()); }

 private:
  JsonReportWriter json_;
};

class SarifReporter final : public Reporter {
 public:
  void finish(const std::vector<FileReport>& all) override { write_stdout(render_sarif(all)); }
};

std::unique_ptr<Reporter> make_reporter(ReportFormat format, bool color) {
  switch (format) {
    case ReportFormat::json: return std::make_unique<JsonReporter>();
    case ReportFormat::sarif: return std::make_unique<SarifReporter>();
    case ReportFormat::github: return std::make_unique<GithubReporter>();
    case ReportFormat::text: break;
  }
  return std::make_unique<TextReporter>(color);
}

Severity fail_threshold(const LintArgs& args, const std::vector<Job>& jobs) {
  if (!args.fail_on.empty()) return *parse_severity(args.fail_on);
  if (!jobs.empty() && jobs.front().linter->config().fail_on) return *jobs.front().linter->config().fail_on;
  return Severity::warning;
}

int run_lint(LintArgs& args) {
  if (!validate_rule_ids(args.select, "--select") || !validate_rule_ids(args.ignore, "--ignore")) return kExitError;
  if (args.paths.empty()) args.paths.push_back(".");
  auto format = parse_report_format(args.format);
  bool color = use_color(args.color, STDOUT_FILENO);

  Linters linters(args);
  Discovery found = discover(args, linters);
  std::vector<Job>& jobs = found.jobs;
  // More threads than files (or than cores, when not asked for) only cost their start.
  unsigned n = args.jobs ? args.jobs : std::max(1u, std::thread::hardware_concurrency());
  n = std::min<unsigned>(n, static_cast<unsigned>(std::max<size_t>(1, jobs.size())));
  Catalogs catalogs;
  if (!build_catalogs(jobs, args.db, n, catalogs)) return kExitError;

  IndexProvers provers(args);
  Severity threshold = fail_threshold(args, jobs);
  bool over_threshold = false;
  auto reporter = make_reporter(*format, color);
  reporter->start(found.missing);
  std::vector<FileReport> reports;
  reports.reserve(jobs.size());
  std::vector<std::vector<std::string>> fix_notes(jobs.size());  // by job, said on stderr
  bool progress = isatty(STDERR_FILENO) && jobs.size() >= 500 && !isatty(STDOUT_FILENO);
  auto lint_one = [&](size_t i) { return lint_file(jobs[i], args, fix_notes[i]); };
  auto report_one = [&](size_t i, FileReport& rep) {
    for (const auto& note : fix_notes[i])
      fmt::print(stderr, "pglens: warning: {}: {}\n", terminal_safe(rep.file.path), note);
    bool asks_index = std::any_of(rep.diagnostics.begin(), rep.diagnostics.end(), [](const Diagnostic& d) {
      return d.ddl_text.find("CREATE INDEX") != std::string::npos;
    });
    if (asks_index)
      if (advise::Session* prover = provers.for_config(jobs[i].linter->config()))
        advise::verify_index_findings(*prover, *jobs[i].catalog, rep);
    if (rep.error.empty() && rep.diagnostics.empty()) rep.file.text.clear();  // nothing to show: free it
    over_threshold = over_threshold ||
        std::any_of(rep.diagnostics.begin(), rep.diagnostics.end(),
                    [&](const Diagnostic& d) { return d.severity >= threshold; });
    reporter->file(rep);
    if (progress && (i + 1) % 100 == 0) fmt::print(stderr, "\rpglens: {}/{} files", i + 1, jobs.size());
    reports.push_back(std::move(rep));
  };
  ordered_parallel_map<FileReport>(jobs.size(), n, lint_one, report_one);
  if (progress) fmt::print(stderr, "\r\x1b[K");

  reports.insert(reports.begin(), std::make_move_iterator(found.missing.begin()),
                 std::make_move_iterator(found.missing.end()));
  bool failed =
      found.failed || std::any_of(reports.begin(), reports.end(), [](const FileReport& r) { return !r.error.empty(); });
  reporter->finish(reports);
  std::fflush(stdout);

  for (auto& [linter, catalog] : catalogs.catalogs) leave_to_exit(catalog);
  for (auto& [linter, prelint] : catalogs.prelints) leave_to_exit(prelint);
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
