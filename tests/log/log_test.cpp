// `pglens log` on hand-written logs: the formats, the pairing of statements with their
// durations, the histogram's bound, bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include <fmt/format.h>
#include <re2/re2.h>
#include <nlohmann/json.hpp>

#include "log/log.hpp"
#include "support/fixtures.hpp"

namespace pglens::log {
namespace {

std::string fixture(const std::string& name) { return test::read_file(test::testdata("log/" + name)); }

struct Read {
  Summary summary;
  ReadResult result;
};

Read read(std::string_view text, ReadOptions options = {}, AnalysisOptions analysis = {}) {
  Read r;
  Analyzer analyzer(r.summary, analysis);
  r.result = read_log_text(text, options, [&](const Entry& e) { analyzer.add(e); });
  analyzer.finish();
  r.summary.lines = r.result.lines;
  return r;
}

const Group* find(const Summary& s, std::string_view query_start) {
  for (const auto& [fp, g] : s.groups)
    if (g.query.rfind(query_start, 0) == 0) return &g;
  return nullptr;
}

TEST(LogRead, StderrWithDetectedPrefixPairsEveryStatementWithItsDuration) {
  Read r = read(fixture("stderr-session-id.log"));
  ASSERT_EQ(r.result.error, "");
  EXPECT_EQ(r.result.format, Format::stderr_log);
  EXPECT_EQ(r.result.unrecognised_lines, 0u);
  EXPECT_TRUE(r.result.has_session_ids);
  // 1 parent + 12 children + COMMIT + execute + the multi-line one; parse/bind steps and the
  // auto_explain plan are no calls.
  EXPECT_EQ(r.summary.statements, 16u);
  EXPECT_EQ(r.summary.plans, 1u);
  EXPECT_EQ(r.summary.errors, 1u);
  EXPECT_EQ(r.summary.session_ids, SessionIds::session);

  const Group* orders = find(r.summary, "SELECT id, placed_at, total FROM orders WHERE customer_id = $1");
  ASSERT_NE(orders, nullptr);
  EXPECT_EQ(orders->calls, 12u);
  EXPECT_EQ(orders->max_us, 177);  // 0.100 + 7 * 11 µs
  EXPECT_EQ(orders->worst.text, "SELECT id, placed_at, total FROM orders WHERE customer_id = 3011");

  const Group* product = find(r.summary, "SELECT name FROM products WHERE sku = $1");
  ASSERT_NE(product, nullptr);
  EXPECT_EQ(product->calls, 1u);
  EXPECT_EQ(product->worst.parameters, "$1 = 'AB-''12'");

  const Group* revenue = find(r.summary, "SELECT c.region, sum(o.total) AS revenue");
  ASSERT_NE(revenue, nullptr);
  EXPECT_EQ(revenue->worst.duration_us, 31907);
  EXPECT_NE(revenue->worst.text.find("\nJOIN customers c ON c.id = o.customer_id\n"), std::string::npos);
}

TEST(LogRead, NPlusOneLoopWithItsParentAndARewrite) {
  Read r = read(fixture("stderr-session-id.log"));
  ASSERT_EQ(r.summary.bursts.size(), 1u);
  const Burst& b = r.summary.bursts.begin()->second;
  EXPECT_EQ(b.kind, "n+1");
  EXPECT_EQ(b.occurrences, 1u);
  EXPECT_EQ(b.calls, 12u);
  EXPECT_EQ(b.parent_text, "SELECT id, email FROM customers WHERE region = 'eu' ORDER BY id LIMIT 12");
  EXPECT_EQ(b.rewrite, "SELECT id, placed_at, total FROM orders WHERE customer_id = ANY($1)");
  EXPECT_EQ(b.rewrite_parameter,
            R"({"3000","3001","3002","3003","3004","3005","3006","3007","3008","3009","3010","3011"})");
  EXPECT_NE(b.rewrite_note.find("customer_id"), std::string::npos);
  // ... and joined to its parent: customer_id is the parent's id.
  EXPECT_EQ(b.join_rewrite,
            "SELECT parent.id AS parent_id, child.* FROM (SELECT id, email FROM customers WHERE region = 'eu' ORDER BY "
            "id LIMIT 12) AS parent CROSS JOIN LATERAL (SELECT id, placed_at, total FROM orders WHERE customer_id = "
            "parent.id) AS child");
  // Below the threshold: no loop.
  AnalysisOptions strict;
  strict.n_plus_one_min = 13;
  EXPECT_TRUE(read(fixture("stderr-session-id.log"), {}, strict).summary.bursts.empty());
}

TEST(LogRead, LogStatementAndLogDurationArePaired) {
  Read r = read(fixture("statement-and-duration.log"));
  ASSERT_EQ(r.result.error, "");
  EXPECT_EQ(r.summary.statements, 3u);
  EXPECT_EQ(r.summary.untimed, 0u);
  EXPECT_EQ(r.summary.session_ids, SessionIds::pid);
  const Group* update = find(r.summary, "UPDATE carts");
  ASSERT_NE(update, nullptr);
  EXPECT_EQ(update->total_us, 402);
  EXPECT_EQ(update->worst.parameters, "$1 = '77'");
  ReportOptions o;
  EXPECT_NE(report_text(r.summary, o).find("Add %c to log_line_prefix"), std::string::npos);
}

TEST(LogRead, SyslogLinesAndTheirContinuations) {
  Read r = read(fixture("syslog.log"));
  ASSERT_EQ(r.result.error, "");
  EXPECT_EQ(r.result.format, Format::syslog);
  EXPECT_EQ(r.summary.statements, 3u);
  const Group* g = find(r.summary, "SELECT id, status FROM shipments WHERE status = $1");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->calls, 2u);
  EXPECT_EQ(g->worst.text, "SELECT id, status\nFROM shipments\nWHERE status = 'pending'");
  const Group* one =
      find(r.summary, "SELECT $2 FROM shipments WHERE id = $1");  // constants numbered after the parameters
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(one->worst.parameters, "$1 = '9'");
  EXPECT_EQ(r.summary.last_us - r.summary.first_us, 2'000'000);
}

TEST(LogRead, AnExplicitPrefixAndADetectedOneAgree) {
  std::string text = fixture("rds-prefix.log");
  Read detected = read(text);
  ReadOptions o;
  o.prefix = "%t:%r:%u@%d:[%p]:";
  Read given = read(text, o);
  ASSERT_EQ(given.result.error, "");
  EXPECT_EQ(given.summary.statements, 2u);
  EXPECT_EQ(summary_json(given.summary), summary_json(detected.summary));
  EXPECT_EQ(given.summary.session_ids, SessionIds::pid);
  EXPECT_EQ(given.summary.last_us - given.summary.first_us, 1'000'000);
}

TEST(LogRead, APrefixThatMatchesNoLineIsAnErrorThatSaysSo) {
  ReadOptions o;
  o.prefix = "%m [%p] %q%u@%d ";
  Read r = read(fixture("rds-prefix.log"), o);
  EXPECT_NE(r.result.error.find("no line matches --prefix"), std::string::npos) << r.result.error;
  EXPECT_NE(r.result.error.find("line 1"), std::string::npos);
}

TEST(LogRead, PrefixPatternsCoverTheEscapes) {
  EXPECT_EQ(prefix_pattern("%%"), "%");
  for (const char* p : {"%m [%p] %q%u@%d ", "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ",
                        "%n %c %-10u %5p %e %x %v %Q %b %i %s %r"}) {
    re2::RE2 re(prefix_pattern(p));
    EXPECT_TRUE(re.ok()) << p << ": " << re.error();
  }
}

TEST(LogRead, JunkNeverCrashesAndIsNamed) {
  std::string junk;
  std::mt19937 rng(7);
  for (int i = 0; i < 100000; ++i) junk.push_back(static_cast<char>(rng()));
  Read r = read(junk);
  EXPECT_NE(r.result.error.find("binary data, not a PostgreSQL log"), std::string::npos) << r.result.error;
  Read text = read("just some notes\nnothing to see\n");
  EXPECT_NE(text.result.error.find("no PostgreSQL log entry found"), std::string::npos) << text.result.error;

  // A log cut in the middle of a line, and junk between entries: the rest is read.
  std::string log = fixture("stderr-session-id.log");
  std::string cut = log.substr(0, log.size() / 2) + "\n\x01\x02garbage\xff\n" + log.substr(0, 300);
  Read partial = read(cut);
  EXPECT_EQ(partial.result.error, "");
  EXPECT_GE(partial.result.unrecognised_lines, 1u);
  EXPECT_GT(partial.summary.statements, 5u);

  // Every prefix of a CSV and a JSON log reads without a crash.
  std::string csv =
      "2026-03-02 08:15:00.001 UTC,\"shop\",\"shop\",4101,\"10.0.4.17:50122\",65e2e0b1.1005,3,\"SELECT\",2026-03-02 "
      "08:15:00 UTC,3/7,0,LOG,00000,\"duration: 0.100 ms  statement: SELECT \"\"a\"\"\n, 2\",,,,,,,,,\"web\",\"client "
      "backend\",,0\n";
  for (size_t n = 0; n <= csv.size(); ++n) (void)read(csv.substr(0, n));
  Read whole = read(csv);
  EXPECT_EQ(whole.result.format, Format::csvlog);
  ASSERT_EQ(whole.summary.statements, 1u);
  EXPECT_EQ(whole.summary.groups.begin()->second.worst.text, "SELECT \"a\"\n, 2");
}

TEST(LogRead, SessionsThatNeverDisconnectAreEndedWhenIdle) {
  // Over 100,000 open sessions, the idle ones (10 minutes) end: their loops still count.
  std::string log;
  for (int i = 0; i < 100005; ++i) {
    int64_t ms = int64_t{i} * 10;
    log += fmt::format(
        "2026-03-02 {:02}:{:02}:{:02}.{:03} UTC [{}] {:08x}.{:x} LOG:  duration: 0.010 ms  statement: SELECT {}\n",
        8 + ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000, 1000 + i, 0x65e2e0b1 + i, i, i);
  }
  Read r = read(log);
  EXPECT_EQ(r.result.error, "");
  EXPECT_EQ(r.summary.statements, 100005u);
  EXPECT_EQ(r.summary.groups.size(), 1u);
}

TEST(LogRead, SyslogTimesWithoutAYearAreReadInTheGivenYearAndSaySo) {
  ReadOptions o;
  o.year = 2026;
  o.reference_month = 2;  // a file written in February: March's lines are of the year before
  Read r = read(fixture("syslog.log"), o);
  ASSERT_EQ(r.result.error, "");
  EXPECT_EQ(r.result.year_assumed, 2026);
  EXPECT_EQ(r.result.year_from, "--year");
  // 2025-03-02 08:15:00 UTC
  EXPECT_EQ(r.summary.first_us, int64_t{1740903300} * 1000000);
  o.reference_month = 12;
  EXPECT_EQ(read(fixture("syslog.log"), o).summary.first_us, int64_t{1772439300} * 1000000);  // 2026-03-02
  // No year given: never 1970.
  Read today = read(fixture("syslog.log"));
  EXPECT_GT(today.result.year_assumed, 2000);
  EXPECT_EQ(today.result.year_from, "today's date");
  EXPECT_GT(today.summary.first_us, int64_t{946684800} * 1000000);
  // ISO 8601 syslog times and stderr logs have their year: nothing assumed.
  EXPECT_EQ(read(fixture("stderr-session-id.log")).result.year_assumed, 0);
}

TEST(LogPlans, QueryTextAndRowsOfEveryAutoExplainFormat) {
  const std::string query = "SELECT id, 'it''s' AS \"la\"\"bel\"\nFROM t WHERE a <> '<&>'";
  const std::string text = "duration: 1.000 ms  plan:\nQuery Text: " + query +
      "\nSeq Scan on t  (cost=0.00..1.00 rows=10 width=4) (actual time=0.010..0.020 rows=42 loops=1)\n"
      "  Filter: (a <> '<&>'::text)";
  const std::string json =
      "duration: 1.000 ms  plan:\n{\n  \"Query Text\": "
      "\"SELECT id, 'it''s' AS \\\"la\\\"\\\"bel\\\"\\nFROM t WHERE a <> '<&>'\",\n"
      "  \"Plan\": {\n    \"Node Type\": \"Seq Scan\",\n    \"Plan Rows\": 10,\n"
      "    \"Actual Rows\": 42,\n    \"Plans\": [{\"Actual Rows\": 7}]\n  }\n}";
  const std::string yaml =
      "duration: 1.000 ms  plan:\nQuery Text: "
      "\"SELECT id, 'it''s' AS \\\"la\\\"\\\"bel\\\"\\nFROM t WHERE a <> '<&>'\"\n"
      "Plan: \n  Node Type: \"Seq Scan\"\n  Plan Rows: 10\n  Actual Rows: 42\n";
  const std::string xml =
      "duration: 1.000 ms  plan:\n<explain xmlns=\"http://www.postgresql.org/2009/explain\">\n"
      "  <Query>\n    <Query-Text>SELECT id, 'it''s' AS \"la\"\"bel\"\nFROM t WHERE a &lt;&gt; "
      "'&lt;&amp;&gt;'</Query-Text>\n    <Plan>\n      <Node-Type>Seq Scan</Node-Type>\n"
      "      <Plan-Rows>10</Plan-Rows>\n      <Actual-Rows>42</Actual-Rows>\n";
  EXPECT_EQ(plan_query_text(json), query);
  EXPECT_EQ(plan_query_text(yaml), query);
  EXPECT_EQ(plan_query_text(xml), query);
  EXPECT_EQ(plan_query_text(text).rfind(query, 0), 0u);
  for (const auto& plan : {text, json, yaml, xml}) EXPECT_EQ(plan_rows(plan), std::optional<uint64_t>(42)) << plan;
  EXPECT_EQ(plan_rows("duration: 1.000 ms  plan:\nQuery Text: SELECT 1\nResult  (cost=0.00..0.01 rows=1 width=4)"),
            std::nullopt);
}

TEST(LogPlans, JsonPlansOfQueriesWithQuotesAndNewlinesGoToTheirQuery) {
  // auto_explain in JSON after an extended-protocol execute (the plan comes after its
  // duration line) and before a simple-protocol statement's (it comes first).
  std::string log =
      "2026-03-02 08:15:00.001 UTC [7] 65e2e0b1.7 LOG:  duration: 2.000 ms  execute <unnamed>: SELECT id, 'a''b' "
      "AS x\n\tFROM t WHERE n <> 'q\"r' AND id = $1\n"
      "2026-03-02 08:15:00.001 UTC [7] 65e2e0b1.7 DETAIL:  parameters: $1 = '5'\n"
      "2026-03-02 08:15:00.002 UTC [7] 65e2e0b1.7 LOG:  duration: 1.900 ms  plan:\n\t{\n\t  \"Query Text\": "
      "\"SELECT id, 'a''b' AS x\\nFROM t WHERE n <> 'q\\\"r' AND id = $1\",\n\t  \"Plan\": {\n\t    "
      "\"Node Type\": \"Index Scan\",\n\t    \"Actual Rows\": 3\n\t  }\n\t}\n"
      "2026-03-02 08:15:00.003 UTC [7] 65e2e0b1.7 LOG:  duration: 0.900 ms  plan:\n\t<explain "
      "xmlns=\"http://www.postgresql.org/2009/explain\">\n\t  <Query>\n\t    <Query-Text>SELECT name FROM t WHERE n = "
      "'&lt;x&gt;'\n\tAND id = 4</Query-Text>\n\t    <Plan>\n\t      <Actual-Rows>1</Actual-Rows>\n"
      "2026-03-02 08:15:00.004 UTC [7] 65e2e0b1.7 LOG:  duration: 1.000 ms  statement: SELECT name FROM t WHERE n = "
      "'<x>'\n\tAND id = 4\n";
  Read r = read(log);
  ASSERT_EQ(r.result.error, "");
  EXPECT_EQ(r.summary.plans, 2u);
  const Group* first = find(r.summary, "SELECT id, $2 AS x");
  const Group* second = find(r.summary, "SELECT name FROM t");
  ASSERT_TRUE(first && second);
  EXPECT_NE(first->plan.find("Index Scan"), std::string::npos);
  EXPECT_EQ(first->rows, 3u);
  EXPECT_EQ(first->rows_calls, 1u);
  EXPECT_NE(second->plan.find("<Query-Text>"), std::string::npos);
  EXPECT_EQ(second->rows, 1u);
}

TEST(LogFindings, ManyRowsWithNoAggregateGetTheAggregateRewrite) {
  std::string log;
  for (int i = 0; i < 3; ++i)
    log += fmt::format(
        "2026-03-02 08:15:0{0}.000 UTC [7] 65e2e0b1.7 LOG:  duration: 9.000 ms  plan:\n\tQuery Text: SELECT id, "
        "amount FROM payments WHERE account_id = {0}\n\tSeq Scan on payments  (cost=0.00..99.00 rows=5000 width=8) "
        "(actual time=0.010..3.000 rows=5000 loops=1)\n"
        "2026-03-02 08:15:0{0}.001 UTC [7] 65e2e0b1.7 LOG:  duration: 9.500 ms  statement: SELECT id, amount FROM "
        "payments WHERE account_id = {0}\n"
        "2026-03-02 08:15:0{0}.002 UTC [7] 65e2e0b1.7 LOG:  duration: 9.000 ms  plan:\n\tQuery Text: SELECT "
        "account_id, sum(amount) FROM payments GROUP BY 1\n\tHashAggregate  (cost=0.00..99.00 rows=5000 width=8) "
        "(actual time=0.010..3.000 rows=5000 loops=1)\n"
        "2026-03-02 08:15:0{0}.003 UTC [7] 65e2e0b1.7 LOG:  duration: 9.500 ms  statement: SELECT account_id, "
        "sum(amount) FROM payments GROUP BY 1\n",
        i);
  Read r = read(log);
  const Group* g = find(r.summary, "SELECT id, amount FROM payments");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->rows, 15000u);
  EXPECT_EQ(g->rows_calls, 3u);
  auto found = many_rows_findings(r.summary, 1000);
  ASSERT_EQ(found.size(), 1u);  // the GROUP BY aggregates already
  EXPECT_EQ(found[0].fingerprint, g->fingerprint);
  EXPECT_EQ(found[0].rows_per_call, 5000);
  EXPECT_EQ(found[0].source, "auto_explain");
  EXPECT_EQ(found[0].rewrite,
            "SELECT count(*) AS row_count FROM (SELECT id, amount FROM payments WHERE account_id = 0) AS t");
  EXPECT_NE(found[0].note.find("amount"), std::string::npos) << found[0].note;
  EXPECT_TRUE(many_rows_findings(r.summary, 5001).empty());
  // With the column types (--db), the numeric columns are summed.
  r.summary.groups[g->fingerprint].numeric_columns = {"amount"};
  EXPECT_EQ(many_rows_findings(r.summary, 1000)[0].rewrite,
            "SELECT count(*) AS row_count, sum(t.amount) AS amount_sum FROM (SELECT id, amount FROM payments WHERE "
            "account_id = 0) AS t");
  EXPECT_NE(report_text(r.summary, {}).find("Many rows shipped: 5,000 rows a call"), std::string::npos);
  EXPECT_EQ(finding_count(r.summary, 10, 1000), 1u);
  // The rows and the columns survive the JSON summary.
  std::string error;
  auto back = summary_from_json(summary_json(r.summary), error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(report_json(*back, {}), report_json(r.summary, {}));
  EXPECT_EQ(output_columns("SELECT p.id, amount AS a, lower(x) AS y FROM p"),
            (std::vector<std::string>{"id", "a", "y"}));
  EXPECT_TRUE(output_columns("SELECT * FROM p").empty());
  EXPECT_TRUE(aggregates("SELECT count(*) FROM p"));
  EXPECT_FALSE(aggregates("SELECT id FROM p ORDER BY id"));
}

// A log of many interleaved sessions: N+1 loops, log_statement + log_duration pairs, plans
// before and after their statements, disconnections and a reused pid.
std::string busy_log(int sessions, int rounds) {
  std::string log;
  std::mt19937 rng(7);
  int64_t ms = 0;
  struct S {
    int id = 0;
    int step = 0;
  };
  std::vector<S> open;
  int next_id = 0;
  auto line = [&](const S& s, std::string_view body) {
    ms += 1 + static_cast<int64_t>(rng() % 3);
    log += fmt::format("2026-03-02 {:02}:{:02}:{:02}.{:03} UTC [{}] 65e2{:04x}.{:x} {}\n", 8 + ms / 3600000,
                       ms / 60000 % 60, ms / 1000 % 60, ms % 1000, 100 + s.id % 50, s.id, s.id, body);
  };
  for (int i = 0; i < sessions; ++i) open.push_back({next_id++, 0});
  for (int round = 0; round < rounds * sessions * 40; ++round) {
    S& s = open[rng() % open.size()];
    int k = s.step++ % 40;
    double d = 0.01 + static_cast<double>(rng() % 1000) / 100.0;
    if (k == 0) {
      line(s,
           fmt::format("LOG:  duration: {:.3f} ms  statement: SELECT id, name FROM users WHERE region = {} "
                       "ORDER BY id",
                       d, s.id % 5));
    } else if (k <= 12) {
      line(s,
           fmt::format("LOG:  duration: {:.3f} ms  execute <unnamed>: SELECT id, total FROM orders WHERE "
                       "user_id = $1",
                       d));
      line(s, fmt::format("DETAIL:  parameters: $1 = '{}'", s.id * 100 + k));
    } else if (k == 13) {
      line(s, "LOG:  statement: UPDATE carts SET seen = now() WHERE user_id = 7");
    } else if (k == 14) {
      line(s, fmt::format("LOG:  duration: {:.3f} ms", d));
    } else if (k == 15) {
      line(s,
           fmt::format("LOG:  duration: {:.3f} ms  plan:\n\tQuery Text: SELECT sum(total) FROM orders WHERE "
                       "user_id = {}\n\tAggregate  (cost=1.00..2.00 rows=1 width=8) (actual time=0.1..0.2 rows=1 "
                       "loops=1)",
                       d, s.id));
      line(s,
           fmt::format("LOG:  duration: {:.3f} ms  statement: SELECT sum(total) FROM orders WHERE user_id = {}", d,
                       s.id));
    } else if (k <= 27) {
      line(s,
           fmt::format("LOG:  duration: {:.3f} ms  statement: INSERT INTO events (id, payload) VALUES ({}, 'e')", d,
                       s.id * 1000 + k));
    } else if (k == 28) {
      line(s,
           fmt::format("LOG:  duration: {:.3f} ms  statement: SELECT value FROM settings WHERE key = 'currency'", d));
    } else if (k == 39 && rng() % 3 == 0) {
      line(s, "LOG:  disconnection: session time: 0:00:01.000 user=app database=shop host=[local]");
      s = S{next_id++, 0};
    }
  }
  return log;
}

TEST(LogJobs, ChunksOfOneFileGiveExactlyTheSummaryOfOneJob) {
  test::TempDir dir;
  std::string log = busy_log(30, 12);
  ASSERT_GT(log.size(), 1u << 20);
  auto path = (dir / "busy.log").string();
  test::write_file(dir / "busy.log", log);
  std::vector<ReadResult> results;
  Summary one = analyze_logs({path}, {}, {}, 1, results);
  ASSERT_EQ(results[0].error, "");
  ASSERT_GT(one.bursts.size(), 1u);
  std::string want = report_json(one, {});
  for (unsigned jobs : {2u, 3u, 5u, 8u}) {
    Format format = Format::automatic;
    ASSERT_EQ(chunk_starts(path, {}, jobs, format).size(), jobs) << jobs;
    EXPECT_EQ(format, Format::stderr_log);
    Summary many = analyze_logs({path}, {}, {}, jobs, results);
    EXPECT_EQ(many.inexact_sessions, 0u);
    EXPECT_EQ(results[0].lines, one.lines);
    EXPECT_EQ(report_json(many, {}), want) << "-j " << jobs;
  }
  // csvlog and jsonlog are cut at their records.
  Format format = Format::automatic;
  std::string csv;
  for (int i = 0; i < 4000; ++i)
    csv += fmt::format(
        "2026-03-02 08:{:02}:{:02}.{:03} UTC,\"app\",\"shop\",{},\"[local]\",65e2e0b1.{:x},{},\"SELECT\",2026-03-02 "
        "08:00:00 UTC,3/{},0,LOG,00000,\"duration: 0.{:03} ms  statement: SELECT id\nFROM t WHERE x = {}\",,,,,,,,,"
        "\"psql\",\"client backend\",,0\n",
        i / 60000 % 60, i / 1000 % 60, i % 1000, 100 + i % 7, i % 7, i, i, i % 1000, i % 13);
  test::write_file(dir / "log.csv", csv);
  auto csv_path = (dir / "log.csv").string();
  ASSERT_EQ(chunk_starts(csv_path, {}, 4, format).size(), 4u);
  EXPECT_EQ(format, Format::csvlog);
  Summary csv_one = analyze_logs({csv_path}, {}, {}, 1, results);
  EXPECT_EQ(csv_one.statements, 4000u);
  EXPECT_EQ(report_json(analyze_logs({csv_path}, {}, {}, 4, results), {}), report_json(csv_one, {}));
}

// Logs a PostgreSQL 15 wrote with lc_messages in each language (pt_BR written by hand from
// PostgreSQL's pt_BR.po: Debian ships no pt_BR messages): a psql session runs an N+1 loop with
// literals and one failing statement, pgbench -M extended the same loop with a parameter.
TEST(LogTranslated, EachLanguageReadsAsTheEnglishLogWouldRead) {
  for (std::string language : {"de", "fr", "es", "ja", "ru", "zh_CN", "pt_BR"}) {
    SCOPED_TRACE(language);
    Read r = read(fixture("lc-messages/" + language + ".log"));
    ASSERT_EQ(r.result.error, "");
    EXPECT_EQ(r.result.unrecognised_lines, 0u) << "line " << r.result.first_unrecognised;
    EXPECT_EQ(r.summary.localized, 0u);
    EXPECT_EQ(r.summary.errors, 1u);                // the missing table: ERROR in its language
    EXPECT_EQ(r.summary.statements, 1u + 12 + 11);  // parent, 12 literal calls, 11 executes
    EXPECT_EQ(r.summary.session_ids, SessionIds::session);
    const Group* loop = nullptr;
    for (const auto& [fp, g] : r.summary.groups)
      if (g.query.find("WHERE kunde_id = $1") != std::string::npos ||
          g.query.find("WHERE cliente_id = $1") != std::string::npos)
        loop = &g;
    ASSERT_NE(loop, nullptr);
    EXPECT_EQ(loop->calls, 23u);
    EXPECT_EQ(loop->timed_calls, 23u);
    // the executes' parameters came from the translated DETAIL
    size_t with_parameters = 0;
    for (const auto& repeat : loop->repeats) with_parameters += repeat.parameters.starts_with("$1 = '");
    EXPECT_GT(with_parameters, 0u);
    // the two loops: after the parent (literals), and opening pgbench's session (parameters)
    ASSERT_EQ(r.summary.bursts.size(), 2u) << report_text(r.summary, {});
    for (const auto& [key, burst] : r.summary.bursts) {
      EXPECT_EQ(burst.kind, "n+1");
      EXPECT_EQ(burst.calls, burst.parent.empty() ? 11u : 12u);
      EXPECT_NE(burst.rewrite.find("= ANY($1)"), std::string::npos) << burst.rewrite_note;
    }
  }
}

TEST(LogTranslated, CsvlogAndJsonlogInAnotherLanguageGiveTheStderrSummary) {
  auto without_lines = [](const Summary& s) {
    auto j = nlohmann::json::parse(report_json(s, {}));
    j.erase("lines");
    return j;
  };
  for (std::string language : {"fr", "ru", "zh_CN"}) {
    SCOPED_TRACE(language);
    auto stderr_summary = without_lines(read(fixture("lc-messages/" + language + ".log")).summary);
    for (std::string format : {".csv", ".json"}) {
      Read r = read(fixture("lc-messages/" + language + format));
      EXPECT_EQ(r.result.unrecognised_lines, 0u) << format;
      EXPECT_EQ(without_lines(r.summary), stderr_summary) << format;
    }
  }
}

TEST(LogTranslated, AMultiLineDisconnectionAndTranslatedSeveritiesUnderAGivenPrefix) {
  ReadOptions options;
  options.prefix = "%m [%p] %c ";
  for (std::string language : {"fr", "ru", "zh_CN"}) {
    Read given = read(fixture("lc-messages/" + language + ".log"), options);
    Read detected = read(fixture("lc-messages/" + language + ".log"));
    EXPECT_EQ(given.result.unrecognised_lines, 0u) << language;
    EXPECT_EQ(report_json(given.summary, {}), report_json(detected.summary, {})) << language;
  }
  // "ERREUR:  ", "ОШИБКА:  ", "错误:  ": errors; "文:  " inside "上下文:  " is no statement
  Entry e;
  e.severity = "LOG";
  e.message = "durée : 1.500 ms, instruction : SELECT 1";
  EXPECT_EQ(to_english(e), "fr");
  EXPECT_EQ(e.message, "duration: 1.500 ms  statement: SELECT 1");
  e.message = "执行时间: 0.030 ms 执行<unnamed>: SELECT $1";
  e.detail = "参数: $1 = '7'";
  EXPECT_EQ(to_english(e), "zh_CN");
  EXPECT_EQ(e.message, "duration: 0.030 ms  execute <unnamed>: SELECT $1");
  EXPECT_EQ(e.detail, "parameters: $1 = '7'");
  size_t len = 0;
  std::string_view english;
  EXPECT_EQ(find_translated_severity("2026-12-07 [1] 上下文:  x", len, english), 15u);
  EXPECT_EQ(english, "CONTEXT");
}

TEST(LogTranslated, ALanguageNotReadIsAnErrorThatNamesLcMessages) {
  // Korean (lc_messages = 'ko_KR'): its severities read, its "실행시간: %s ms" does not.
  Read r = read(fixture("lc-messages/ko.log"));
  EXPECT_EQ(r.summary.statements, 0u);
  EXPECT_GT(r.summary.localized, 20u);
  auto run = test::run_pglens("log " + test::testdata("log/lc-messages/ko.log").string());
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("lc_messages = 'C'"), std::string::npos) << run.err;
  auto de = test::run_pglens("log " + test::testdata("log/lc-messages/de.log").string());
  EXPECT_EQ(de.exit_code, 1) << de.err;  // the N+1 loops are findings
  EXPECT_NE(de.out.find("kunde_id = ANY($1)"), std::string::npos) << de.out;
}

