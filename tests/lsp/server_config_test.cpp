// The server's schema sources: an unreachable database keeps the schema files' catalog and is
// asked again later; plans paired with their query file.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "lsp/session.hpp"
#include "lsp/uri.hpp"
#include "support/fixtures.hpp"

namespace pglens::lsp {
namespace {

using nlohmann::json;

json initialize(const std::filesystem::path& root, json options = json::object()) {
  return {{"jsonrpc", "2.0"},
          {"id", 1},
          {"method", "initialize"},
          {"params", {{"rootUri", path_to_uri(root)}, {"initializationOptions", options}, {"capabilities", json::object()}}}};
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
  test::write_file(root / ".pglens.toml", "schema = [\"schema.sql\"]\n\n[tables.\"public.events\"]\nrows = 2_000_000\n");
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

// A plan names its query in a comment at its top; the plan's DDL suggestion goes into that
// file as a comment, never into the plan, and no suppression comment is offered for plans.
TEST(LspPlans, PairedQueryTakesTheDdlAndNoIgnoreIsOffered) {
  test::TempDir dir;
  auto root = std::filesystem::canonical(dir.path());
  std::string plan =
      "-- pglens-query: report.sql\n"
      "Seq Scan on orders  (cost=0.00..185000.00 rows=120 width=16) (actual time=0.031..812.544 rows=118 loops=1)\n"
      "  Filter: (customer_id = 42)\n"
      "  Rows Removed by Filter: 4999882\n"
      "  Buffers: shared hit=2048 read=60452\n"
      "Planning Time: 0.110 ms\n"
      "Execution Time: 812.601 ms\n";
  test::write_file(root / "report.sql", "SELECT id, total FROM orders WHERE customer_id = 42;\n");
  Session s;
  s.send(initialize(root));
  std::string uri = path_to_uri(root / "slow.plan");
  auto out = s.send(open(uri, plan));
  ASSERT_FALSE(out.empty());
  const json& ds = out.back()["params"]["diagnostics"];
  ASSERT_FALSE(ds.empty()) << out.back().dump();
  bool any_ddl = false;
  for (const json& d : ds) {
    auto actions = s.send({{"jsonrpc", "2.0"},
                           {"id", 2},
                           {"method", "textDocument/codeAction"},
                           {"params", {{"textDocument", {{"uri", uri}}}, {"range", d["range"]}, {"context", {{"diagnostics", json::array()}}}}}});
    ASSERT_EQ(actions.size(), 1u);
    for (const json& a : actions[0]["result"]) {
      std::string title = a["title"];
      EXPECT_EQ(title.find("Ignore"), std::string::npos) << title;
      if (!a.contains("edit")) continue;
      for (const auto& [target, edits] : a["edit"]["changes"].items()) {
        EXPECT_EQ(target, path_to_uri(root / "report.sql")) << title;  // never the plan itself
        any_ddl = true;
        EXPECT_EQ(edits[0]["newText"].get<std::string>().rfind("-- pglens: suggested DDL", 0), 0u);
      }
    }
  }
  EXPECT_TRUE(any_ddl) << ds.dump();
}

}  // namespace
}  // namespace pglens::lsp
