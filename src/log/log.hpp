// `pglens log`: the workload read from PostgreSQL's own logs. Reading (reader.cpp) turns the
// lines of a stderr / csvlog / jsonlog / syslog log into entries; the analysis (analysis.cpp)
// pairs them into executed statements, groups those by libpg_query fingerprint (each distinct
// literal-free shape is fingerprinted once: normalize.cpp), follows each session for N+1
// loops and row-by-row loads, and keeps a summary whose size depends on the number of
// fingerprints, never on the log's. Summaries merge (summary.cpp), so halves of a log, or the
// logs of many servers, summarised apart and merged give the summary of the whole.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pglens::log {

// ---------------------------------------------------------------------------------------
// Percentiles: a log-bucketed histogram (the DDSketch layout). A value v > 0 µs falls in
// bucket i = ceil(log_gamma(v)), gamma = (1 + a) / (1 - a); the bucket answers 2 gamma^i /
// (gamma + 1), within a relative error a of every value in it. Buckets add, so histograms
// merge exactly; a few hundred buckets cover microseconds to hours.
class Histogram {
 public:
  static constexpr double kRelativeError = 0.01;

  void add(int64_t value_us, uint64_t count = 1);
  void merge(const Histogram& other);
  // The value at rank ceil(q * n) (nearest rank, 1-based) within kRelativeError; 0 when empty.
  double quantile(double q) const;
  uint64_t count() const { return count_; }
  // Counts in the cells of [lo_us, hi_us) split on a log scale; the first cell also holds
  // what is below, the last what is above.
  std::vector<uint64_t> cells(double lo_us, double hi_us, int n) const;

  // For the JSON summary: {index, count} of the non-empty buckets; index INT32_MIN = zero.
  std::vector<std::pair<int32_t, uint64_t>> buckets() const;
  static int32_t index_of(int64_t value_us);
  static double value_of(int32_t index);
  void add_index(int32_t index, uint64_t count);

 private:
  uint64_t zero_ = 0;   // durations logged as 0.000 ms
  int32_t offset_ = 0;  // index of counts_[0]
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
};

// ---------------------------------------------------------------------------------------
// One message of the log, with its DETAIL, from any of the formats.
struct Entry {
  int64_t time_us = 0;  // since the epoch (syslog's year-less time: in ReadOptions::year)
  bool has_time = false;
  std::string session;  // %c / session_id, or empty
  std::string pid;      // %p / pid, or empty
  std::string severity;
  std::string message;
  std::string detail;
  uint64_t line = 0;  // first line of the entry in its file
};

enum class Format { automatic, stderr_log, csvlog, jsonlog, syslog };
std::string_view format_name(Format format);

struct ReadOptions {
  Format format = Format::automatic;
  std::string prefix;  // log_line_prefix of a stderr log; empty: detected from the lines
  // rsyslog's traditional time ("Mar  2 08:15:01") has no year: this one (0: the year of the
  // file's modification time, or today's for a stream). A month after `reference_month` is
  // of the year before (a file written in January holds December's lines).
  int year = 0;
  int reference_month = 12;
};

// What reading one input found out about it.
struct ReadResult {
  Format format = Format::automatic;
  uint64_t lines = 0;
  uint64_t entries = 0;
  uint64_t bytes = 0;
  uint64_t unrecognised_lines = 0;  // neither an entry's first line nor its continuation
  uint64_t first_unrecognised = 0;  // its line number
  uint64_t cut_lines = 0;           // lines over the size cap, cut
  bool has_session_ids = false;     // %c / session_id seen
  bool has_pids = false;
  int year_assumed = 0;   // year-less syslog times were read in this year
  std::string year_from;  // ... taken from: "the file's modification time", "today's date", "--year"
  std::string error;      // the input could not be read at all (also: nothing in it is a log)
};

// Reads `path` ("-": stdin; gzip is detected by its magic bytes) line by line, calling
// `on_entry` for each entry in order. Never holds more than one entry and one read block.
ReadResult read_log(const std::string& path, const ReadOptions& options,
                    const std::function<void(const Entry&)>& on_entry);
// The bytes [begin, end) of the file (end 0: to its end); `begin` must be where an entry
// starts (chunk_starts), and options.format the file's (a chunk's first line may not tell).
ReadResult read_log_range(const std::string& path, uint64_t begin, uint64_t end, const ReadOptions& options,
                          const std::function<void(const Entry&)>& on_entry);