TEST(LogNormalize, LiteralsParametersAndListsShareAShape) {
  Fingerprints fps;
  auto fp = [&](std::string_view sql) { return fps.of(normalize(sql).key, sql); };
  EXPECT_EQ(fp("SELECT * FROM t WHERE a = 1 AND b = 'x'"), fp("select *  from t where a = 42 and b = E'y\\'z'"));
  EXPECT_EQ(fp("SELECT * FROM t WHERE a IN (1, 2, 3)"), fp("SELECT * FROM t WHERE a IN (4)"));
  EXPECT_NE(fp("SELECT * FROM t WHERE a = 1"), fp("SELECT * FROM t WHERE b = 1"));
  EXPECT_EQ(fp("SELECT * FROM t WHERE a = 1"), fp("SELECT * FROM t WHERE a = $1"));
  // Two keys of one fingerprint cost a cache entry; one key of two fingerprints would be a
  // wrong group: lists collapse only where libpg_query's fingerprint ignores their length.
  EXPECT_EQ(normalize("SELECT * FROM t WHERE a IN (1, 2, 3)").key, normalize("select * from t where a in (4)").key);
  EXPECT_NE(normalize("SELECT (1, 2)").key, normalize("SELECT (1)").key);
  EXPECT_NE(fp("SELECT (1, 2)"), fp("SELECT (1)"));
  Normalized n = normalize("SELECT a FROM t WHERE b = $1 AND c = 'q' -- note\n LIMIT 10");
  EXPECT_EQ(n.display, "SELECT a FROM t WHERE b = $1 AND c = $2 LIMIT $3");
  ASSERT_EQ(n.constants.size(), 3u);
  EXPECT_EQ(n.constants[0].param, 1);
  EXPECT_EQ(n.first_word, "select");
}

