// The server's schema sources: an unreachable database keeps the schema files' catalog and is
// asked again later, and the editor is told its state; plans paired with their query file (by a
// comment, or by the setting).
#include <gtest/gtest.h>

#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lsp/server.hpp"
#include "lsp/session.hpp"
#include "lsp/uri.hpp"
#include "support/fixtures.hpp"
#include "support/pg_cluster.hpp"

namespace pglens::lsp {
namespace {

using nlohmann::json;

json initialize(const std::filesystem::path& root, json options = json::object()) {
  return {{"jsonrpc", "2.0"},
          {"id", 1},
          {"method", "initialize"},
          {"params",
           {{"rootUri", path_to_uri(root)}, {"initializationOptions", options}, {"capabilities", json::object()}}}};
}

json open(const std::string& uri, const std::string& text, const std::string& language = "sql") {
  return {{"jsonrpc", "2.0"},
          {"method", "textDocument/didOpen"},
          {"params", {{"textDocument", {{"uri", uri}, {"languageId", language}, {"version", 1}, {"text", text}}}}}};
}

std::vector<std::string> codes(const json& publish) {
  std::vector<std::string> out;
  for (const json& d : publish["params"]["diagnostics"]) out.push_back(d.value("code", ""));
  return out;
}

TEST(LspSchema, AnUnreachableDatabaseKeepsTheSchemaFilesAndIsRetried) {
  test::TempDir dir;
  auto root = std::filesystem::canonical(dir.path());
  test::write_file(root / "schema.sql", "CREATE TABLE events (id bigint PRIMARY KEY, account_id bigint NOT NULL);\n");
  test::write_file(root / ".pglens.toml",
                   "schema = [\"schema.sql\"]\n\n[tables.\"public.events\"]\nrows = 2_000_000\n");
  Session s;
  // Nothing listens on port 1: the connection is refused at once.
  s.send(initialize(root, {{"databaseUrl", "postgresql://pglens@127.0.0.1:1/app?connect_timeout=3"}}));
  auto out = s.send(open(path_to_uri(root / "q.sql"), "SELECT id FROM events WHERE account_id = 42;\n"));
  json published, warning;
  for (const json& m : out) {
    if (m.value("method", "") == "textDocument/publishDiagnostics") published = m;
    if (m.value("method", "") == "window/showMessage") warning = m;
  }
  ASSERT_TRUE(published.is_object());
  // The table and its size come from the schema file and the config, database or not.
  EXPECT_EQ(codes(published), std::vector<std::string>{"missing-index-filter"});
  ASSERT_TRUE(warning.is_object());
  std::string message = warning["params"]["message"];
  EXPECT_NE(message.find("cannot read the schema from the database"), std::string::npos) << message;
  EXPECT_NE(message.find("schema files only, trying again in 5 s"), std::string::npos) << message;
}

const std::string kSlowScan =
    "Seq Scan on orders  (cost=0.00..185000.00 rows=120 width=16) (actual time=0.031..812.544 rows=118 loops=1)\n"
    "  Filter: (customer_id = 42)\n"
    "  Rows Removed by Filter: 4999882\n"
    "  Buffers: shared hit=2048 read=60452\n"
    "Planning Time: 0.110 ms\n"
    "Execution Time: 812.601 ms\n";

// What the code actions on a plan's findings edit: the files their DDL goes into, and whether
// an "Ignore" action was offered.
struct PlanActions {
  std::set<std::string> ddl_targets;
  bool ignore_offered = false;
};

PlanActions plan_actions(Session& s, const std::string& uri, const std::string& plan) {
  PlanActions out;
  auto published = s.send(open(uri, plan));
  EXPECT_FALSE(published.empty());
  if (published.empty()) return out;
  const json& ds = published.back()["params"]["diagnostics"];
  EXPECT_FALSE(ds.empty()) << published.back().dump();
  for (const json& d : ds) {
    auto actions = s.send(
        {{"jsonrpc", "2.0"},
         {"id", 2},
         {"method", "textDocument/codeAction"},
         {"params",
          {{"textDocument", {{"uri", uri}}}, {"range", d["range"]}, {"context", {{"diagnostics", json::array()}}}}}});
    EXPECT_EQ(actions.size(), 1u);
    if (actions.size() != 1) continue;
    for (const json& a : actions[0]["result"]) {
      std::string title = a["title"];
      if (title.find("Ignore") != std::string::npos) out.ignore_offered = true;
      if (!a.contains("edit")) continue;
      for (const auto& [target, edits] : a["edit"]["changes"].items()) {
        out.ddl_targets.insert(target);
        EXPECT_EQ(edits[0]["newText"].get<std::string>().rfind("-- pglens: suggested DDL", 0), 0u);
      }
    }
  }
  return out;
}

std::vector<json> database_statuses(const std::vector<json>& out) {
  std::vector<json> statuses;
  for (const json& m : out)
    if (m.value("method", "") == "pglens/databaseStatus") statuses.push_back(m["params"]);
  return statuses;
}

// The editor's status bar follows the database: connecting, then unreachable with the time
// of the next try, from the editor's own setting.
TEST(LspDatabaseStatus, AnUnreachableDatabaseIsReportedWithItsNextTry) {
  test::TempDir dir;
  auto root = std::filesystem::canonical(dir.path());
  Session s;
  auto out =
      s.send(initialize(root, {{"databaseUrl", "postgresql://pglens:secret@127.0.0.1:1/app?connect_timeout=3"}}));
  auto more = s.send(open(path_to_uri(root / "q.sql"), "SELECT 1;\n"));
  out.insert(out.end(), more.begin(), more.end());
  auto statuses = database_statuses(out);
  ASSERT_EQ(statuses.size(), 2u) << json(out).dump();
  EXPECT_EQ(statuses[0]["state"], "connecting");
  EXPECT_EQ(statuses[0]["source"], "setting");
  EXPECT_EQ(statuses[0]["config"], "");
  EXPECT_EQ(statuses[1]["state"], "unreachable");
  EXPECT_EQ(statuses[1]["source"], "setting");
  EXPECT_EQ(statuses[1]["retryInSeconds"], 5);
  std::string message = statuses[1]["message"];
  EXPECT_NE(message.find("cannot read the schema from the database"), std::string::npos) << message;
  EXPECT_EQ(message.find("secret"), std::string::npos) << message;
}

TEST(LspDatabaseStatus, AReachableDatabaseIsConnectedWithItsTables) {
  PGLENS_REQUIRE_CLUSTER(pg);
  pg->exec("CREATE TABLE IF NOT EXISTS lsp_status_probe (id bigint PRIMARY KEY)");
  test::TempDir dir;
  auto root = std::filesystem::canonical(dir.path());
  Session s;
  s.send(initialize(
      root, {{"pglens", {{"databaseUrl", fmt::format("postgresql://postgres@127.0.0.1:{}/postgres", pg->port())}}}}));
  auto statuses = database_statuses(s.send(open(path_to_uri(root / "q.sql"), "SELECT id FROM lsp_status_probe;\n")));
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0]["state"], "connecting");
  EXPECT_EQ(statuses[1]["state"], "connected");
  EXPECT_EQ(statuses[1]["source"], "setting");
  EXPECT_GE(statuses[1]["tables"].get<int64_t>(), 1);
}