// Where a plain file can be cut into up to `parts` chunks of about equal size: offsets of
// lines that start an entry, the first 0. Just {0} for gzip, syslog (its processes
// interleave), a stream or a small file. `format`: the file's, detected from its first line.
std::vector<uint64_t> chunk_starts(const std::string& path, const ReadOptions& options, size_t parts, Format& format);

// The same over bytes in memory (tests, the fuzz target).
ReadResult read_log_text(std::string_view text, const ReadOptions& options,
                         const std::function<void(const Entry&)>& on_entry);

// Logs in another language than English (translate.cpp): PostgreSQL's own translations.
// The English severity of a translated severity word ("FEHLER" -> "ERROR"); empty: none.
std::string_view english_severity(std::string_view word);
// Where a translated "SEVERITY:  " is in a stderr line (npos: none), its length and English name.
size_t find_translated_severity(std::string_view line, size_t& word_len, std::string_view& english);
// The translated severity words as RE2 alternatives (a --prefix reads them too).
std::string translated_severity_pattern();
// A LOG entry whose statement, duration or disconnection message is in one of the known
// translations, rewritten in English (its DETAIL's "parameters: " too): the language, or
// empty when the entry was left as it was.
std::string_view to_english(Entry& entry);

// The RE2 pattern a log_line_prefix matches, with named groups time, session, pid (tests).
std::string prefix_pattern(std::string_view log_line_prefix);

// ---------------------------------------------------------------------------------------
// The summary: everything the report needs, mergeable.
struct Example {
  int64_t duration_us = -1;
  int64_t time_us = 0;
  std::string session;
  std::string text;
  std::string parameters;  // as logged: "$1 = '42', $2 = 'x'"
};

// The same statement with the same parameters, counted (a cache candidate).
struct Repeat {
  uint64_t key = 0;  // hash of text + parameters
  uint64_t count = 0;
  std::string text;
  std::string parameters;
};

struct Group {
  std::string fingerprint;  // pg_query_fingerprint, 16 hex digits ("~" + own hash: no parse)
  std::string query;        // the normalised text, constants as $n
  bool utility = false;     // BEGIN, COMMIT, SET ...: never a finding
  bool select = false;
  uint64_t calls = 0;
  uint64_t timed_calls = 0;
  int64_t total_us = 0;
  int64_t max_us = 0;
  int64_t first_us = INT64_MAX;
  int64_t last_us = INT64_MIN;
  Histogram histogram;
  Example worst;
  std::vector<Repeat> repeats;  // the kMaxRepeats distinct keys of smallest hash, sorted by it
  // auto_explain's plan of the slowest call that had one: the entry's message, from
  // "duration: ... plan:" on (the plan reader reads it as it reads any auto_explain log).
  std::string plan;
  int64_t plan_us = -1;
  // Rows returned: the sum over the `rows_calls` calls whose count is known (auto_explain's
  // plans with ANALYZE: the top node's actual rows).
  uint64_t rows = 0;
  uint64_t rows_calls = 0;
  // The numeric columns of its result, as the server typed them (--db), for the aggregate
  // rewrite of a statement shipping many rows; empty when unknown.
  std::vector<std::string> numeric_columns;
  static constexpr size_t kMaxRepeats = 64;
};

// A loop seen in sessions: `child` run `min_calls`..`max_calls` times in a row right after
// `parent`, `occurrences` times. kind: "n+1" (a SELECT per row of the parent), "row-by-row"
// (single-row INSERTs).
struct Burst {
  std::string kind;
  std::string parent;  // fingerprint ("" when the burst opened its session)
  std::string child;
  uint64_t occurrences = 0;
  uint64_t calls = 0;
  uint64_t min_calls = 0;
  uint64_t max_calls = 0;
  int64_t total_us = 0;
  // Of the largest occurrence (ties: the earliest):
  uint64_t example_calls = 0;
  int64_t example_time_us = 0;
  std::string example_session;
  std::string parent_text;
  std::string child_text;
  std::string child_parameters;
  std::string rewrite;            // the batched statement, or empty
  std::string rewrite_parameter;  // its array parameter ($n = '{...}')
  std::string rewrite_note;       // why no rewrite / what to select
  std::string join_rewrite;       // the loop joined to its parent (LATERAL), or empty
};