TEST(LogHistogram, QuantilesWithinTheStatedErrorAndMergesExact) {
  std::mt19937_64 rng(11);
  std::lognormal_distribution<double> dist(6.0, 2.0);
  std::vector<int64_t> values;
  Histogram whole, a, b;
  for (int i = 0; i < 20000; ++i) {
    int64_t v = static_cast<int64_t>(dist(rng));
    values.push_back(v);
    whole.add(v);
    (i % 3 ? a : b).add(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.95, 0.99, 0.999, 1.0}) {
    size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(values.size())));
    double exact = static_cast<double>(values[rank - 1]);
    EXPECT_LE(std::abs(whole.quantile(q) - exact), Histogram::kRelativeError * exact + 1e-9) << q;
  }
  a.merge(b);
  EXPECT_EQ(a.buckets(), whole.buckets());
}

TEST(LogSummary, JsonRoundTripsAndMergesToTheWhole) {
  std::string log = fixture("stderr-session-id.log");
  // Split after the loop's last call (the COMMIT line): no loop is cut.
  size_t split = log.find("statement: COMMIT");
  split = log.find('\n', split) + 1;
  Read whole = read(log);
  Read first = read(log.substr(0, split));
  Read second = read(log.substr(split));
  std::string error;
  auto a = summary_from_json(summary_json(first.summary), error);
  ASSERT_TRUE(a) << error;
  auto b = summary_from_json(report_json(second.summary, {}), error);
  ASSERT_TRUE(b) << error;
  a->merge(std::move(*b));
  EXPECT_EQ(report_json(*a, {}), report_json(whole.summary, {}));
  EXPECT_FALSE(summary_from_json("{\"queries\": []}", error));
  EXPECT_NE(error.find("pglens_log_summary"), std::string::npos);
}

