// `pglens log --format html` and `pglens advise --format html`: self-contained pages (one
// script, a strict CSP, nothing fetched) drawn from the reports the commands compute. The log
// page: every top query with its latency histogram (its bars add up to the query's calls, the
// percentiles marked where the JSON report puts them), the N+1 loop with its rewrite to copy,
// capacity; the advise page: the per-query table with each candidate's proof, the kept DDL and
// the script to copy — the DDL it shows runs on the throwaway server.
#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "html/report_pages.hpp"
#include "support/fixtures.hpp"
#include "support/pg_cluster.hpp"

namespace pglens {
namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

void expect_self_contained(const std::string& page) {
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("content=\"default-src 'none'; script-src 'sha256-"), std::string::npos);
  EXPECT_EQ(count(page, "<script"), 1u);
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
  EXPECT_EQ(page.find(" style="), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
}

std::string html_unescape(std::string s) {
  const std::pair<const char*, const char*> refs[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}};
  for (const auto& [from, to] : refs)
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + 1)) s.replace(at, strlen(from), to);
  return s;
}

// The text of the copy block with this id.
std::string copy_block(const std::string& page, const std::string& id) {
  std::string open = "<code id=\"" + id + "\">";
  size_t from = page.find(open);
  if (from == std::string::npos) return {};
  from += open.size();
  return html_unescape(page.substr(from, page.find("</code>", from) - from));
}

// A stderr log of one session: `calls` runs of a lookup with durations spread over four
// decades (0.05 ms .. 500 ms, log-uniform), then a statement whose text is markup.
std::string spread_log(int calls) {
  std::string log;
  for (int i = 0; i < calls; ++i) {
    double ms = 0.05 * std::pow(10.0, 4.0 * i / (calls - 1));
    log += fmt::format(
        "2026-03-02 09:{:02}:{:02}.{:03} UTC [5001] 65e2e0c1.2001 LOG:  duration: {:.3f} ms  statement: "
        "SELECT id, total FROM invoices WHERE account_id = {}\n",
        i / 600 % 60, i / 10 % 60, i % 10 * 100, ms, i);
  }
  log +=
      "2026-03-02 09:59:59.000 UTC [5001] 65e2e0c1.2001 LOG:  duration: 1.000 ms  statement: SELECT "
      "'</script><script>alert(1)</script>' AS x\n";
  return log;
}

TEST(LogHtml, TopQueriesWithHistogramsTheLoopRewriteAndCapacity) {
  test::TempDir tmp;
  test::write_file(tmp / "spread.log", spread_log(400));
  std::string files = (tmp / "spread.log").string() + " " + test::testdata("log/stderr-session-id.log").string();
  auto json = test::run_pglens("log --format json " + files);
  ASSERT_EQ(json.exit_code, 1) << json.err;  // the N+1 loop
  auto j = nlohmann::json::parse(json.out);
  auto page = test::run_pglens("log --format html " + files);
  ASSERT_EQ(page.exit_code, 1) << page.err;
  const std::string& h = page.out;
  expect_self_contained(h);
  EXPECT_EQ(h.find("<script>alert(1)"), std::string::npos);
  EXPECT_NE(h.find("&lt;/script&gt;&lt;script&gt;alert(1)"), std::string::npos);

  // The costliest query is the spread lookup: its bars hold its 400 calls, and its
  // percentiles are marked at the JSON report's values.
  const auto& q1 = j["queries"][0];
  ASSERT_NE(q1["query"].get<std::string>().find("FROM invoices"), std::string::npos) << q1.dump();
  std::string fig = h.substr(h.find("<figure class=\"histogram\" id=\"q1-h\">"));
  fig = fig.substr(0, fig.find("</figure>"));
  ASSERT_FALSE(fig.empty());
  uint64_t calls = 0;
  size_t bars = 0;
  std::regex cell(R"re(<rect class="cell" data-calls="(\d+)")re");
  for (std::sregex_iterator it(fig.begin(), fig.end(), cell), end; it != end; ++it, ++bars)
    calls += std::stoull((*it)[1]);
  EXPECT_EQ(calls, 400u);
  EXPECT_GE(bars, 15u) << "four decades at five bars a decade, most of them holding calls";
  for (const char* p : {"p50", "p95", "p99"}) {
    std::string mark = fmt::format("<g class=\"pct {}\" data-ms=\"{}\">", p, q1[std::string(p) + "_ms"].get<double>());
    EXPECT_NE(fig.find(mark), std::string::npos) << mark << "\n" << fig.substr(0, 600);
  }
  EXPECT_NE(fig.find(">100 ms</text>"), std::string::npos) << "a decade on the log axis";
  // Every top query has its figure; the table links to it.
  size_t top = std::min<size_t>(10, j["queries"].size());
  for (size_t i = 1; i <= top; ++i) {
    EXPECT_NE(h.find(fmt::format("<section class=\"block query\" id=\"q{}\">", i)), std::string::npos) << i;
    EXPECT_NE(h.find(fmt::format("<a href=\"#q{}\">", i)), std::string::npos) << i;
  }
  // The N+1 loop and its rewrite, ready to copy.
  ASSERT_FALSE(j["loops"].empty());
  EXPECT_EQ(copy_block(h, "loop1-sql"), j["loops"][0]["rewrite"].get<std::string>());
  EXPECT_NE(copy_block(h, "loop1-sql").find("= ANY($1)"), std::string::npos);
  EXPECT_NE(h.find("<section class=\"block\" id=\"capacity\">"), std::string::npos);
  EXPECT_NE(h.find("Little's law"), std::string::npos);
}