enum class SessionIds : int { session = 2, pid = 1, none = 0 };

// The workload as pg_stat_statements counted it (`pglens log --db`), one entry per
// fingerprint of its normalised text (the same id as the log's groups: a statement in both
// is one query). Sums merge; the mean is total / calls.
struct DbStatement {
  std::string fingerprint;
  std::string query;    // pg_stat_statements' text, constants as $n
  std::string queryid;  // of the row with the most time, when several rows share the fingerprint
  bool select = false;
  bool utility = false;
  uint64_t calls = 0;
  double total_ms = 0;
  double min_ms = -1;  // -1: unknown
  double max_ms = 0;
  uint64_t rows = 0;
  uint64_t shared_blks_hit = 0;
  uint64_t shared_blks_read = 0;
  std::vector<std::string> numeric_columns;  // as Group::numeric_columns
};

struct Summary {
  uint64_t lines = 0;
  uint64_t entries = 0;
  uint64_t statements = 0;
  uint64_t errors = 0;           // ERROR / FATAL / PANIC entries
  uint64_t untimed = 0;          // statements logged without a duration
  int64_t first_us = INT64_MAX;  // the log's time span
  int64_t last_us = INT64_MIN;
  SessionIds session_ids = SessionIds::session;
  uint64_t plans = 0;  // auto_explain plans seen
  // -j chunks: sessions whose first entries in a chunk exceeded the memory kept to join them
  // to the chunk before (their loops across the cut may be split)
  uint64_t inexact_sessions = 0;
  // Entries whose message is a statement or duration in another language than English
  // (lc_messages): they are not read
  uint64_t localized = 0;
  std::map<std::string, Group> groups;  // by fingerprint
  std::map<std::string, Burst> bursts;  // by kind + parent + child
  // pg_stat_statements (--db): its statements, the servers read, and the span its counts
  // cover (stats_reset .. the read; INT64_MAX / INT64_MIN when unknown).
  std::map<std::string, DbStatement> db_statements;
  std::vector<std::string> db_servers;
  int64_t db_since_us = INT64_MAX;
  int64_t db_until_us = INT64_MIN;

  void merge(Summary&& other);
};

struct AnalysisOptions {
  uint64_t n_plus_one_min = 10;
  // The input is a chunk of a log that does not start at its beginning (-j): sessions it did
  // not see start may continue from the chunk before (Analyzer::absorb).
  bool continuation = false;
};

// Feeds entries of one input (one file: sessions do not span inputs) into a summary.
class Analyzer {
 public:
  Analyzer(Summary& summary, const AnalysisOptions& options);
  ~Analyzer();
  Analyzer(const Analyzer&) = delete;
  Analyzer& operator=(const Analyzer&) = delete;
  void add(const Entry& entry);
  // Ends every open session (its last burst counts): call at the end of the input.
  void finish();
  // Appends the analysis of the chunk that follows this one in the same file (`next` was
  // made with AnalysisOptions::continuation and has read its whole chunk; finish() not
  // called): the summary is then the one reading both chunks in a row gives.
  void absorb(Analyzer& next);

 private:
  struct Impl;
  Impl* impl_;
};

// Reads `inputs` (files, "-" for stdin) with `jobs` threads into one summary: whole files
// at once, and, with more jobs than files, chunks of each plain file cut at entry starts.
// Chunks and files are merged in order, so the summary is the one -j 1 gives. `results`:
// one per input (a file's chunks added up; line numbers of the whole file).
Summary analyze_logs(const std::vector<std::string>& inputs, const ReadOptions& read, const AnalysisOptions& analysis,
                     unsigned jobs, std::vector<ReadResult>& results);

// ---------------------------------------------------------------------------------------
// Normalisation (normalize.cpp).
struct Normalized {
  std::string key;      // literal-free, whitespace-collapsed, lower-cased keywords
  std::string display;  // the statement with its constants as $1, $2 ...
  // The constants in order: byte span in the text, or a parameter number (`$n`).
  struct Constant {
    uint32_t begin = 0, end = 0;
    int param = 0;  // n of `$n`, 0 for a literal
  };
  std::vector<Constant> constants;
  std::string first_word;  // lower-cased first keyword
};
Normalized normalize(std::string_view sql);

