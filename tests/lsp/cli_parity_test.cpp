// One engine, one answer: every SQL fixture opened in the language server gets exactly the
// findings `pglens lint` prints for the file (rule, position, severity, message), with the
// fixture's own configuration when it has one: both use the DDL in the file as schema.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lsp/session.hpp"
#include "lsp/uri.hpp"
#include "support/fixtures.hpp"

namespace pglens::lsp {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// "rule line:column-line:column severity message", positions 1-based in UTF-8 bytes.
using Finding = std::string;

std::string severity_name(int lsp_severity) {
  switch (lsp_severity) {
    case 1: return "error";
    case 2: return "warning";
    default: return "info";
  }
}

std::vector<Finding> cli_findings(const fs::path& file, const fs::path& config) {
  std::string args = "lint --format json ";
  if (!config.empty()) args += "--config '" + config.string() + "' ";
  test::RunResult run = test::run_pglens(args + "'" + file.string() + "'");
  EXPECT_NE(run.exit_code, 2) << run.err;
  std::vector<Finding> out;
  for (const json& d : json::parse(run.out))
    out.push_back(fmt::format("{} {}:{}-{}:{} {} {}", d["rule"].get<std::string>(), d["line"].get<int>(),
                              d["column"].get<int>(), d["end_line"].get<int>(), d["end_column"].get<int>(),
                              d["severity"].get<std::string>(), d["message"].get<std::string>()));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Finding> server_findings(const fs::path& file, const fs::path& config) {
  Session s;
  json options = json::object();
  if (!config.empty()) options["configPath"] = config.string();
  options["maxDiagnostics"] = 1000000;
  s.send({{"jsonrpc", "2.0"},
          {"id", 1},
          {"method", "initialize"},
          {"params",
           {{"rootUri", path_to_uri(file.parent_path())},
            {"initializationOptions", options},
            {"capabilities", {{"general", {{"positionEncodings", json::array({"utf-8"})}}}}}}}});
  auto out = s.send(
      {{"jsonrpc", "2.0"},
       {"method", "textDocument/didOpen"},
       {"params",
        {{"textDocument",
          {{"uri", path_to_uri(file)}, {"languageId", "sql"}, {"version", 1}, {"text", test::read_file(file)}}}}}});
  std::vector<Finding> findings;
  for (const json& m : out) {
    if (m.value("method", "") != "textDocument/publishDiagnostics") continue;
    findings.clear();
    for (const json& d : m["params"]["diagnostics"]) {
      const json& r = d["range"];
      findings.push_back(fmt::format("{} {}:{}-{}:{} {} {}", d.value("code", ""), r["start"]["line"].get<int>() + 1,
                                     r["start"]["character"].get<int>() + 1, r["end"]["line"].get<int>() + 1,
                                     r["end"]["character"].get<int>() + 1, severity_name(d["severity"].get<int>()),
                                     d["message"].get<std::string>()));
    }
  }
  std::sort(findings.begin(), findings.end());
  return findings;
}

TEST(LspCliParity, EverySqlFixtureGetsTheFindingsOfPglensLint) {
  size_t files = 0, findings = 0, with_ddl = 0;
  for (const fs::path& file : test::sql_fixture_files()) {
    SCOPED_TRACE(file.string());
    fs::path config = fs::path(file).replace_extension(".toml");
    if (!fs::exists(config)) config.clear();
    std::vector<Finding> cli = cli_findings(file, config);
    EXPECT_EQ(server_findings(file, config), cli);
    ++files;
    findings += cli.size();
    if (test::read_file(file).find("CREATE TABLE") != std::string::npos) ++with_ddl;
  }
  EXPECT_GE(files, 19u);
  EXPECT_GT(findings, 60u);
  EXPECT_GT(with_ddl, 5u);  // the files whose own DDL is the schema
}

}  // namespace
}  // namespace pglens::lsp
