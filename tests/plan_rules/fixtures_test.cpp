// Runs the plan rules over every captured plan in testdata/plan-rules/<rule>/<case>.txt and
// demands an exact match with <case>.expect: every finding listed, nothing else.
//   <rule-id> node <N>     a finding of that rule on the node numbered N (0: the plan as a whole)
//   ddl: <line>            a line that must appear in the DDL of some finding
// A case named *-ok is a healthy (negative) case for the rule of its directory. An optional
// <case>.toml is the config it runs with, an optional <case>.sql the DDL of the catalog it
// runs with (otherwise none).
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "pglens/plan.hpp"
#include "pglens/plan_rules.hpp"
#include "pglens/rule.hpp"
#include "support/fixtures.hpp"

namespace pglens {
namespace {

namespace fs = std::filesystem;

struct Expectation {
  std::multiset<std::string> findings;  // "seq-scan-large node 1"
  std::vector<std::string> ddl;
};

Expectation read_expectation(const fs::path& file) {
  Expectation e;
  std::istringstream in(test::read_file(file));
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (line.starts_with("ddl: ")) e.ddl.push_back(line.substr(5));
    else e.findings.insert(line);
  }
  return e;
}

std::string describe(const plan::Diagnosis& d) {
  std::string out;
  for (const auto& f : d.findings)
    out += "  " + f.rule + " node " + std::to_string(f.node < 0 ? 0 : f.node_id) + ": " + f.message +
        "\n    ddl: " + f.ddl + "\n";
  return out;
}

std::vector<fs::path> plan_files() {
  std::vector<fs::path> out;
  fs::path root = test::testdata("plan-rules");
  if (!fs::is_directory(root)) return out;
  for (auto& e : fs::recursive_directory_iterator(root))
    if (e.path().extension() == ".txt" || e.path().extension() == ".json") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

plan::Diagnosis diagnose_file(const fs::path& file) {
  Config config;
  fs::path toml = file;
  toml.replace_extension(".toml");
  if (fs::exists(toml)) { EXPECT_FALSE(load_config(toml, config)) << toml; }
  Catalog catalog;
  fs::path ddl = file;
  ddl.replace_extension(".sql");
  if (fs::exists(ddl)) load_ddl(catalog, test::read_file(ddl), ddl.filename().string());
  auto read = plan::read_plans(test::read_file(file));
  EXPECT_EQ(read.plans.size(), 1u) << file;
  if (read.plans.empty()) return {};
  return plan::diagnose(read.plans.front(), config, catalog);
}

TEST(PlanRuleFixtures, EveryPlanGetsExactlyTheFindingsItsExpectFileLists) {
  auto files = plan_files();
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    fs::path expect_file = file;
    expect_file.replace_extension(".expect");
    ASSERT_TRUE(fs::exists(expect_file)) << "no " << expect_file;
    Expectation expected = read_expectation(expect_file);
    plan::Diagnosis d = diagnose_file(file);
    std::multiset<std::string> actual;
    for (const auto& f : d.findings) actual.insert(f.rule + " node " + std::to_string(f.node < 0 ? 0 : f.node_id));
    for (const auto& e : expected.findings)
      EXPECT_GE(actual.count(e), expected.findings.count(e)) << "missing: " << e << "\nfound:\n" << describe(d);
    for (const auto& a : actual)
      EXPECT_GE(expected.findings.count(a), actual.count(a)) << "unexpected: " << a << "\nfound:\n" << describe(d);
    for (const auto& line : expected.ddl) {
      bool found = std::any_of(d.findings.begin(), d.findings.end(), [&](const plan::Finding& f) {
        return ("\n" + f.ddl + "\n").find("\n" + line + "\n") != std::string::npos;
      });
      EXPECT_TRUE(found) << "no finding carries the DDL line: " << line << "\nfound:\n" << describe(d);
    }
    // Ordered by impact, each finding on a real node with its lines.
    for (size_t i = 1; i < d.findings.size(); ++i) EXPECT_GE(d.findings[i - 1].impact, d.findings[i].impact);
    for (const auto& f : d.findings) {
      if (f.node >= 0) { EXPECT_GT(f.lines.first, 0u) << f.rule; }
      EXPECT_FALSE(f.message.empty());
      EXPECT_FALSE(f.why.empty()) << f.rule;
    }
  }
}

TEST(PlanRuleFixtures, EveryPlanRuleHasAPositiveAndAHealthyCase) {
  for (const RuleInfo* r : all_rules()) {
    if (!r->targets.plan) continue;
    SCOPED_TRACE(std::string(r->id));
    fs::path dir = test::testdata("plan-rules") / std::string(r->id);
    ASSERT_TRUE(fs::is_directory(dir));
    size_t positives = 0, healthy = 0;
    std::string fires = std::string(r->id) + " node ";
    for (auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() != ".expect") continue;
      auto expected = read_expectation(e.path());
      bool fired = std::any_of(expected.findings.begin(), expected.findings.end(),
                               [&](const std::string& f) { return f.starts_with(fires); });
      bool ok_case = e.path().stem().string().ends_with("-ok");
      EXPECT_FALSE(ok_case && fired) << e.path() << " is a healthy case yet expects " << r->id;
      positives += fired;
      healthy += ok_case;
    }
    EXPECT_GT(positives, 0u) << "no captured plan on which " << r->id << " fires";
    EXPECT_GT(healthy, 0u) << "no healthy (*-ok) plan on which " << r->id << " must stay quiet";
  }
}

