// `pglens advise`: index advice proven on the server's own planner before anyone runs it.
// Each query is EXPLAINed on the server (a parameterised one as a generic plan); the index
// reasoning pglens already has (the SQL rules' missing-index-* and the plan rules' advice,
// both written by catalog/index_advisor) proposes candidates; each candidate is created
// hypothetically with HypoPG (backend-local: nothing is written) and the query re-planned.
// A candidate is kept only when the planner uses it and the cost falls by the asked share.
// Across a workload, the indexes giving the most benefit (cost saved x calls, less the
// write cost) within a byte budget are chosen; unused and duplicate indexes are reported.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "pglens/catalog.hpp"
#include "pglens/config.hpp"
#include "pglens/lint.hpp"
#include "pglens/plan_rules.hpp"
#include "pglens/report.hpp"

namespace pglens::db {
class Connection;
}

namespace pglens::advise {

// One statement to advise on: from a file, stdin or pg_stat_statements.
struct Query {
  std::string text;
  std::string origin;  // "queries/report.sql:12", "pg_stat_statements 4711"
  double calls = 1;    // pg_stat_statements' calls; 1 for a file's statement
  double total_ms = 0;
  bool from_workload = false;    // pg_stat_statements: a statement that cannot be planned is skipped, not an error
  bool cast_parameters = false;  // pg_stat_statements' `date $1` written `$1::date` (cast_typed_parameters)
};

// What the planner said of a candidate index, hypothetical (HypoPG) or real (--verify real).
struct Proof {
  double cost_before = 0, cost_after = 0;
  bool used = false;       // the re-planned query reads the index
  int64_t size_bytes = 0;  // hypopg_relation_size, summed over partitions
  double reduction() const { return cost_before > 0 ? 1 - cost_after / cost_before : 0; }
};

// Buffers and times of EXPLAIN (ANALYZE, BUFFERS) without and with the index (--verify real).
struct Measured {
  int64_t blocks_before = 0, blocks_after = 0;  // shared hit + read of the whole query
  double ms_before = 0, ms_after = 0;
  bool used = false;
  std::string note;  // why it was not measured
};

struct Candidate {
  std::string table;                      // "public.orders"
  std::string ddl;                        // as the advisor writes it: CREATE INDEX CONCURRENTLY IF NOT EXISTS ...
  std::string summary;                    // "orders (customer_id, created_at DESC)"
  std::vector<std::string> rules;         // which reasoning proposed it
  std::vector<std::string> hypothetical;  // the plain CREATE INDEX statements HypoPG builds (one per leaf table)
  Proof proof;
  bool kept = false;
  std::string verdict;  // why kept or dropped, with the figures
  std::optional<Measured> measured;
};

struct QueryAdvice {
  Query query;
  std::string kind;                   // "select", "insert", "update", "delete", "other"
  bool generic = false;               // planned as a generic plan ($n parameters)
  double cost = 0;                    // the plan's total cost as it is today
  std::optional<double> analyzed_ms;  // --analyze-dml: measured, then rolled back
  std::string plan_json;              // the plan as EXPLAIN printed it
  std::vector<Candidate> candidates;
  std::string error;                // why it could not be planned; empty when it was
  std::string note;                 // said about it, but no error (a healthy plan, skipped DDL)
  const Candidate* advice() const;  // the best kept candidate, or nullptr
};

// An index the workload would gain, chosen across all queries.
struct Choice {
  std::string ddl, summary, table;
  int64_t size_bytes = 0;
  double benefit = 0;               // cost saved x calls, summed over the queries it serves best
  double write_cost = 0;            // rows written to the table since the stats reset x per-row index upkeep
  std::vector<std::string> serves;  // origins of the queries it helps
  std::string proof;                // one-line proof for the script's comment
};

// An existing index that should probably go.
struct Removal {
  std::string index;  // "public.orders_status_idx"
  std::string table;
  int64_t size_bytes = 0;
  std::string reason;  // "never scanned since ...", "a prefix of orders_status_created_idx"
  std::string ddl;     // DROP INDEX CONCURRENTLY IF EXISTS ...;
};

struct Options {
  double min_cost_reduction = 0.5;
  bool analyze_dml = false;
  bool verify_real = false;
  int64_t budget_bytes = 0;     // 0: no limit
  bool review_indexes = false;  // report unused and duplicate indexes
  int statement_timeout_ms = 30000;
  std::vector<std::string> search_path{"public"};  // what the user's queries are planned with
};

struct Report {
  std::string server;  // "host 127.0.0.1 port 5432 database shop" (never the password)
  int server_version = 0;
  bool hypopg = false;
  std::string hypopg_help;  // how to get it, when missing
  std::vector<QueryAdvice> queries;
  std::vector<Choice> chosen;
  std::vector<Removal> removals;
  std::string stats_since;  // pg_stat_database.stats_reset, when known
  std::vector<std::string> notes;
  bool failed = false;  // a statement of the inputs could not be planned
};

// A session on the server for advising: the pinned, read-only, time-bounded connection of
// db::Connection plus what advising needs to know of the server (its version, HypoPG).
class Session {
 public:
  static std::optional<Session> open(const std::string& url, const Options& options, std::string& error);
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  db::Connection& connection();
  int server_version() const;
  bool has_hypopg() const { return !hypopg_schema_.empty(); }
  std::string describe() const;
  const Options& options() const { return options_; }

