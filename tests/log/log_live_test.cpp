// `pglens log` on logs a real PostgreSQL 15 wrote: a test client runs an N+1 loop, a
// row-by-row load, a query with a long tail and a cached-looking repeat; the server logs
// them as stderr (with and without %c), csvlog and jsonlog, with auto_explain on. pglens
// must find exactly those, with percentiles within the histogram's bound of the exact ones,
// the three formats must give one summary, and the halves of the log must merge into it.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "log/log.hpp"
#include "pglens/plan.hpp"
#include "support/fixtures.hpp"
#include "support/pg_cluster.hpp"

namespace pglens::log {
namespace {

using test::PgCluster;
namespace fs = std::filesystem;

std::string slurp(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec) ? test::read_file(path) : std::string();
}

// A client session of its own (the shared connection of PgCluster is one session).
class Client {
 public:
  explicit Client(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn_));
  }
  ~Client() { PQfinish(conn_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  int exec(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    return finish(r, sql);
  }
  int exec(const std::string& sql, const std::vector<std::string>& params) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    PGresult* r =
        PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
    return finish(r, sql);
  }

 private:
  int finish(PGresult* r, const std::string& sql) {
    auto status = PQresultStatus(r);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      std::string message = PQresultErrorMessage(r);
      PQclear(r);
      throw std::runtime_error(message + " in " + sql);
    }
    int rows = PQntuples(r);
    PQclear(r);
    return rows;
  }
  PGconn* conn_;
};

Summary summarise(const std::string& text, const ReadOptions& options = {}) {
  Summary s;
  Analyzer analyzer(s, {});
  ReadResult r = read_log_text(text, options, [&](const Entry& e) { analyzer.add(e); });
  analyzer.finish();
  s.lines = r.lines;
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.unrecognised_lines, 0u);
  return s;
}

// Waits until the log collector has written `marker` to `path`.
std::string wait_for(const fs::path& path, const std::string& marker) {
  for (int i = 0; i < 200; ++i) {
    std::string text = slurp(path);
    if (text.find(marker) != std::string::npos) return text;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << marker << " never reached " << path;
  return slurp(path);
}

// The lines of `log` from the duration line of `first` to the duration line of `last`
// (statements the test ran), each line whole: what the server logged around them (the
// reload that switched the file, a late line of another process) reaches the stderr, CSV and
// JSON files at different moments, and would make the three summaries differ.
std::string between_statements(const std::string& log, const std::string& first, const std::string& last) {
  size_t from = log.find("statement: " + first);
  size_t to = log.rfind("statement: " + last);
  if (from == std::string::npos || to == std::string::npos || to < from) return log;
  size_t begin = log.rfind('\n', from);
  size_t end = log.find('\n', to);
  return log.substr(
      begin == std::string::npos ? 0 : begin + 1,
      end == std::string::npos ? std::string::npos : end + 1 - (begin == std::string::npos ? 0 : begin + 1));
}

// The durations the server logged for statements starting with `start`, in µs.
std::vector<int64_t> logged_durations(const std::string& log, const std::string& start) {
  std::vector<int64_t> out;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    size_t d = line.find("LOG:  duration: ");
    if (d == std::string::npos || line.find("  statement: " + start) == std::string::npos) continue;
    out.push_back(std::llround(std::stod(line.substr(d + 16)) * 1000));
  }
  std::sort(out.begin(), out.end());
  return out;
}

