// Issue 3's acceptance, end to end as a user runs it: `pglens lint` over examples/ reports
// every schema-aware rule with DDL or a rewrite to paste; then, on a throwaway PostgreSQL
// holding the example schema with a million orders, the queries it flags read their table
// with a Seq Scan, and after creating the suggested indexes (and applying the rewrites of
// `--fix --unsafe-fixes`) the same queries use index scans.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "sql/lexer.hpp"
#include "support/fixtures.hpp"
#include "support/pg_cluster.hpp"

namespace pglens {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Rules of the catalog issue that must each fire on examples/ (once they are registered).
const char* const kSchemaRules[] = {
    "missing-index-filter",   "missing-index-join",     "missing-index-sort", "fk-without-index",
    "non-sargable-predicate", "partition-pruning-miss", "unbounded-select",   "in-app-aggregation",
    "single-row-inserts",     "large-offset",           "not-in-subquery",    "select-star",
};
// Rules whose DDL is an index that should turn the flagged query's Seq Scan into an index scan.
const std::set<std::string> kIndexRules = {"missing-index-filter", "missing-index-join", "missing-index-sort",
                                           "non-sargable-predicate"};

json lint_json(const fs::path& dir) {
  auto run = test::run_pglens("lint --format json .", {}, dir);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  return json::parse(run.out.empty() ? "[]" : run.out);
}

bool registered(const std::string& rule) { return test::run_pglens("rule " + rule).exit_code == 0; }

TEST(ExamplesAcceptance, EverySchemaRuleFiresWithSomethingToPaste) {
  json findings = lint_json(test::source_dir() / "examples");
  for (const char* rule : kSchemaRules) {
    if (!registered(rule)) continue;
    bool fired = false, pasteable = false;
    for (const auto& f : findings) {
      if (f["rule"] != rule) continue;
      fired = true;
      // DDL, a fix, or a rewrite in backquotes in the help text.
      if (f.contains("ddl") || f.contains("fix") || f.value("help", "").find('`') != std::string::npos)
        pasteable = true;
    }
    EXPECT_TRUE(fired) << rule << " does not fire on examples/";
    EXPECT_TRUE(pasteable) << rule << " fires on examples/ with neither DDL, fix nor rewrite";
  }
}

struct Flagged {
  std::string rule, file, table, ddl;
  size_t statement = 0;  // index in its file
};

size_t statement_at(const std::string& text, uint32_t offset) {
  auto lexed = sql::lex(text);
  for (size_t i = 0; i < lexed.statements.size(); ++i)
    if (offset < lexed.statements[i].end) return i;
  return lexed.statements.size();
}

std::string statement_text(const std::string& text, size_t index) {
  auto lexed = sql::lex(text);
  if (index >= lexed.statements.size()) return {};
  const Span s = lexed.statements[index].span;
  return text.substr(s.begin, s.end - s.begin);
}

// `CREATE INDEX ... ON [ONLY] table (...)`: the table.
std::string ddl_table(const std::string& ddl) {
  auto on = ddl.find(" ON ");
  if (on == std::string::npos) return {};
  std::string rest = ddl.substr(on + 4);
  if (rest.starts_with("ONLY ")) rest = rest.substr(5);
  return rest.substr(0, rest.find_first_of(" ("));
}

// Parameters become untyped literals: the server infers their types, as it would for $n.
std::string bind_parameters(std::string sql) {
  for (size_t at = sql.find('$'); at != std::string::npos; at = sql.find('$', at)) {
    size_t end = at + 1;
    while (end < sql.size() && std::isdigit(static_cast<unsigned char>(sql[end]))) ++end;
    if (end == at + 1) {
      ++at;
      continue;
    }
    sql.replace(at, end - at, "'1'");
  }
  return sql;
}

std::string explain(test::PgCluster& pg, const std::string& query) {
  std::string text;
  for (const auto& line : pg.column("EXPLAIN " + bind_parameters(query))) text += line + "\n";
  return text;
}

// Only this test's tables: a database-wide VACUUM ANALYZE would re-sample the tables of
// tests running beside it on the shared cluster, and flip their plans mid-test.
void vacuum_analyze_schema(test::PgCluster& pg) {
  for (const auto& table :
       pg.column("SELECT format('%I.%I', schemaname, relname) FROM pg_stat_user_tables WHERE schemaname = "
                 "'examples_live'"))
    pg.exec("VACUUM ANALYZE " + table);
}

bool seq_scans(const std::string& plan, const std::string& table) {
  return plan.find("Seq Scan on " + table + " ") != std::string::npos ||
      plan.find("Seq Scan on " + table + "\n") != std::string::npos;
}

bool index_scans(const std::string& plan, const std::string& table) {
  for (const char* kind : {"Index Scan", "Index Only Scan"}) {
    for (size_t at = plan.find(kind); at != std::string::npos; at = plan.find(kind, at + 1)) {
      std::string line = plan.substr(at, plan.find('\n', at) - at);
      if (line.find(" on " + table + " ") != std::string::npos || line.ends_with(" on " + table)) return true;
    }
  }
  return plan.find("Bitmap Heap Scan on " + table) != std::string::npos;
}

std::vector<std::string> split_ddl(const std::string& ddl) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < ddl.size()) {
    size_t end = ddl.find(";\n", start);
    if (end == std::string::npos) end = ddl.size();
    std::string one = ddl.substr(start, end - start);
    if (one.find_first_not_of(" \n;") != std::string::npos) out.push_back(one);
    start = end + 2;
  }
  return out;
}

