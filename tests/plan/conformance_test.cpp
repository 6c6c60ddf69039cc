// The same EXPLAIN in TEXT, JSON, YAML and XML must read to the same tree. Against a live
// throwaway PostgreSQL (tests/support/pg_cluster) and, without a server, against the plans
// captured from it in testdata/plan/captured/ (UPDATE_CAPTURED=1 rewrites those).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <set>

#include "plan/plan_test_util.hpp"
#include "support/pg_cluster.hpp"

namespace pglens::test {
namespace {

namespace fs = std::filesystem;

struct Query {
  std::string name, options, set, sql;
  bool rollback = false;
};

std::vector<Query> load_queries() {
  std::string text = read_file(testdata("plan/conformance/queries.sql"));
  std::vector<Query> out;
  Query cur;
  auto flush = [&] {
    if (!cur.name.empty() && !cur.sql.empty()) out.push_back(cur);
    cur = {};
  };
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    auto meta = [&](std::string_view key) -> std::optional<std::string> {
      std::string prefix = "-- " + std::string(key) + ": ";
      if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
      return std::nullopt;
    };
    if (line.empty()) {
      flush();
    } else if (auto v = meta("name")) {
      cur.name = *v;
    } else if (auto o = meta("options")) {
      cur.options = *o;
    } else if (auto s = meta("set")) {
      cur.set = *s;
    } else if (auto r = meta("rollback")) {
      cur.rollback = *r == "yes";
    } else if (line.rfind("--", 0) != 0) {
      cur.sql += (cur.sql.empty() ? "" : "\n") + line;
    }
    if (eol == text.size()) break;
  }
  flush();
  return out;
}

// Splits a script at ';' line ends, keeping $$ bodies whole.
std::vector<std::string> split_script(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  bool in_body = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.rfind("--", 0) == 0) continue;
    for (size_t i = line.find("$$"); i != std::string::npos; i = line.find("$$", i + 2)) in_body = !in_body;
    cur += line + "\n";
    size_t end = line.find_last_not_of(' ');
    if (!in_body && end != std::string::npos && line[end] == ';') {
      out.push_back(cur);
      cur.clear();
    }
  }
  if (cur.find_first_not_of(" \n") != std::string::npos) out.push_back(cur);
  return out;
}

const char* const kFormats[] = {"TEXT", "JSON", "YAML", "XML"};
const char* const kExtensions[] = {"txt", "json", "yaml", "xml"};

plan::DescribeOptions comparison(bool analyzed) {
  plan::DescribeOptions o;
  o.properties = false;  // TEXT prints some properties only when they are not the default
  o.timings = false;     // four executions, four timings
  o.lines = false;
  if (analyzed) {
    o.runtime = false;  // worker distribution, hint bits: vary between executions
    o.summary = false;
    o.actual_rows = false;  // per-loop rows depend on how many workers joined in: compared as totals
  } else {
    o.summary = true;
  }
  return o;
}