class LogLive : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string why;
    bool skip = false;
    cluster_ = PgCluster::start_private(
                   "-c logging_collector=on -c log_destination=stderr,csvlog,jsonlog -c log_directory=log "
                   "-c log_min_duration_statement=0 -c lc_messages=C "
                   "-c shared_preload_libraries=auto_explain,pg_stat_statements -c auto_explain.log_min_duration=0 "
                   "-c auto_explain.log_analyze=on -c auto_explain.log_timing=off",
                   why, skip)
                   .release();
    if (!cluster_) {
      skip_ = skip;
      why_ = why;
      return;
    }
    log_dir_ = fs::path(cluster_->dir()) / "data" / "log";
    // log_line_prefix and log_filename are reloadable: the log moves to a file of its own
    // that holds only lines with this prefix.
    switch_log("'%m [%p] %c '", "with-c");
    cluster_->exec("SELECT 'start of the with-c log'");
    workload(cluster_->conninfo());
    cluster_->exec("SELECT 'end of the with-c log'");
    auto read = [](const std::string& file) {
      return between_statements(wait_for(log_dir_ / file, "statement: SELECT 'end of the with-c log'"),
                                "SELECT 'start of the with-c log'", "SELECT 'end of the with-c log'");
    };
    stderr_log_ = read("with-c");
    csv_log_ = read("with-c.csv");
    json_log_ = read("with-c.json");
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override {
    if (!cluster_) {
      if (skip_) GTEST_SKIP() << why_;
      FAIL() << why_;
    }
  }

  // Sets log_line_prefix, then log_filename, and waits until the collector writes to the new
  // file. In two steps: a backend reads a reload at its next command, so the statement that
  // reloads is logged with the prefix it had; had both changed at once, its lines could reach
  // the new file under the old prefix (seen under ASan: one line without %c in the with-c log).
  static void switch_log(const std::string& prefix, const std::string& file) {
    cluster_->exec("ALTER SYSTEM SET log_line_prefix = " + prefix);
    cluster_->exec("SELECT pg_reload_conf()");
    // SHOW answers with the prefix this backend logs with: it reads a reload before a command.
    std::string wanted = prefix.substr(1, prefix.size() - 2);  // the SQL literal's text
    for (int i = 0; i < 200 && cluster_->column("SHOW log_line_prefix").front() != wanted; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    cluster_->exec("ALTER SYSTEM SET log_filename = '" + file + "'");
    cluster_->exec("SELECT pg_reload_conf()");
    for (int i = 0; i < 200 && !fs::exists(log_dir_ / file); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    // the other backends read the new prefix at their next command
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }

  static constexpr int kUsers = 15;
  static constexpr int kTailCalls = 200;
  static constexpr int kPayments = 1500;

  static void workload(const std::string& conninfo) {
    {
      Client setup(conninfo);
      setup.exec(
          "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL); "
          "CREATE TABLE orders (id serial PRIMARY KEY, user_id int NOT NULL, total numeric NOT NULL); "
          "CREATE TABLE events (id int PRIMARY KEY, payload text NOT NULL); "
          "CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL)");
      setup.exec("INSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, 40) g");
      setup.exec("INSERT INTO orders (user_id, total) SELECT 1 + g % 40, g FROM generate_series(1, 400) g");
      setup.exec("INSERT INTO settings VALUES ('currency', 'EUR')");
      setup.exec("CREATE TABLE payments (id int PRIMARY KEY, account_id int NOT NULL, amount numeric NOT NULL)");
      setup.exec("INSERT INTO payments SELECT g, 1 + g % 2, g FROM generate_series(1, " +
                 std::to_string(2 * kPayments) + ") g");
    }
    {
      // many rows shipped to be added up in the application
      Client app(conninfo);
      for (int i = 0; i < 3; ++i) app.exec("SELECT id, amount FROM payments WHERE account_id = $1", {"1"});
    }
    {
      // auto_explain in JSON, YAML and XML, of queries with quotes and newlines
      Client app(conninfo);
      for (std::string format : {"json", "yaml", "xml"}) {
        app.exec("SET auto_explain.log_format = " + format);
        app.exec("SELECT id, 'it''s \"" + format + "\"' AS label\nFROM users\nWHERE name <> 'a<&>b' AND id = $1",
                 {"3"});
        app.exec("SELECT name, '" + format + "''s' AS label\nFROM users WHERE name <> '<x>' AND id = 4");
      }
    }
    {
      // N+1, simple protocol: the ids as literals
      Client app(conninfo);
      app.exec("SELECT id, name FROM users WHERE id <= " + std::to_string(kUsers) + " ORDER BY id");
      for (int id = 1; id <= kUsers; ++id)
        app.exec("SELECT id, total FROM orders WHERE user_id = " + std::to_string(id));
    }
    {
      // N+1, extended protocol: the ids as parameters
      Client app(conninfo);
      app.exec("SELECT id, name FROM users WHERE id <= $1 ORDER BY id", {std::to_string(kUsers)});
      for (int id = 1; id <= kUsers; ++id)
        app.exec("SELECT id, total FROM orders WHERE user_id = $1", {std::to_string(id)});
    }
    {
      // a bulk load, row by row
      Client loader(conninfo);
      for (int i = 1; i <= 30; ++i)
        loader.exec("INSERT INTO events (id, payload) VALUES ($1, $2)",
                    {std::to_string(i), "event " + std::to_string(i)});
    }
    {
      // the same statement with the same parameter, again and again
      Client app(conninfo);
      for (int i = 0; i < 12; ++i) app.exec("SELECT value FROM settings WHERE key = 'currency'");
    }
    // a long tail: mostly fast, 1 call in 25 slow; 8 calls a session, so no loop
    for (int s = 0; s < kTailCalls / 8; ++s) {
      Client app(conninfo);
      for (int i = 0; i < 8; ++i) {
        int n = s * 8 + i;
        // (SELECT pg_sleep()) is an InitPlan: it sleeps once, not once per row
        app.exec("SELECT count(*) FROM orders WHERE total > $1 AND (SELECT pg_sleep($2)) IS NOT NULL",
                 {std::to_string(n), n % 25 == 7 ? "0.01" : "0"});
      }
    }
  }

  static PgCluster* cluster_;
  static bool skip_;
  static std::string why_;
  static fs::path log_dir_;
  static std::string stderr_log_, csv_log_, json_log_;
};

PgCluster* LogLive::cluster_ = nullptr;
bool LogLive::skip_ = false;
std::string LogLive::why_;
fs::path LogLive::log_dir_;
std::string LogLive::stderr_log_, LogLive::csv_log_, LogLive::json_log_;

TEST_F(LogLive, FindsExactlyTheLoopsTheClientRan) {
  Summary s = summarise(stderr_log_);
  EXPECT_EQ(s.session_ids, SessionIds::session);
  EXPECT_GT(s.plans, 0u);  // auto_explain's plans are read and not counted as calls
  // The two N+1 loops (literals, then parameters) share their fingerprints: one finding of
  // two occurrences; and one row-by-row load.
  ASSERT_EQ(s.bursts.size(), 2u) << report_text(s, {});
  const Burst* n1 = nullptr;
  const Burst* rows = nullptr;
  for (const auto& [k, b] : s.bursts) (b.kind == "n+1" ? n1 : rows) = &b;
  ASSERT_TRUE(n1 && rows);
  EXPECT_EQ(n1->occurrences, 2u);
  EXPECT_EQ(n1->calls, 2u * kUsers);
  EXPECT_EQ(n1->min_calls, static_cast<uint64_t>(kUsers));
  EXPECT_NE(n1->parent_text.find("FROM users"), std::string::npos);
  EXPECT_NE(n1->child_text.find("FROM orders WHERE user_id = "), std::string::npos);
  EXPECT_EQ(rows->kind, "row-by-row");
  EXPECT_EQ(rows->calls, 30u);
  EXPECT_NE(rows->child_text.find("INSERT INTO events"), std::string::npos);
  // One cache candidate: the settings lookup; and the payments shipped to be added up.
  ReportOptions o;
  EXPECT_EQ(finding_count(s, o.repeat_min), 4u);
  auto report = nlohmann::json::parse(report_json(s, o));
  ASSERT_EQ(report["cache_candidates"].size(), 1u);
  EXPECT_EQ(report["cache_candidates"][0]["count"], 12);
  EXPECT_NE(report["cache_candidates"][0]["text"].get<std::string>().find("settings"), std::string::npos);
}

TEST_F(LogLive, TheBatchedRewriteRunsAndReturnsWhatTheLoopFetched) {
  Summary s = summarise(stderr_log_);
  const Burst* n1 = nullptr;
  for (const auto& [k, b] : s.bursts)
    if (b.kind == "n+1") n1 = &b;
  ASSERT_NE(n1, nullptr);
  ASSERT_FALSE(n1->rewrite.empty()) << n1->rewrite_note;
  EXPECT_NE(n1->rewrite.find("user_id = ANY($1)"), std::string::npos) << n1->rewrite;
  Client client(cluster_->conninfo());
  int batched = client.exec(n1->rewrite, {n1->rewrite_parameter});
  int looped = 0;
  for (int id = 1; id <= kUsers; ++id)
    looped += client.exec("SELECT 1 FROM orders WHERE user_id = " + std::to_string(id));
  EXPECT_EQ(batched, looped);
  // Joined to its parent (the loop with literals is the earliest of the two largest ones: its
  // parent has no parameter): the same rows, in one statement.
  ASSERT_FALSE(n1->join_rewrite.empty()) << n1->parent_text;
  EXPECT_NE(n1->join_rewrite.find("CROSS JOIN LATERAL"), std::string::npos) << n1->join_rewrite;
  EXPECT_EQ(client.exec(n1->join_rewrite), looped) << n1->join_rewrite;
  EXPECT_NE(report_text(s, {}).find("or join it to its parent"), std::string::npos);
}

TEST_F(LogLive, PercentilesWithinTheHistogramsBoundOfTheExactOnes) {
  Summary s = summarise(stderr_log_);
  const Group* tail = nullptr;
  for (const auto& [fp, g] : s.groups)
    if (g.query.find("pg_sleep") != std::string::npos) tail = &g;
  ASSERT_NE(tail, nullptr);
  // The extended protocol logs `execute <unnamed>:`, not `statement:`: read those lines.
  std::vector<int64_t> exact;
  std::istringstream in(stderr_log_);
  std::string line;
  while (std::getline(in, line)) {
    size_t d = line.find("LOG:  duration: ");
    if (d != std::string::npos &&
        line.find("execute <unnamed>: SELECT count(*) FROM orders WHERE total > $1 AND (SELECT pg_sleep") !=
            std::string::npos)
      exact.push_back(std::llround(std::stod(line.substr(d + 16)) * 1000));
  }
  std::sort(exact.begin(), exact.end());
  ASSERT_EQ(exact.size(), static_cast<size_t>(kTailCalls));
  EXPECT_EQ(tail->calls, static_cast<uint64_t>(kTailCalls));
  EXPECT_EQ(tail->max_us, exact.back());
  for (double q : {0.5, 0.95, 0.99, 0.999}) {
    size_t rank = static_cast<size_t>(std::ceil(q * kTailCalls));
    double want = static_cast<double>(exact[rank - 1]);
    EXPECT_LE(std::abs(tail->histogram.quantile(q) - want), Histogram::kRelativeError * want + 1e-6) << "q = " << q;
  }
  // The tail is seen: 8 calls in 200 sleep 10 ms, so p99 is one of them. pg_sleep's 10 ms is a
  // floor on any machine; how fast the other calls run depends on the load, so p50 is not compared.
  EXPECT_GE(tail->histogram.quantile(0.99), 10'000 * (1 - Histogram::kRelativeError));
  EXPECT_TRUE(logged_durations(stderr_log_, "SELECT id, total FROM orders WHERE user_id = ").size() == kUsers);
}

TEST_F(LogLive, AutoExplainPlansGoToTheirQueryAndThePlanReaderReadsThem) {
  Summary s = summarise(stderr_log_);
  const Group* tail = nullptr;
  for (const auto& [fp, g] : s.groups)
    if (g.query.find("pg_sleep") != std::string::npos) tail = &g;
  ASSERT_NE(tail, nullptr);
  ASSERT_FALSE(tail->plan.empty());
  EXPECT_LE(tail->plan_us, tail->max_us);
  EXPECT_GE(tail->plan_us * 2, tail->max_us);  // the slowest call's plan, not a fast one's
  auto read = plan::read_plans(tail->plan);
  ASSERT_EQ(read.plans.size(), 1u);
  EXPECT_NE(read.plans[0].query_text.find("(SELECT pg_sleep($2))"), std::string::npos) << read.plans[0].query_text;
  EXPECT_GE(read.plans[0].nodes.size(), 2u);
}

TEST_F(LogLive, StderrCsvlogAndJsonlogGiveOneSummary) {
  auto without_lines = [](const Summary& s) {
    auto j = nlohmann::json::parse(report_json(s, {}));
    j.erase("lines");
    return j;
  };
  auto stderr_summary = without_lines(summarise(stderr_log_));
  EXPECT_EQ(without_lines(summarise(csv_log_)), stderr_summary);
  EXPECT_EQ(without_lines(summarise(json_log_)), stderr_summary);
}

TEST_F(LogLive, TheHalvesOfTheLogMergeIntoTheWhole) {
  // Cut between two entries, before the row-by-row load: no loop is cut in two.
  size_t cut = stderr_log_.find("INSERT INTO events");
  ASSERT_NE(cut, std::string::npos);
  cut = stderr_log_.rfind('\n', cut) + 1;
  Summary whole = summarise(stderr_log_);
  Summary first = summarise(stderr_log_.substr(0, cut));
  Summary second = summarise(stderr_log_.substr(cut));
  std::string error;
  auto a = summary_from_json(report_json(first, {}), error);
  auto b = summary_from_json(report_json(second, {}), error);
  ASSERT_TRUE(a && b) << error;
  a->merge(std::move(*b));
  EXPECT_EQ(report_json(*a, {}), report_json(whole, {}));
}

TEST_F(LogLive, WithoutSessionIdsTheLoopsAreFollowedByPidAndTheReportAsksForPercentC) {
  switch_log("'%m [%p] '", "without-c");
  {
    Client app(cluster_->conninfo());
    app.exec("SELECT id, name FROM users WHERE id <= 12 ORDER BY id");
    for (int id = 1; id <= 12; ++id) app.exec("SELECT id, total FROM orders WHERE user_id = " + std::to_string(id));
  }
  cluster_->exec("SELECT 'end of the without-c log'");
  std::string log = wait_for(log_dir_ / "without-c", "end of the without-c log");
  Summary s = summarise(log);
  EXPECT_EQ(s.session_ids, SessionIds::pid);
  ASSERT_EQ(s.bursts.size(), 1u);
  EXPECT_EQ(s.bursts.begin()->second.calls, 12u);
  EXPECT_NE(report_text(s, {}).find("Add %c to log_line_prefix"), std::string::npos);
}

TEST_F(LogLive, PlansInJsonYamlAndXmlGoToTheirQueryWithItsQuotesAndNewlines) {
  Summary s = summarise(stderr_log_);
  int attached = 0;
  for (const auto& [fp, g] : s.groups) {
    if (g.query.find("AS label") == std::string::npos) continue;
    ASSERT_FALSE(g.plan.empty()) << g.query;
    auto read = plan::read_plans(g.plan);
    ASSERT_EQ(read.plans.size(), 1u) << g.plan;
    EXPECT_NE(read.plans[0].query_text.find("\nFROM users"), std::string::npos) << read.plans[0].query_text;
    EXPECT_EQ(g.rows_calls, g.calls) << g.query;  // every call's plan, with its rows
    EXPECT_EQ(g.rows, g.calls) << g.query;        // one user each
    ++attached;
  }
  // id-then-label and name-then-label, each in three formats (the format is not in the fingerprint)
  EXPECT_EQ(attached, 2);
  EXPECT_EQ(summarise(csv_log_).groups.size(), s.groups.size());
}

TEST_F(LogLive, ManyRowsShippedWithNoAggregateAndTheRewriteRuns) {
  Summary s = summarise(stderr_log_);
  auto found = many_rows_findings(s, 1000);
  ASSERT_EQ(found.size(), 1u) << report_text(s, {});
  EXPECT_EQ(found[0].rows_per_call, kPayments);
  EXPECT_EQ(found[0].calls, 3u);
  EXPECT_NE(found[0].query.find("FROM payments"), std::string::npos);
  // The log alone: count(*) only (the types are the server's); it runs, with the worst call's parameter.
  Client client(cluster_->conninfo());
  EXPECT_EQ(client.exec(found[0].rewrite, {"1"}), 1);
}

TEST_F(LogLive, PgStatStatementsGivesCallsTimeRowsAndBuffersAndTypesTheRewrite) {
  cluster_->exec("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  Summary s = summarise(stderr_log_);
  DbOptions db;
  db.url = cluster_->conninfo() + " password=hunter2-secret";
  std::string error;
  ASSERT_TRUE(read_pg_stat_statements(db, s, error)) << error;
  ASSERT_EQ(s.db_servers.size(), 1u);
  EXPECT_EQ(s.db_servers[0].find("hunter2"), std::string::npos);
  EXPECT_LT(s.db_since_us, s.db_until_us);
  // The log's groups and pg_stat_statements' rows meet on one fingerprint.
  const Group* orders = nullptr;
  for (const auto& [fp, g] : s.groups)
    if (g.query.starts_with("SELECT id, total FROM orders WHERE user_id = ")) orders = &g;
  ASSERT_NE(orders, nullptr);
  ASSERT_TRUE(s.db_statements.contains(orders->fingerprint));
  const DbStatement& d = s.db_statements.at(orders->fingerprint);
  EXPECT_GE(d.calls, 2u * kUsers);
  EXPECT_GT(d.total_ms, 0);
  EXPECT_GT(d.shared_blks_hit + d.shared_blks_read, 0u);
  const DbStatement* payments = nullptr;
  for (const auto& [fp, st] : s.db_statements)
    if (st.query.find("FROM payments WHERE account_id") != std::string::npos) payments = &st;
  ASSERT_NE(payments, nullptr);
  EXPECT_EQ(payments->calls, 3u);
  EXPECT_EQ(payments->rows, 3u * kPayments);
  EXPECT_EQ(payments->numeric_columns, std::vector<std::string>{"amount"});
  // The log's finding now sums the numeric column, and the sums are the application's.
  auto found = many_rows_findings(s, 1000);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NE(found[0].rewrite.find("sum(t.amount) AS amount_sum"), std::string::npos) << found[0].rewrite;
  cluster_->exec("PREPARE pglens_rewrite AS " + found[0].rewrite);
  auto sums = cluster_->column("SELECT count(*)::text || ' ' || sum(amount)::text FROM payments WHERE account_id = 1");
  auto batched = cluster_->query("EXECUTE pglens_rewrite(1)");
  cluster_->exec("DEALLOCATE pglens_rewrite");
  ASSERT_EQ(batched.size(), 1u);
  EXPECT_EQ(*batched[0][0] + " " + *batched[0][1], sums[0]);
  // pg_stat_statements alone, through the command: the table, and the finding.
  auto run = test::run_pglens("log --db '" + cluster_->conninfo() + " password=hunter2-secret'");
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.out.find("pg_stat_statements: top 10 by total time"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Many rows shipped: 1,500 rows a call over 3 calls (pg_stat_statements)"), std::string::npos)
      << run.out;
  EXPECT_EQ(run.out.find("hunter2"), std::string::npos);
}

TEST_F(LogLive, WithoutPgStatStatementsItSaysHowToGetItAndNeverPrintsThePassword) {
  cluster_->exec("DROP DATABASE IF EXISTS nostats");
  cluster_->exec("CREATE DATABASE nostats");
  std::string url = "postgresql://postgres:hunter2-secret@127.0.0.1:" + std::to_string(cluster_->port()) + "/nostats";
  Summary s;
  DbOptions db;
  db.url = url;
  std::string error;
  EXPECT_FALSE(read_pg_stat_statements(db, s, error));
  EXPECT_NE(error.find("is loaded but not created"), std::string::npos) << error;
  EXPECT_NE(error.find("CREATE EXTENSION pg_stat_statements"), std::string::npos) << error;
  auto run = test::run_pglens("log --db " + url);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("CREATE EXTENSION pg_stat_statements"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("hunter2"), std::string::npos) << run.err;
  // No server there: an error naming where, without the password.
  auto down = test::run_pglens("log --db postgresql://postgres:hunter2-secret@127.0.0.1:1/x");
  EXPECT_EQ(down.exit_code, 2);
  EXPECT_NE(down.err.find("cannot connect"), std::string::npos) << down.err;
  EXPECT_EQ(down.err.find("hunter2"), std::string::npos) << down.err;
}

TEST_F(LogLive, ChunksOfTheServersLogsGiveTheSummaryOfOneJob) {
  test::TempDir dir;
  for (const auto& [name, text] : {std::pair<std::string, const std::string*>{"log", &stderr_log_},
                                   {"log.csv", &csv_log_},
                                   {"log.json", &json_log_}}) {
    // The logs are small: four copies make one of a few hundred KB, with sessions across every cut.
    std::string big = *text + *text + *text + *text;
    test::write_file(dir / name, big);
    std::string path = (dir / name).string();
    std::vector<ReadResult> results;
    Summary one = analyze_logs({path}, {}, {}, 1, results);
    ASSERT_EQ(results[0].error, "") << name;
    for (unsigned jobs : {2u, 3u, 4u}) {
      Format format = Format::automatic;
      EXPECT_EQ(chunk_starts(path, {}, jobs, format).size(), jobs) << name << " " << big.size();
      Summary many = analyze_logs({path}, {}, {}, jobs, results);
      EXPECT_EQ(report_json(many, {}), report_json(one, {})) << name << " -j " << jobs;
    }
  }
}

}  // namespace
}  // namespace pglens::log