TEST(ExamplesAcceptance, SuggestedIndexesTurnTheFlaggedSeqScansIntoIndexScans) {
  PGLENS_REQUIRE_CLUSTER(pg);
  // Its schema goes with it, whatever it asserts: the live tests of one process share the
  // server, and one that reads every schema (CatalogLive.*) must not see this one.
  struct DropSchema {
    test::PgCluster& pg;
    ~DropSchema() {
      try {
        pg.exec("DROP SCHEMA IF EXISTS examples_live CASCADE");
      } catch (...) {}
    }
  } drop_schema{*pg};
  test::TempDir dir;
  fs::copy(test::source_dir() / "examples", dir.path(), fs::copy_options::recursive);

  std::vector<Flagged> flagged;
  for (const auto& f : lint_json(dir.path())) {
    if (!kIndexRules.contains(f["rule"]) || !f.contains("ddl")) continue;
    Flagged x{f["rule"], f["file"], ddl_table(f["ddl"]), f["ddl"]};
    std::string text = test::read_file(dir / x.file);
    x.statement = statement_at(text, f["offset"].get<uint32_t>());
    std::string sql = statement_text(text, x.statement);
    if (!sql.starts_with("SELECT") || x.table.empty()) continue;
    flagged.push_back(x);
  }
  ASSERT_GE(flagged.size(), 5u) << "examples/ should flag at least five queries with an index";

  pg->exec("DROP SCHEMA IF EXISTS examples_live CASCADE; CREATE SCHEMA examples_live; SET search_path = examples_live");
  pg->exec(test::read_file(test::source_dir() / "examples/schema.sql"));
  pg->exec(test::read_file(test::testdata("acceptance/examples-data.sql")));
  vacuum_analyze_schema(*pg);

  std::map<std::pair<std::string, size_t>, std::string> before;
  for (const auto& x : flagged) {
    std::string sql = statement_text(test::read_file(dir / x.file), x.statement);
    std::string plan = explain(*pg, sql);
    EXPECT_TRUE(seq_scans(plan, x.table)) << x.rule << " flagged " << x.file << " #" << x.statement
                                          << " but its plan does not Seq Scan " << x.table << ":\n"
                                          << sql << "\n"
                                          << plan;
    before[{x.file, x.statement}] = plan;
  }

  // What a user does next: create the indexes, apply the rewrites.
  std::set<std::string> created;
  for (const auto& x : flagged)
    for (const auto& ddl : split_ddl(x.ddl))
      if (created.insert(ddl).second) pg->exec(ddl);
  vacuum_analyze_schema(*pg);
  std::map<std::string, size_t> statements_before;
  for (const auto& x : flagged) statements_before[x.file] = sql::lex(test::read_file(dir / x.file)).statements.size();
  auto fix = test::run_pglens("lint --fix --unsafe-fixes .", {}, dir.path());
  ASSERT_NE(fix.exit_code, 2) << fix.err;

  for (const auto& x : flagged) {
    std::string text = test::read_file(dir / x.file);
    ASSERT_EQ(sql::lex(text).statements.size(), statements_before[x.file]) << x.file;
    std::string sql = statement_text(text, x.statement);
    std::string plan = explain(*pg, sql);
    EXPECT_FALSE(seq_scans(plan, x.table)) << sql << "\n" << plan;
    EXPECT_TRUE(index_scans(plan, x.table)) << sql << "\n" << plan;
    // The line of the plan that reads the table, and the plan's total cost.
    auto scan_line = [&](const std::string& p) {
      size_t at = p.find(" on " + x.table);
      size_t begin = p.rfind('\n', at) + 1;  // npos + 1 == 0 on the first line
      std::string line = p.substr(begin, p.find('\n', at) - begin);
      return line.substr(line.find_first_not_of(" ->")) + "  | total " +
          p.substr(p.find("..") + 2, p.find(' ', p.find("..")) - p.find("..") - 2);
    };
    std::printf("[ measured ] %s %s (%s)\n  query (after --fix): %s\n  before: %s\n  after:  %s\n", x.file.c_str(),
                x.table.c_str(), x.rule.c_str(), sql.c_str(), scan_line(before[{x.file, x.statement}]).c_str(),
                scan_line(plan).c_str());
  }
}

}  // namespace
}  // namespace pglens
