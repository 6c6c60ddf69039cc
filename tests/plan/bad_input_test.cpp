// Bad input: what is not a plan, what is cut, what has garbage in it, what nests absurdly deep
// or is huge. The readers never throw and never recurse per plan level; whatever could be
// read comes back with errors naming the line.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "plan/plan_test_util.hpp"

namespace pglens::test {
namespace {

std::string base_plan() { return read_file(testdata("plan/text/base_analyze.txt")); }

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    out.push_back(text.substr(pos, eol - pos));
    pos = eol + 1;
  }
  return out;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string all_errors(const plan::ReadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += "line " + std::to_string(e.line) + ": " + e.message + "\n";
  return out;
}

TEST(PlanBadInput, NotAPlan) {
  for (std::string input : {std::string(), std::string("hello world\nSELECT 1;\n"), std::string("\x01\x02\xff\xfe", 4),
                            std::string("{\"not\": \"a plan\"}"), std::string("<html><body>hi</body></html>")}) {
    auto r = plan::read_plans(input);
    EXPECT_TRUE(r.plans.empty()) << input;
    ASSERT_FALSE(r.errors.empty()) << input;
    EXPECT_NE(all_errors(r).find("no EXPLAIN plan found"), std::string::npos) << all_errors(r);
    EXPECT_FALSE(r.format.has_value());
  }
}

TEST(PlanBadInput, TruncatedTextKeepsWhatWasRead) {
  std::string text = base_plan();
  size_t cut = text.find("->  Parallel Seq Scan");
  ASSERT_NE(cut, std::string::npos);
  cut = text.find("(actual", cut) + 12;  // in the middle of "(actual time=..."
  auto r = plan::read_plans(text.substr(0, cut));
  ASSERT_EQ(r.plans.size(), 1u);
  EXPECT_EQ(r.plans[0].nodes.size(), 8u);
  ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
  EXPECT_EQ(r.errors[0].line, 27u);
  EXPECT_NE(r.errors[0].message.find("cut"), std::string::npos) << r.errors[0].message;
}

TEST(PlanBadInput, MiddleCutOutIsReportedAndTheRestRead) {
  auto lines = split_lines(base_plan());
  // Drop lines 7-23 (Finalize GroupAggregate .. Partial HashAggregate's details).
  lines.erase(lines.begin() + 6, lines.begin() + 23);
  auto r = plan::read_plans(join_lines(lines));
  ASSERT_EQ(r.plans.size(), 1u);
  EXPECT_EQ(r.plans[0].nodes.size(), 6u);  // Limit, Sort, then the join subtree
  EXPECT_NE(all_errors(r).find("line 7: node is indented deeper than expected"), std::string::npos) << all_errors(r);
  EXPECT_EQ(r.plans[0].nodes[2].node_type, "Hash Join");
  EXPECT_EQ(r.plans[0].nodes[2].parent, 1);
}

TEST(PlanBadInput, GarbageMixedIn) {
  auto lines = split_lines(base_plan());
  lines.insert(lines.begin() + 10, "%%% lorem ipsum %%%");
  lines.insert(lines.begin() + 4, std::string("\x01\x02 binary \xff", 12));
  auto r = plan::read_plans(join_lines(lines));
  ASSERT_EQ(r.plans.size(), 1u);
  EXPECT_EQ(r.plans[0].nodes.size(), 10u) << all_errors(r);
  EXPECT_EQ(r.errors.size(), 2u) << all_errors(r);
  EXPECT_NE(all_errors(r).find("line 5: unexpected text"), std::string::npos) << all_errors(r);
  EXPECT_NE(all_errors(r).find("line 12: unexpected text"), std::string::npos) << all_errors(r);
  EXPECT_EQ(r.plans[0].bottleneck, 7);
}

TEST(PlanBadInput, TruncatedJsonKeepsWhatWasRead) {
  std::string json = read_file(testdata("plan/json/parallel_verbose.json"));
  size_t cut = json.find("\"Node Type\": \"Index Scan\"");
  ASSERT_NE(cut, std::string::npos);
  auto r = plan::read_plans(json.substr(0, cut + 200));
  ASSERT_EQ(r.plans.size(), 1u) << all_errors(r);
  EXPECT_EQ(r.plans[0].nodes.size(), 3u);
  EXPECT_EQ(r.plans[0].nodes[2].node_type, "Index Scan");
  EXPECT_NE(all_errors(r).find("ends early"), std::string::npos) << all_errors(r);
}

TEST(PlanBadInput, BrokenXmlNamesTheLine) {
  std::string xml = read_file(testdata("plan/xml/parallel.xml"));
  size_t at = xml.find("<Plan-Rows>");
  xml.insert(at, "<Broken");
  auto r = plan::read_plans(xml);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_NE(r.errors[0].message.find("not valid XML"), std::string::npos);
  EXPECT_GT(r.errors[0].line, 1u);
}

TEST(PlanBadInput, JsonGarbageLinesAreLeftOutAndTheRestRead) {
  auto lines = split_lines(read_file(testdata("plan/json/parallel_verbose.json")));
  // A log line pasted into the middle (it becomes line 40) and a prompt (line 70).
  lines.insert(lines.begin() + 39, "2024-05-01 10:00:00 UTC [123] LOG:  checkpoint starting: time");
  lines.insert(lines.begin() + 69, "postgres=# ");
  auto r = plan::read_plans(join_lines(lines));
  ASSERT_EQ(r.plans.size(), 1u) << all_errors(r);
  EXPECT_EQ(r.plans[0].nodes.size(), 3u) << all_errors(r);
  EXPECT_EQ(r.plans[0].nodes[2].node_type, "Index Scan");
  ASSERT_EQ(r.errors.size(), 2u) << all_errors(r);
  EXPECT_EQ(r.errors[0].line, 40u) << all_errors(r);
  EXPECT_EQ(r.errors[1].line, 70u) << all_errors(r);
  EXPECT_NE(r.errors[0].message.find("not valid JSON"), std::string::npos) << all_errors(r);
  EXPECT_NE(r.errors[0].message.find("left out"), std::string::npos) << all_errors(r);
}

TEST(PlanBadInput, JsonMiddleCutOutNamesTheLineAndReadsWhatCameBefore) {
  auto lines = split_lines(read_file(testdata("plan/json/parallel_verbose.json")));
  // Lines 34-60 cut out: the Gather Merge object loses its end and the Index Scan its start.
  lines.erase(lines.begin() + 33, lines.begin() + 60);
  auto r = plan::read_plans(join_lines(lines));
  ASSERT_EQ(r.plans.size(), 1u) << all_errors(r);
  EXPECT_GE(r.plans[0].nodes.size(), 2u) << all_errors(r);
  EXPECT_EQ(r.plans[0].nodes[1].node_type, "Gather Merge");
  ASSERT_FALSE(r.errors.empty());
  for (const auto& e : r.errors) {
    EXPECT_GE(e.line, 34u) << all_errors(r);
    EXPECT_NE(e.message.find("expected"), std::string::npos) << all_errors(r);
  }
}

TEST(PlanBadInput, JsonThatCannotBeReadNamesTheLineAndWhatWasExpected) {
  std::string json = "[\n  {\n    \"Plan\": {\n      \"Node Type\": \"Seq Scan\" \"Total Cost\": 1\n    }\n  }\n]\n";
  auto r = plan::read_plans(json);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_EQ(r.errors[0].line, 4u) << all_errors(r);
  EXPECT_NE(r.errors[0].message.find("expected '}'"), std::string::npos) << all_errors(r);
}

TEST(PlanBadInput, YamlGarbageKeepsWhatCameBefore) {
  auto lines = split_lines(read_file(testdata("plan/yaml/parallel.yaml")));
  lines.insert(lines.begin() + 27, "      %%% ]] not yaml [[ : : :");
  auto r = plan::read_plans(join_lines(lines));
  ASSERT_FALSE(r.errors.empty());
  EXPECT_NE(all_errors(r).find("not valid YAML"), std::string::npos) << all_errors(r);
  EXPECT_GE(r.errors[0].line, 28u) << all_errors(r);
  ASSERT_EQ(r.plans.size(), 1u) << all_errors(r);
  EXPECT_EQ(r.plans[0].nodes.size(), 2u) << all_errors(r);
  EXPECT_EQ(r.plans[0].nodes[1].node_type, "Gather Merge");
}

TEST(PlanBadInput, XmlCutShortKeepsWhatCameBefore) {
  std::string xml = read_file(testdata("plan/xml/parallel.xml"));
  size_t cut = xml.find("<Node-Type>Index Scan");
  ASSERT_NE(cut, std::string::npos);
  auto r = plan::read_plans(xml.substr(0, cut + 40));
  ASSERT_FALSE(r.errors.empty());
  EXPECT_NE(all_errors(r).find("not valid XML"), std::string::npos) << all_errors(r);
  ASSERT_EQ(r.plans.size(), 1u) << all_errors(r);
  EXPECT_EQ(r.plans[0].nodes.size(), 3u);
  EXPECT_EQ(r.plans[0].nodes[1].node_type, "Gather Merge");
}

// PostgreSQL indents each level by six columns, so a TEXT plan 10,000 levels deep is ~300 MB;
// 3,000 levels (~27 MB) shows the reader does not recurse. The structured formats do 10,000.
// Plans deeper than 1,000 levels are read (no recursion, no overflow) and then refused with
// an error, as lint refuses statements nested that deep.
std::string deep_text(int levels) {
  std::string out = "Limit  (cost=0.00..1.00 rows=1 width=4)\n";
  for (int i = 1; i < levels; ++i) {
    out.append(static_cast<size_t>(6 * i - 4), ' ');
    out += "->  Limit  (cost=0.00..1.00 rows=1 width=4)\n";
  }
  return out;
}

std::string deep_json(int levels) {
  std::string out;
  for (int i = 0; i < levels; ++i) out += "{\"Node Type\": \"Limit\", \"Total Cost\": 1, \"Plans\": [";
  out += "{\"Node Type\": \"Result\"}";
  for (int i = 0; i < levels; ++i) out += "]}";
  return "[{\"Plan\": " + out + "}]";
}

void expect_refused_as_too_deep(const plan::ReadResult& r, int depth) {
  EXPECT_TRUE(r.plans.empty());
  EXPECT_NE(all_errors(r).find("plan nested " + std::to_string(depth) + " levels deep (deeper than 1000)"),
            std::string::npos)
      << all_errors(r);
}

TEST(PlanBadInput, DeepNestingDoesNotOverflowTheStack) {
  {
    auto r = plan::read_plans(deep_text(1001));
    ASSERT_EQ(r.plans.size(), 1u);
    EXPECT_EQ(r.plans[0].nodes.size(), 1001u);
    EXPECT_EQ(r.plans[0].nodes.back().depth, 1000);
    EXPECT_TRUE(r.errors.empty()) << all_errors(r);
  }
  expect_refused_as_too_deep(plan::read_plans(deep_text(3000)), 2999);
  {
    auto r = plan::read_plans(deep_json(1000));
    ASSERT_EQ(r.plans.size(), 1u) << all_errors(r);
    EXPECT_EQ(r.plans[0].nodes.size(), 1001u);
    EXPECT_EQ(r.plans[0].nodes.back().depth, 1000);
  }
  expect_refused_as_too_deep(plan::read_plans(deep_json(10000)), 10000);
  expect_refused_as_too_deep(plan::read_plans(deep_json(100000)), 100000);
  {
    std::string xml = "<explain xmlns=\"http://www.postgresql.org/2009/explain\"><Query><Plan>";
    for (int i = 0; i < 10000; ++i) xml += "<Node-Type>Limit</Node-Type><Plans><Plan>";
    xml += "<Node-Type>Result</Node-Type>";
    for (int i = 0; i < 10000; ++i) xml += "</Plan></Plans>";
    xml += "</Plan></Query></explain>";
    expect_refused_as_too_deep(plan::read_plans(xml), 10000);
  }
  {
    // Flow style keeps 10,000 YAML levels small; yaml-cpp refuses such depth itself (its
    // depth guard): an error naming the problem, not a crash.
    std::string yaml = "- Plan: ";
    for (int i = 0; i < 10000; ++i) yaml += "{Node Type: Limit, Plans: [";
    yaml += "{Node Type: Result}";
    for (int i = 0; i < 10000; ++i) yaml += "]}";
    yaml += "\n";
    auto r = plan::read_plans(yaml);
    EXPECT_TRUE(r.plans.empty());
    EXPECT_FALSE(r.errors.empty());
  }
}

TEST(PlanBadInput, HugePlansAreReadWhole) {
  const int children = 100000;
  std::string text =
      "Append  (cost=0.00..100000.00 rows=100000 width=4) (actual time=0.010..500.000 rows=100000 loops=1)\n";
  std::string json = "[{\"Plan\": {\"Node Type\": \"Append\", \"Plans\": [";
  for (int i = 0; i < children; ++i) {
    text += "  ->  Seq Scan on part_" + std::to_string(i) +
        "  (cost=0.00..1.00 rows=1 width=4) (actual time=0.001..0.004 rows=1 loops=1)\n";
    json += (i ? "," : "") + std::string("{\"Node Type\": \"Seq Scan\", \"Relation Name\": \"part_") +
        std::to_string(i) + "\", \"Actual Total Time\": 0.004, \"Actual Loops\": 1}";
  }
  json += "]}}]";
  auto r = plan::read_plans(text);
  ASSERT_EQ(r.plans.size(), 1u);
  EXPECT_EQ(r.plans[0].nodes.size(), static_cast<size_t>(children + 1));
  EXPECT_EQ(r.plans[0].nodes.back().relation, "part_99999");
  EXPECT_EQ(r.plans[0].nodes.back().lines.first, static_cast<uint32_t>(children + 1));
  EXPECT_NEAR(r.plans[0].nodes[0].metrics.exclusive_time_ms, 500.0 - 0.004 * children, 1e-6);
  auto j = plan::read_plans(json);
  ASSERT_EQ(j.plans.size(), 1u);
  EXPECT_EQ(j.plans[0].nodes.size(), static_cast<size_t>(children + 1));
}

// ---------------------------------------------------------------------------------------
// The command line

TEST(PlanExplainCli, NamesTheBottleneck) {
  auto r = run_pglens("explain --color never '" + testdata("plan/text/base_analyze.txt").string() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Bottleneck: Parallel Seq Scan on orders o (node 8) — 76% of 41.6 ms"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("removed 198k rows (99%)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\x1b["), std::string::npos) << "colour without a terminal";
}

TEST(PlanExplainCli, ColourOnlyWhenAsked) {
  auto r = run_pglens("explain --color always -", base_plan());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("\x1b["), std::string::npos);
}

TEST(PlanExplainCli, ShowsMisestimatesOfTenTimesOrMore) {
  auto r = run_pglens("explain -", base_plan());
  EXPECT_NE(r.out.find("Sort #2  rows 1 (est. 50) ↓50x overestimated"), std::string::npos) << r.out;
  // Within 10x: no factor.
  EXPECT_NE(r.out.find("Hash Join #7  rows 2000 (est. 2204)  loops 2"), std::string::npos) << r.out;
}

TEST(PlanExplainCli, JsonHasTreeMetricsAndFindings) {
  auto r = run_pglens("explain --format json -", base_plan());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["plans"].size(), 1u);
  const auto& p = j["plans"][0];
  EXPECT_EQ(p["bottleneck"]["node"], 8);
  EXPECT_EQ(p["nodes"].size(), 10u);
  EXPECT_EQ(p["nodes"][0]["children"], nlohmann::json::array({2}));
  EXPECT_EQ(p["nodes"][7]["label"], "Parallel Seq Scan on orders o");
  EXPECT_NEAR(p["nodes"][7]["metrics"]["exclusive_time_ms"].get<double>(), 31.583, 1e-9);
  EXPECT_TRUE(p["findings"].is_array());
  EXPECT_TRUE(j["errors"].empty());
}

TEST(PlanExplainCli, SqlFileIsAttached) {
  TempDir tmp;
  write_file(tmp / "q.sql", "SELECT 42;\n");
  auto r = run_pglens("explain --format json --sql '" + (tmp / "q.sql").string() + "' -", base_plan());
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["plans"][0]["query_text"], "SELECT 42;\n");
}

TEST(PlanExplainCli, NothingReadableExitsTwo) {
  auto r = run_pglens("explain -", "this is not a plan\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no EXPLAIN plan found"), std::string::npos) << r.err;
  auto missing = run_pglens("explain /nonexistent/plan.txt");
  EXPECT_EQ(missing.exit_code, 2);
}

TEST(PlanExplainCli, ReadErrorsGoToStderrWithTheLine) {
  auto lines = split_lines(base_plan());
  lines.insert(lines.begin() + 10, "%%% lorem ipsum %%%");
  auto r = run_pglens("explain -", join_lines(lines));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("stdin:11: unexpected text"), std::string::npos) << r.err;
}

TEST(PlanExplainCli, HelpHasExamples) {
  auto r = run_pglens("explain --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Examples:"), std::string::npos);
  EXPECT_NE(r.out.find("--sql"), std::string::npos);
}

}  // namespace
}  // namespace pglens::test