  // EXPLAIN (FORMAT JSON) of `sql` in a read-only transaction with the user's search path:
  // the plan's JSON text, and whether it is a generic plan. `hypothetical` statements are
  // created with HypoPG first (same transaction) and reset after; their names come back.
  struct Explained {
    std::string json;
    double cost = 0;
    bool generic = false;
    std::vector<std::string> hypothetical_names;
    int64_t hypothetical_bytes = 0;
  };
  std::optional<Explained> explain(const std::string& sql, const std::vector<std::string>& hypothetical,
                                   std::string& error);
  // EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) of `sql` in a read-write transaction that is
  // always rolled back; `real_ddl` runs first (--verify real). nullopt and `error` on failure.
  std::optional<std::string> analyze_rolled_back(const std::string& sql, const std::vector<std::string>& real_ddl,
                                                 std::string& error);
  // Runs `sql` as one statement outside any transaction (--apply). false and `error` on failure.
  bool execute_write(const std::string& sql, std::string& error);
  std::optional<bool> try_advisory_lock(std::string& error);

 private:
  Session() = default;
  bool run_in_read_only(const std::function<bool()>& body, std::string& error);
  std::unique_ptr<db::Connection> conn_;
  Options options_;
  std::string hypopg_schema_;  // where the extension lives; empty when not installed
  std::string search_path_sql_;
};

// Counts the $n parameters of a statement (the highest n), skipping strings and comments.
int parameter_count(std::string_view sql);

// The plain CREATE INDEX statements HypoPG (or --verify real) builds for an advisor's DDL:
// the index on each table that holds rows (each partition of a partitioned parent), with
// schema-qualified names. Empty when the DDL names no table the catalog knows.
std::vector<std::string> leaf_index_statements(const Catalog& catalog, const std::string& ddl, std::string* table,
                                               std::string* covered_by);

// Advises on one query: plan, candidates, proofs (and measurements with --verify real).
QueryAdvice advise_query(Session& session, const Config& config, const Linter& linter, const Catalog& catalog,
                         const Query& query);

// The prover on its own, for the other commands (lint --db, explain --db): whether the
// planner uses the index `ddl` creates for `query` and the cost falls by the asked share.
// nullopt and `error` when it could not be tried (no HypoPG, a query that does not plan).
std::optional<Candidate> prove_index(Session& session, const Catalog& catalog, const std::string& query,
                                     const std::string& ddl, std::string& error);

// Proofs already asked, by {statement, DDL}: a caller that verifies the same text again and
// again (the language server, on every edit) keeps one so that only new statements are asked.
using ProofCache = std::map<std::pair<std::string, std::string>, std::optional<Candidate>>;

// lint --db, the language server: each finding's suggested CREATE INDEX proven (prove_index)
// for the statement of `text` the finding lies in. One the planner uses is marked verified,
// with the cost figures in its message; one it would not use loses its DDL and says so. A
// finding whose statement does not plan, or a session without HypoPG, is left as it is.
void verify_index_findings(Session& session, const Catalog& catalog, FileReport& report, ProofCache* cache = nullptr);

// The language server's marks with a database configured (lsp::ServerOptions::verify_indexes):
// verify_index_findings on one read-only session per URL, search path and timeout, with the
// proofs of the statements already asked, so that an edit asks the planner only about the
// statements it changed. Both are dropped every minute: the schema and the statistics move,
// and a session that broke is opened again. What it could not do is said once through `say`
// (the editor's log); the findings then stay as they are. Safe to call from several threads.
class IndexVerifier {
 public:
  explicit IndexVerifier(std::function<void(const std::string&)> say) : say_(std::move(say)) {}
  void operator()(const std::string& url, const Config& config, const Catalog& catalog, const SourceFile& file,
                  std::vector<Diagnostic>& diagnostics);
  // A plan document's findings, as `pglens explain --db` marks them (verify_plan_indexes) for
  // `query`, the statement the plan belongs to; on the same sessions and proofs.
  void verify_plan(const std::string& url, const Config& config, const Catalog& catalog, std::string_view query,
                   plan::Diagnosis& diagnosis);