// The names of a SELECT's output columns (alias, or a column reference's last name), in
// order; empty when one has no name (`*`, an expression without AS) or it is no SELECT.
std::vector<std::string> output_columns(std::string_view sql);
// Whether a statement aggregates (GROUP BY, count(), sum(), ... any *_agg()).
bool aggregates(std::string_view sql);

// Fingerprints of normalised shapes, each computed once with pg_query_fingerprint.
class Fingerprints {
 public:
  // The fingerprint of the statement whose normalised key is `key` and text `sql`.
  const std::string& of(const std::string& key, std::string_view sql);
  size_t distinct() const { return cache_.size(); }

 private:
  std::unordered_map<std::string, std::string> cache_;
};

// A hash of text that is the same on every machine (repeat keys in merged summaries).
uint64_t hash_text(std::string_view text, uint64_t seed = 1469598103934665603ull);

// The Query Text of an auto_explain plan message ("duration: ... ms  plan:\n..."), in any of
// the four formats, unescaped (TEXT: the rest of the message from the query on).
std::string plan_query_text(std::string_view plan);
// The actual rows of its top node (the statement's rows); nullopt without ANALYZE.
std::optional<uint64_t> plan_rows(std::string_view plan);

// "$1 = '42', $2 = NULL" -> {"42", nullopt}, by parameter number (1-based; index 0 unused).
std::vector<std::optional<std::string>> parse_parameters(std::string_view detail);

// ---------------------------------------------------------------------------------------
// pg_stat_statements (db.cpp).
struct DbOptions {
  std::string url;  // never printed: messages name host, port, database and user only
  int connect_timeout_s = 10;
  int statement_timeout_ms = 30000;
  size_t limit = 1000;        // statements read, by total time
  uint64_t many_rows = 1000;  // the statements shipping this many rows a call get their column types
};
// Reads pg_stat_statements of the database `url` names (read-only session, timeouts) into
// `summary`; also types the result columns of the summary's statements that ship many rows
// (PREPARE, pg_prepared_statements.result_types, DEALLOCATE). false and `error` (saying how to
// install the extension when it is missing) when it cannot.
bool read_pg_stat_statements(const DbOptions& options, Summary& summary, std::string& error);

// A statement shipping many rows with no aggregate: the application sums or counts them.
struct ManyRows {
  std::string fingerprint;
  std::string query;
  std::string source;  // "pg_stat_statements" or "auto_explain"
  uint64_t calls = 0;  // with a known row count
  double rows_per_call = 0;
  std::string rewrite;  // SELECT count(*) AS row_count[, sum(t.c) AS c_sum ...] FROM (query) AS t
  std::string note;
};
std::vector<ManyRows> many_rows_findings(const Summary& summary, uint64_t min_rows_per_call);

// ---------------------------------------------------------------------------------------
// Output (report.cpp).
struct ReportOptions {
  size_t top = 10;
  double target_utilization = 0.7;
  double growth = 10;
  uint64_t repeat_min = 10;   // same statement, same parameters: a cache candidate from this many calls
  uint64_t many_rows = 1000;  // rows a call from which a SELECT with no aggregate is a finding
  bool color = false;
  // The SQL rules' findings on one statement, {rule, message}: run on the worst call of each
  // of the top queries (the CLI passes `pglens lint`'s linter).
  std::function<std::vector<std::pair<std::string, std::string>>(std::string_view sql)> lint;
  // The plan rules' findings on an auto_explain plan, {rule, message} (the CLI passes the plan
  // reader and rules).
  std::function<std::vector<std::pair<std::string, std::string>>(std::string_view plan)> diagnose_plan;
};
std::string summary_json(const Summary& summary);
// Reads a summary written by summary_json; nullopt and `error` when it is not one.
std::optional<Summary> summary_from_json(std::string_view json, std::string& error);
// The report in JSON: the summary plus what is derived from it (percentiles, capacity).
std::string report_json(const Summary& summary, const ReportOptions& options);
std::string report_text(const Summary& summary, const ReportOptions& options);
// Number of findings (N+1, row-by-row loads, cache candidates, many rows) the report names.
size_t finding_count(const Summary& summary, uint64_t repeat_min, uint64_t many_rows = 1000);

}  // namespace pglens::log