TEST(LogCli, ExitCodesMergeAndJobsGiveTheSameSummary) {
  std::string log = test::testdata("log/stderr-session-id.log").string();
  std::string syslog = test::testdata("log/syslog.log").string();
  auto found = test::run_pglens("log " + log);
  EXPECT_EQ(found.exit_code, 1) << found.err;  // the N+1 loop
  EXPECT_NE(found.out.find("batch it:  SELECT id, placed_at, total FROM orders WHERE customer_id = ANY($1)"),
            std::string::npos)
      << found.out;
  auto star = test::run_pglens(
      "log -", "2026-03-02 08:15:00.001 UTC [7] LOG:  duration: 9.000 ms  statement: SELECT * FROM orders\n");
  EXPECT_EQ(star.exit_code, 0) << star.err;
  EXPECT_NE(star.out.find("[select-star] `SELECT *` sends every column of `orders` to the client"), std::string::npos)
      << star.out;
  auto clean = test::run_pglens("log " + syslog);
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_EQ(test::run_pglens("log /nonexistent/postgresql.log").exit_code, 2);
  auto junk = test::run_pglens("log -", std::string("\x01\x02\x00binary", 9));
  EXPECT_EQ(junk.exit_code, 2);
  EXPECT_NE(junk.err.find("binary data"), std::string::npos) << junk.err;

  test::TempDir dir;
  auto one = test::run_pglens("log --format json " + log);
  auto two = test::run_pglens("log --format json " + syslog);
  test::write_file(dir / "a.json", one.out);
  test::write_file(dir / "b.json", two.out);
  auto merged =
      test::run_pglens("log --format json --merge " + (dir / "a.json").string() + " " + (dir / "b.json").string());
  auto both = test::run_pglens("log --format json -j 2 " + log + " " + syslog);
  ASSERT_EQ(both.exit_code, 1) << both.err;
  EXPECT_EQ(merged.out, both.out);
  auto not_a_summary = test::run_pglens("log --merge " + log);
  EXPECT_EQ(not_a_summary.exit_code, 2);
  EXPECT_NE(not_a_summary.err.find("not JSON"), std::string::npos) << not_a_summary.err;
}

}  // namespace
}  // namespace pglens::log