// A plan names its query in a comment at its top; the plan's DDL suggestion goes into that
// file as a comment, never into the plan, and no suppression comment is offered for plans.
TEST(LspPlans, PairedQueryTakesTheDdlAndNoIgnoreIsOffered) {
  test::TempDir dir;
  auto root = std::filesystem::canonical(dir.path());
  test::write_file(root / "report.sql", "SELECT id, total FROM orders WHERE customer_id = 42;\n");
  Session s;
  s.send(initialize(root));
  auto actions = plan_actions(s, path_to_uri(root / "slow.plan"), "-- pglens-query: report.sql\n" + kSlowScan);
  EXPECT_EQ(actions.ddl_targets, std::set<std::string>{path_to_uri(root / "report.sql")});
  EXPECT_FALSE(actions.ignore_offered);
}

// Without the comment a plan has no query, unless the setting `planQueryPairing` pairs it by
// its name: with the query of the same name beside it, or one a path template names.
TEST(LspPlans, PlanQueryPairingSettingPairsByName) {
  test::TempDir dir;
  auto root = std::filesystem::canonical(dir.path());
  test::write_file(root / "report.sql", "SELECT id, total FROM orders WHERE customer_id = 42;\n");
  test::write_file(root / "queries" / "monthly.sql", "SELECT id, total FROM orders WHERE customer_id = 42;\n");
  {
    Session s;  // the default: the comment only
    s.send(initialize(root));
    EXPECT_TRUE(plan_actions(s, path_to_uri(root / "report.plan"), kSlowScan).ddl_targets.empty());
  }
  {
    Session s;
    s.send(initialize(root, {{"planQueryPairing", "sameName"}}));
    EXPECT_EQ(plan_actions(s, path_to_uri(root / "report.plan"), kSlowScan).ddl_targets,
              std::set<std::string>{path_to_uri(root / "report.sql")});
    // No query of that name: nothing is paired (no file is created for a DDL comment).
    EXPECT_TRUE(plan_actions(s, path_to_uri(root / "other.explain"), kSlowScan).ddl_targets.empty());
    // The comment wins over the setting.
    EXPECT_EQ(plan_actions(s, path_to_uri(root / "first.plan"), "-- pglens-query: queries/monthly.sql\n" + kSlowScan)
                  .ddl_targets,
              std::set<std::string>{path_to_uri(root / "queries" / "monthly.sql")});
  }
  {
    Session s;
    s.send(initialize(root, {{"pglens", {{"planQueryPairing", "../queries/${name}.sql"}}}}));
    EXPECT_EQ(plan_actions(s, path_to_uri(root / "plans" / "monthly.plan"), kSlowScan).ddl_targets,
              std::set<std::string>{path_to_uri(root / "queries" / "monthly.sql")});
  }
}

TEST(LspPlans, PlanQueryPairingByName) {
  EXPECT_EQ(plan_query_by_name("comment", "/w/report.plan"), "");
  EXPECT_EQ(plan_query_by_name("sameName", "/w/report.plan"), "report.sql");
  EXPECT_EQ(plan_query_by_name("sameName", "/w/slow.report.explain"), "slow.report.sql");
  EXPECT_EQ(plan_query_by_name("../sql/${name}/${name}.sql", "/w/plans/q1.plan"), "../sql/q1/q1.sql");
  Settings settings;
  std::vector<std::string> problems;
  apply_settings({{"planQueryPairing", "sibling"}}, settings, problems);
  EXPECT_EQ(settings.plan_query_pairing, "comment");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("planQueryPairing"), std::string::npos);
}

}  // namespace
}  // namespace pglens::lsp