 private:
  struct Entry {
    std::optional<Session> session;
    ProofCache proven;
    std::chrono::steady_clock::time_point opened{};
  };
  // The entry of this URL and config, opened again when it is a minute old (under mutex_).
  Entry& entry_for(const std::string& url, const Config& config);
  void say_once(const std::string& notice);
  std::mutex mutex_;
  std::map<std::tuple<std::string, std::vector<std::string>, int64_t>, Entry> entries_;
  std::set<std::string> said_;
  std::function<void(const std::string&)> say_;
};

// explain --db: what the planner said of the indexes a plan's findings suggest.
struct PlanVerdicts {
  std::map<size_t, IndexVerdict> findings;  // by position in Diagnosis::findings
  std::map<size_t, IndexVerdict> indexes;   // by position in Diagnosis::indexes (after the unused ones went)
  std::string not_asked;                    // why the planner was not asked; empty when it was
};
// The index DDL of each finding, and each merged index, proven for `query` (the statement the
// plan belongs to), as verify_index_findings does for a file: one the planner uses gets the
// cost figures in its message; one it would not use loses its DDL and says why, and a merged
// index it would not use leaves Diagnosis::indexes. Without HypoPG, or without one statement
// to plan, nothing changes and `not_asked` says why (when there was an index to ask about).
PlanVerdicts verify_plan_indexes(Session& session, const Catalog& catalog, std::string_view query,
                                 plan::Diagnosis& diagnosis, ProofCache* cache = nullptr);

// pg_stat_statements replaces each constant with $n, and a typed literal (`date '2024-01-01'`,
// `interval '1' day`) becomes `date $1`, which PostgreSQL does not parse. libpg_query does
// (as a cast of the parameter, the type written first): each such cast is written
// `$1::date` (`$1::interval day`), found in the parse tree, so strings, quoted names and
// comments are never touched. Everything else, and a text that does not parse, as it was.
std::string cast_typed_parameters(std::string_view sql);

// Workload: every kept index is tried against every other query on its table; then the set
// with the most benefit within the budget, one index serving several queries counted once.
void choose_indexes(Session& session, const Catalog& catalog, Report& report);

// Indexes never scanned since the stats reset (not backing a constraint), and duplicates or
// prefixes of another index of the same table.
std::optional<std::string> review_indexes(Session& session, const Catalog& catalog, Report& report);

// The top `n` statements of pg_stat_statements by total time; nullopt and a message saying
// how to install it when the extension is missing.
std::optional<std::vector<Query>> workload_queries(Session& session, int top, std::string& error);

// The -o script: CREATE INDEX CONCURRENTLY IF NOT EXISTS ..., each with its proof.
std::string index_script(const Report& report);

}  // namespace pglens::advise