// Reads the four renderings and compares them to the TEXT one.
void expect_same_tree(const std::string& name, const std::array<std::string, 4>& renderings) {
  std::array<plan::Plan, 4> plans;
  for (size_t f = 0; f < 4; ++f) {
    auto result = plan::read_plans(renderings[f]);
    for (const auto& e : result.errors)
      ADD_FAILURE() << name << " " << kFormats[f] << ": line " << e.line << ": " << e.message;
    ASSERT_EQ(result.plans.size(), 1u) << name << " " << kFormats[f];
    ASSERT_TRUE(result.format.has_value());
    EXPECT_EQ(plan::to_string(*result.format),
              std::string_view(kExtensions[f] == std::string("txt") ? "text" : kExtensions[f]))
        << name;
    plans[f] = std::move(result.plans.front());
  }
  bool analyzed = plans[1].analyzed();
  auto opt = comparison(analyzed);
  std::string text = plan::describe(plans[0], opt);
  EXPECT_FALSE(plans[0].nodes.empty()) << name;
  for (size_t f = 1; f < 4; ++f) {
    EXPECT_EQ(text, plan::describe(plans[f], opt)) << name << ": TEXT and " << kFormats[f] << " differ";
    if (!analyzed || plans[f].nodes.size() != plans[0].nodes.size()) continue;
    // Each rendering is a separate run: on a busy machine a Gather may launch fewer workers
    // in one of them, and then row counts really differ (each participant contributes its
    // own partial groups, or runs a non-parallel subtree whole). Compare rows only between
    // runs that launched the same workers.
    bool same_workers = true;
    for (size_t i = 0; i < plans[0].nodes.size(); ++i)
      same_workers = same_workers && plans[0].nodes[i].workers_launched == plans[f].nodes[i].workers_launched;
    if (!same_workers) continue;
    for (size_t i = 0; i < plans[0].nodes.size(); ++i) {
      const auto& a = plans[0].nodes[i];
      const auto& b = plans[f].nodes[i];
      EXPECT_EQ(a.never_executed, b.never_executed) << name << " node " << a.id;
      EXPECT_EQ(a.actual_rows.has_value(), b.actual_rows.has_value()) << name << " node " << a.id;
      // Rows x loops agree when both runs looped alike (PostgreSQL rounds per-loop rows before
      // 18: allow that rounding).
      if (a.actual_loops == b.actual_loops) {
        EXPECT_NEAR(a.metrics.total_rows, b.metrics.total_rows, a.actual_loops.value_or(1) + b.actual_loops.value_or(1))
            << name << " node " << a.id << ": total rows differ between TEXT and " << kFormats[f];
      }
    }
  }
  // The structured formats share their key names: they must agree on everything but times.
  plan::DescribeOptions strict;
  strict.timings = false;
  strict.actual_rows = !analyzed;
  strict.runtime = !analyzed;
  strict.summary = !analyzed;
  for (size_t f = 2; f < 4; ++f) {
    // XML names some groups after their type, not their label ("Incremental-Sort-Groups" for
    // "Full-sort Groups"): its leftover properties are compared by presence only.
    strict.properties = f != 3;
    EXPECT_EQ(plan::describe(plans[1], strict), plan::describe(plans[f], strict))
        << name << ": JSON and " << kFormats[f] << " differ";
  }
  for (size_t i = 0; i < plans[1].nodes.size() && i < plans[3].nodes.size(); ++i)
    EXPECT_EQ(plans[1].nodes[i].properties.size(), plans[3].nodes[i].properties.size())
        << name << ": XML node " << i + 1 << " has a different number of properties than JSON";
  // Every node remembers its lines.
  for (size_t f = 0; f < 4; ++f)
    for (const auto& n : plans[f].nodes) EXPECT_GT(n.lines.first, 0u) << name << " " << kFormats[f] << " node " << n.id;
}

std::string run_explain(PgCluster& pg, const Query& q, const char* format) {
  pg.exec("RESET ALL; SET search_path = conformance");
  if (!q.set.empty()) pg.exec(q.set);
  if (q.rollback) pg.exec("BEGIN");
  std::string options = q.options.empty() ? "" : q.options + ", ";
  std::string out;
  try {
    for (const auto& row : pg.query("EXPLAIN (" + options + "FORMAT " + format + ") " + q.sql))
      out += row[0].value_or("") + "\n";
  } catch (...) {
    if (q.rollback) pg.exec("ROLLBACK");
    throw;
  }
  if (q.rollback) pg.exec("ROLLBACK");
  return out;
}

TEST(PlanConformance, LiveServerFormatsAgree) {
  PGLENS_REQUIRE_CLUSTER(pg);
  pg->exec("DROP SCHEMA IF EXISTS conformance CASCADE; CREATE SCHEMA conformance");
  pg->exec("SET search_path = conformance");
  for (const auto& stmt : split_script(read_file(testdata("plan/conformance/schema.sql")))) pg->exec(stmt);
  bool update = std::getenv("UPDATE_CAPTURED") && std::string(std::getenv("UPDATE_CAPTURED")) == "1";
  auto queries = load_queries();
  ASSERT_GE(queries.size(), 30u);
  for (const auto& q : queries) {
    std::array<std::string, 4> renderings;
    auto started = std::chrono::steady_clock::now();
    for (size_t f = 0; f < 4; ++f) renderings[f] = run_explain(*pg, q, kFormats[f]);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    if (ms > 500) std::cerr << "note: " << q.name << " took " << ms << " ms for its four EXPLAINs\n";
    expect_same_tree(q.name, renderings);
    if (update)
      for (size_t f = 0; f < 4; ++f)
        write_file(testdata("plan/captured/" + q.name + "." + kExtensions[f]), renderings[f]);
  }
  pg->exec("RESET ALL; DROP SCHEMA conformance CASCADE");
}

