// Runs every plan fixture under testdata/plan/{text,json,yaml,xml}/ against its sibling
// `<fixture>.expect` file. Expectation lines (one per line, `#` starts a comment):
//   plans: N                 exactly N plans read
//   errors: N                exactly N read errors
//   error: TEXT              some error message contains TEXT
//   format: text|json|...    the detected format
//   same-as: PATH            every plan describes exactly like the fixture at PATH (relative
//                            to testdata/plan), leftover properties aside
//   plan K                   the following lines are about plan K (1-based; default 1)
//   nodes: N                 the plan has N nodes
//   node ID: LINE            node ID's description has LINE ("filter: (a > 1)", "type: Sort")
//   no node ID: LINE         ... and does not
//   label ID: TEXT           node ID's label()
//   summary: LINE            the plan-level description has LINE ("execution_time_ms: 1.5")
//   bottleneck: ID           the bottleneck node
//   lines ID: FIRST-LAST     node ID came from these input lines
// Every fixture needs an .expect file; an expectation that does not hold fails the test.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "plan/plan_test_util.hpp"

namespace pglens::test {
namespace {

namespace fs = std::filesystem;

std::string trim_copy(std::string s) {
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// describe() split into per-node line sets and the plan-level lines.
struct Described {
  std::map<int, std::vector<std::string>> nodes;
  std::vector<std::string> summary;
};

Described split_description(const plan::Plan& p) {
  Described d;
  std::istringstream in(plan::describe(p));
  std::string line;
  int current = -1;
  while (std::getline(in, line)) {
    std::string t = trim_copy(line);
    if (t.size() > 1 && t[0] == '#' && isdigit(static_cast<unsigned char>(t[1]))) {
      size_t sp = t.find(' ');
      current = std::stoi(t.substr(1, sp - 1));
      d.nodes[current].push_back("type: " + (sp == std::string::npos ? std::string() : t.substr(sp + 1)));
    } else if (!line.empty() && line[0] != ' ') {
      d.summary.push_back(t);
      current = -1;
    } else if (current > 0) {
      d.nodes[current].push_back(t);
    }
  }
  return d;
}

bool contains(const std::vector<std::string>& lines, const std::string& want) {
  for (const auto& l : lines)
    if (l == want) return true;
  return false;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "    " + l + "\n";
  return out;
}

void check_fixture(const fs::path& fixture) {
  SCOPED_TRACE(fixture.string());
  fs::path expect_path = fixture.string() + ".expect";
  ASSERT_TRUE(fs::exists(expect_path)) << "fixture without expectations: add " << expect_path.filename();
  auto result = plan::read_plans(read_file(fixture));
  std::string errors;
  for (const auto& e : result.errors) errors += "  line " + std::to_string(e.line) + ": " + e.message + "\n";

  std::istringstream in(read_file(expect_path));
  std::string line;
  size_t plan_index = 0;
  int checks = 0;
  std::map<size_t, Described> described;
  auto desc = [&]() -> const Described& {
    if (!described.count(plan_index)) described[plan_index] = split_description(result.plans[plan_index]);
    return described[plan_index];
  };
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string t = trim_copy(line);
    if (t.empty() || t[0] == '#') continue;
    SCOPED_TRACE(expect_path.filename().string() + ":" + std::to_string(number) + ": " + t);
    ++checks;
    auto value_after = [&](size_t colon) { return trim_copy(t.substr(colon + 1)); };
    size_t colon = t.find(':');
    std::string head = colon == std::string::npos ? t : t.substr(0, colon);
    if (head == "plans") {
      EXPECT_EQ(result.plans.size(), std::stoul(value_after(colon))) << errors;
    } else if (head == "errors") {
      EXPECT_EQ(result.errors.size(), std::stoul(value_after(colon))) << errors;
    } else if (head == "error") {
      std::string want = value_after(colon);
      EXPECT_NE(errors.find(want), std::string::npos) << "no error contains \"" << want << "\"; errors:\n" << errors;
    } else if (head == "format") {
      ASSERT_TRUE(result.format.has_value());
      EXPECT_EQ(plan::to_string(*result.format), value_after(colon));
    } else if (t.rfind("plan ", 0) == 0) {
      plan_index = std::stoul(t.substr(5)) - 1;
      ASSERT_LT(plan_index, result.plans.size()) << errors;
    } else if (head == "same-as") {
      auto other = plan::read_plans(read_file(testdata("plan/" + value_after(colon))));
      ASSERT_EQ(other.plans.size(), result.plans.size());
      plan::DescribeOptions opt;
      opt.properties = false;
      for (size_t i = 0; i < other.plans.size(); ++i)
        EXPECT_EQ(plan::describe(other.plans[i], opt), plan::describe(result.plans[i], opt)) << "plan " << i + 1;
    } else {
      ASSERT_LT(plan_index, result.plans.size()) << "no plan " << plan_index + 1 << "; errors:\n" << errors;
      const plan::Plan& p = result.plans[plan_index];
      if (head == "nodes") {
        EXPECT_EQ(p.nodes.size(), std::stoul(value_after(colon)));
      } else if (head == "bottleneck") {
        EXPECT_EQ(p.bottleneck + 1, std::stoi(value_after(colon)));
      } else if (head == "summary") {
        std::string want = value_after(colon);
        EXPECT_TRUE(contains(desc().summary, want)) << "plan-level lines:\n" << joined(desc().summary);
      } else {
        std::istringstream words(head);
        std::string kind, id_text;
        words >> kind;
        bool negate = kind == "no";
        if (negate) words >> kind;
        words >> id_text;
        ASSERT_FALSE(id_text.empty()) << "unknown expectation";
        int id = std::stoi(id_text);
        ASSERT_GE(id, 1);
        ASSERT_LE(static_cast<size_t>(id), p.nodes.size());
        std::string want = value_after(colon);
        const plan::Node& n = p.nodes[static_cast<size_t>(id - 1)];
        if (kind == "label") {
          EXPECT_EQ(n.label(), want);
        } else if (kind == "lines") {
          EXPECT_EQ(std::to_string(n.lines.first) + "-" + std::to_string(n.lines.last), want);
        } else if (kind == "node") {
          const auto& lines = desc().nodes.at(id);
          if (negate) EXPECT_FALSE(contains(lines, want)) << "node " << id << ":\n" << joined(lines);
          else EXPECT_TRUE(contains(lines, want)) << "node " << id << ":\n" << joined(lines);
        } else {
          ADD_FAILURE() << "unknown expectation";
        }
      }
    }
  }
  EXPECT_GT(checks, 0) << "an .expect file must expect something";
}

std::vector<fs::path> fixtures() {
  std::vector<fs::path> out;
  for (const char* dir : {"text", "json", "yaml", "xml"}) {
    fs::path root = testdata(std::string("plan/") + dir);
    if (!fs::exists(root)) continue;
    for (const auto& e : fs::directory_iterator(root)) {
      std::string ext = e.path().extension().string();
      if (e.is_regular_file() && ext != ".expect" && ext != ".md") out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(PlanFixtures, EveryFixtureMeetsItsExpectations) {
  auto all = fixtures();
  EXPECT_GE(all.size(), 40u) << "the PLAN-FORMATS.md items each have a fixture";
  for (const auto& f : all) check_fixture(f);
}

// Every node's span is exactly the bytes of its input lines, whichever path read it (the
// JSON fast path takes spans from where the nodes start; the others index lines).
TEST(PlanFixtures, EveryNodeSpanCoversExactlyItsLines) {
  for (const auto& f : fixtures()) {
    SCOPED_TRACE(f.string());
    std::string input = read_file(f);
    std::vector<uint32_t> starts{0};
    for (size_t i = 0; i < input.size(); ++i)
      if (input[i] == '\n') starts.push_back(static_cast<uint32_t>(i + 1));
    auto line_start = [&](uint32_t line) {  // 1-based; the line after the last is the end
      return line - 1 < starts.size() ? starts[line - 1] : static_cast<uint32_t>(input.size());
    };
    for (const auto& p : plan::read_plans(input).plans) {
      for (const auto& n : p.nodes) {
        if (n.lines.first == 0) continue;
        EXPECT_EQ(n.span.begin, line_start(n.lines.first)) << "node " << n.id;
        EXPECT_EQ(n.span.end, line_start(n.lines.last + 1)) << "node " << n.id;
      }
    }
  }
}

TEST(PlanFixtures, EveryExpectFileHasAFixture) {
  for (const char* dir : {"text", "json", "yaml", "xml"}) {
    fs::path root = testdata(std::string("plan/") + dir);
    if (!fs::exists(root)) continue;
    for (const auto& e : fs::directory_iterator(root)) {
      if (e.path().extension() != ".expect") continue;
      fs::path fixture = e.path();
      fixture.replace_extension();
      EXPECT_TRUE(fs::exists(fixture)) << e.path() << " expects a fixture that does not exist";
    }
  }
}

}  // namespace
}  // namespace pglens::test