TEST(LogHtml, NotAReportSaysSo) {
  std::string page = html::log_page({.title = "x", .report_json = "{\"queries\": 3}", .top = 10});
  EXPECT_NE(page.find("Not a report of pglens log."), std::string::npos);
  expect_self_contained(page);
}

advise::Report sample_report() {
  advise::Report r;
  r.server = "host 127.0.0.1 port 5432 database shop";
  r.server_version = 150010;
  r.hypopg = true;
  advise::QueryAdvice qa;
  qa.query = {.text = "SELECT id FROM orders WHERE customer_id = 42 -- </script>",
              .origin = "q<1>.sql:1",
              .calls = 1,
              .total_ms = 0,
              .from_workload = false};
  qa.kind = "select";
  qa.cost = 3971.5;
  advise::Candidate kept;
  kept.table = "public.orders";
  kept.ddl = "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);";
  kept.summary = "orders (customer_id)";
  kept.rules = {"seq-scan-large"};
  kept.proof = {.cost_before = 3971.5, .cost_after = 19.5, .used = true, .size_bytes = 2 * 1024 * 1024};
  kept.kept = true;
  kept.verdict = "used; cost 3971.50 -> 19.50 (-99.5%)";
  advise::Candidate dropped = kept;
  dropped.summary = "orders (status)";
  dropped.ddl = "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_idx ON orders (status);";
  dropped.proof = {.cost_before = 3971.5, .cost_after = 3971.5, .used = false, .size_bytes = 0};
  dropped.kept = false;
  dropped.verdict = "not used by the planner";
  qa.candidates = {kept, dropped};
  r.queries.push_back(qa);
  r.chosen.push_back({.ddl = kept.ddl,
                      .summary = kept.summary,
                      .table = kept.table,
                      .size_bytes = kept.proof.size_bytes,
                      .benefit = 3952,
                      .write_cost = 0,
                      .serves = {"q<1>.sql:1"},
                      .proof = "cost 3971.50 -> 19.50 for q.sql:1"});
  r.removals.push_back({.index = "public.orders_old_idx",
                        .table = "public.orders",
                        .size_bytes = 8192,
                        .reason = "never scanned",
                        .ddl = "DROP INDEX CONCURRENTLY IF EXISTS public.orders_old_idx;"});
  return r;
}