TEST(PlanConformance, CapturedFormatsAgree) {
  auto queries = load_queries();
  ASSERT_GE(queries.size(), 30u);
  for (const auto& q : queries) {
    std::array<std::string, 4> renderings;
    for (size_t f = 0; f < 4; ++f) {
      fs::path p = testdata("plan/captured/" + q.name + "." + kExtensions[f]);
      ASSERT_TRUE(fs::exists(p)) << p << " missing: run the suite with UPDATE_CAPTURED=1 against a server";
      renderings[f] = read_file(p);
    }
    expect_same_tree(q.name, renderings);
  }
}

// The captured suite covers every common node type and the situations the issue lists.
TEST(PlanConformance, CapturedSuiteCoversNodeTypes) {
  std::set<std::string> seen;
  bool sort_spill = false, agg_spill = false, initplan = false, subplan = false, never = false, cte = false,
       trigger = false, lossy = false, heap_fetches = false;
  for (const auto& q : load_queries()) {
    fs::path p = testdata("plan/captured/" + q.name + ".json");
    if (!fs::exists(p)) continue;
    auto result = plan::read_plans(read_file(p));
    for (const auto& pl : result.plans) {
      if (!pl.triggers.empty()) trigger = true;
      for (const auto& n : pl.nodes) {
        seen.insert(n.name().substr(0, n.name().find(" on ")));
        seen.insert(n.node_type);
        sort_spill |= n.sort_space_type == "Disk";
        agg_spill |= n.disk_usage_kb.value_or(0) > 0;
        initplan |= n.parent_relationship == "InitPlan" && n.subplan_name.rfind("CTE", 0) != 0;
        subplan |= n.parent_relationship == "SubPlan";
        cte |= n.subplan_name.rfind("CTE ", 0) == 0;
        never |= n.never_executed;
        lossy |= n.lossy_heap_blocks.value_or(0) > 0;
        heap_fetches |= n.heap_fetches.value_or(0) > 0;
      }
    }
  }
  for (const char* type : {"Seq Scan",
                           "Index Scan",
                           "Index Only Scan",
                           "Bitmap Heap Scan",
                           "Bitmap Index Scan",
                           "BitmapOr",
                           "BitmapAnd",
                           "Tid Scan",
                           "Function Scan",
                           "Values Scan",
                           "Subquery Scan",
                           "CTE Scan",
                           "WorkTable Scan",
                           "Nested Loop",
                           "Hash Join",
                           "Merge Join",
                           "Hash",
                           "Sort",
                           "Incremental Sort",
                           "HashAggregate",
                           "GroupAggregate",
                           "Aggregate",
                           "MixedAggregate",
                           "Partial HashAggregate",
                           "Finalize GroupAggregate",
                           "Gather",
                           "Gather Merge",
                           "Parallel Seq Scan",
                           "Parallel Hash Join",
                           "Recursive Union",
                           "Append",
                           "Merge Append",
                           "Limit",
                           "WindowAgg",
                           "Memoize",
                           "SetOp",
                           "HashSetOp Except",
                           "HashSetOp Intersect",
                           "Unique",
                           "LockRows",
                           "ProjectSet",
                           "Result",
                           "ModifyTable",
                           "Insert",
                           "Update",
                           "Delete",
                           "Materialize",
                           "Hash Anti Join",
                           "Hash Full Join"})
    EXPECT_TRUE(seen.count(type)) << "no captured plan has a " << type << " node";
  EXPECT_TRUE(sort_spill) << "no spilled sort";
  EXPECT_TRUE(agg_spill) << "no spilled hash aggregate";
  EXPECT_TRUE(initplan) << "no InitPlan";
  EXPECT_TRUE(subplan) << "no SubPlan";
  EXPECT_TRUE(cte) << "no CTE";
  EXPECT_TRUE(never) << "no never-executed node (runtime partition pruning)";
  EXPECT_TRUE(trigger) << "no trigger";
  EXPECT_TRUE(lossy) << "no lossy bitmap heap scan";
  EXPECT_TRUE(heap_fetches) << "no index-only scan with heap fetches";
}

}  // namespace
}  // namespace pglens::test