// Plans of healthy queries (testdata/plan-rules/healthy): a finding there may state a fact
// (severity info), never a warning.
TEST(PlanRuleFixtures, HealthyPlansGetNoWarning) {
  size_t plans = 0;
  for (auto& e : fs::directory_iterator(test::testdata("plan-rules/healthy"))) {
    if (e.path().extension() != ".txt" && e.path().extension() != ".json") continue;
    SCOPED_TRACE(e.path().string());
    ++plans;
    plan::Diagnosis d = diagnose_file(e.path());
    for (const auto& f : d.findings) EXPECT_EQ(f.severity, Severity::info) << f.rule << ": " << f.message;
  }
  EXPECT_GT(plans, 0u);
}

// The index a plan already reads through is never suggested again (here through a Bitmap
// Index Scan, which names no relation itself).
TEST(PlanRuleFixtures, NoSuggestionRepeatsTheIndexThePlanUses) {
  plan::Diagnosis d =
      diagnose_file(test::testdata("plan-rules/filter-removes-most-rows/unindexable-filter-no-duplicate.txt"));
  ASSERT_EQ(d.findings.size(), 1u);
  EXPECT_TRUE(d.indexes.empty()) << d.indexes.front().ddl;
  EXPECT_EQ(d.findings.front().ddl, "");
}

// Thresholds are options: raising one silences the rule on its own positive fixture.
TEST(PlanRuleFixtures, ThresholdsAreOptions) {
  auto file = test::testdata("plan-rules/seq-scan-large/filter-unindexed.txt");
  auto read = plan::read_plans(test::read_file(file));
  ASSERT_EQ(read.plans.size(), 1u);
  Config config;
  auto count = [&](const Config& c) {
    auto d = plan::diagnose(read.plans.front(), c, Catalog::none());
    return std::count_if(d.findings.begin(), d.findings.end(),
                         [](const plan::Finding& f) { return f.rule == "seq-scan-large"; });
  };
  EXPECT_EQ(count(config), 1);
  ASSERT_FALSE(parse_config("[rules.seq-scan-large]\nmin-rows = 1000000\n", "t.toml", config));
  EXPECT_EQ(count(config), 0);
  Config off;
  ASSERT_FALSE(parse_config("ignore = [\"seq-scan-large\"]\n", "t.toml", off));
  EXPECT_EQ(count(off), 0);
}

// The healthy plans of the plan readers' conformance suite (captured from the same kind of
// throwaway server): index scans, pruned partitions, in-memory sorts ... no rule fires.
TEST(PlanRuleFixtures, HealthyConformancePlansStayQuiet) {
  for (const char* name : {"scan_index", "scan_index_only", "scan_index_backward", "scan_bitmap_and", "scan_bitmap_or",
                           "partition_pruned", "partition_runtime_pruning", "sort_in_memory", "sort_incremental",
                           "memoize", "join_nested_loop", "parallel_hash_join", "window", "setops", "limit_offset"}) {
    SCOPED_TRACE(name);
    for (const char* ext : {".txt", ".json"}) {
      auto file = test::testdata("plan/captured") / (std::string(name) + ext);
      ASSERT_TRUE(fs::exists(file)) << file;
      auto read = plan::read_plans(test::read_file(file));
      ASSERT_EQ(read.plans.size(), 1u);
      auto d = plan::diagnose(read.plans.front(), Config{}, Catalog::none());
      EXPECT_TRUE(d.healthy()) << file << "\n" << describe(d);
    }
  }
}

}  // namespace
}  // namespace pglens