TEST(AdviseHtml, TableOfProofsKeptDdlScriptAndReview) {
  advise::Report r = sample_report();
  std::string page = html::advise_page(r, advise::Options{});
  expect_self_contained(page);
  EXPECT_EQ(page.find("</script> AS"), std::string::npos);
  EXPECT_NE(page.find("q&lt;1&gt;.sql:1"), std::string::npos);
  EXPECT_EQ(count(page, "<tr class=\"kept\">"), 1u);
  EXPECT_EQ(count(page, "<tr class=\"dropped\">"), 1u);
  EXPECT_NE(page.find("not used by the planner"), std::string::npos);
  EXPECT_NE(page.find("<td class=\"num\">100 %</td>"), std::string::npos) << "cost lower by 99.5 %";
  EXPECT_EQ(copy_block(page, "q1-c1"), r.queries[0].candidates[0].ddl);
  EXPECT_EQ(copy_block(page, "q1-c2"), "") << "a dropped index has no DDL to copy";
  EXPECT_EQ(copy_block(page, "script"), advise::index_script(r));
  EXPECT_EQ(copy_block(page, "rm1"), r.removals[0].ddl);
  EXPECT_NE(page.find("2.0 MB"), std::string::npos);
  r.hypopg = false;
  r.hypopg_help = "Install hypopg";
  r.chosen.clear();
  std::string without = html::advise_page(r, advise::Options{});
  EXPECT_NE(without.find("<p class=\"callout\">Install hypopg</p>"), std::string::npos);
  EXPECT_NE(without.find("No index to create"), std::string::npos);
}

// The page of a real run: the DDL it shows for the slow query runs, and the planner then uses it.
TEST(AdviseHtml, LivePageDdlRunsOnTheServer) {
  PGLENS_REQUIRE_CLUSTER(pg);
  pg->exec("DROP DATABASE IF EXISTS html_advise");
  pg->exec("CREATE DATABASE html_advise");
  std::string url = fmt::format("postgresql://postgres@127.0.0.1:{}/html_advise", pg->port());
  test::TempDir tmp;
  auto psql = [&](const std::string& sql) {
    test::write_file(tmp / "in.sql", sql);
    std::string cmd = fmt::format("'{}/psql' -X -q -At -v ON_ERROR_STOP=1 '{}' -f '{}' >'{}' 2>&1",
                                  test::PgCluster::bin_dir(), url, (tmp / "in.sql").string(), (tmp / "out").string());
    int status = std::system(cmd.c_str());
    EXPECT_EQ(status, 0) << test::read_file(tmp / "out");
    return test::read_file(tmp / "out");
  };
  psql(
      "CREATE EXTENSION hypopg;"
      "CREATE TABLE invoices (id bigint PRIMARY KEY, account_id int NOT NULL, total numeric NOT NULL);"
      "INSERT INTO invoices SELECT g, g % 3000, g % 100 FROM generate_series(1, 200000) g; ANALYZE invoices;");
  test::write_file(tmp / "q.sql", "SELECT id, total FROM invoices WHERE account_id = 42;\n");
  auto r = test::run_pglens("advise --format html --db '" + url + "' '" + (tmp / "q.sql").string() + "'");
  EXPECT_EQ(r.exit_code, 1) << r.err << r.out.substr(0, 2000);
  expect_self_contained(r.out);
  EXPECT_EQ(count(r.out, "<tr class=\"kept\">"), 1u) << r.out;
  std::string ddl = copy_block(r.out, "q1-c1");
  ASSERT_NE(ddl.find("CREATE INDEX CONCURRENTLY IF NOT EXISTS"), std::string::npos) << ddl;
  EXPECT_NE(ddl.find("account_id"), std::string::npos) << ddl;
  EXPECT_NE(copy_block(r.out, "script").find(ddl), std::string::npos);
  psql(ddl);
  std::string plan = psql("EXPLAIN SELECT id, total FROM invoices WHERE account_id = 42;");
  EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << plan;
  pg->exec("DROP DATABASE IF EXISTS html_advise WITH (FORCE)");
}

}  // namespace
}  // namespace pglens
