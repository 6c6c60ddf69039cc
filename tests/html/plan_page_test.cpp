// `pglens explain --format html` and `pglens diff`: the page is one self-contained file
// (nothing fetched: a strict CSP and no URL in it), everything the plan holds is escaped
// (a captured plan whose table and column names carry </script>, quotes and tags), the
// bottleneck and every finding and DDL are on it, -o replaces atomically; the diff of plans
// captured before and after CREATE INDEX names the shape change and the finding gone.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "html/page.hpp"
#include "source/json_string.hpp"
#include "support/fixtures.hpp"

namespace pglens {
namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// The page fetches nothing: no URL scheme outside the text of the plan itself, and the CSP
// allows no source but the page's own inline script and style.
void expect_self_contained(const std::string& page) {
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'sha256-"),
            std::string::npos);
  // One script, the page's own; a windowed tree's rows are a JSON data block (never run).
  size_t data_blocks = count(page, "<script type=\"application/json\" class=\"rows-data\">");
  EXPECT_EQ(count(page, "<script>"), 1u) << "one script, the page's own";
  EXPECT_EQ(count(page, "<script"), 1u + data_blocks);
  EXPECT_EQ(count(page, "</script>"), 1u + data_blocks);
  EXPECT_EQ(count(page, "<style"), 1u);
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
  EXPECT_EQ(page.find(" src=\""), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find(" style="), std::string::npos) << "style attributes would need 'unsafe-inline'";
}

TEST(HtmlEscape, EscapesMarkupQuotesAndBadBytes) {
  EXPECT_EQ(html_escape("</script><b a=\"1\" c='2'>&amp;"),
            "&lt;/script&gt;&lt;b a=&quot;1&quot; c=&#39;2&#39;&gt;&amp;amp;");
  EXPECT_EQ(html_escape("é ok"), "é ok");
  EXPECT_EQ(html_escape(std::string("a\xff"
                                    "b\x01"
                                    "c\td\n",
                                    8)),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD"
            "c\td\n");
  EXPECT_EQ(html_escape(std::string("\0", 1)), "\xEF\xBF\xBD");
}

TEST(HtmlPage, CspHashesMatchTheInlineScriptAndStyle) {
  std::string doc = html::document("t", "<p>x</p>");
  std::string csp = html::content_security_policy();
  EXPECT_NE(doc.find(csp), std::string::npos);
  EXPECT_NE(doc.find("<script>" + std::string(html::page_js()) + "</script>"), std::string::npos);
  EXPECT_NE(doc.find("<style>" + std::string(html::page_css()) + "</style>"), std::string::npos);
  EXPECT_NE(csp.find("form-action 'none'"), std::string::npos);
}

TEST(HtmlPage, PlanWithFindingsShowsBottleneckFindingsDdlAndQuery) {
  auto dir = test::testdata("explain");
  auto r = test::run_pglens(
      "explain --format html --sql catalog/query.sql ../plan-rules/nested-loop-inner-scan/seq-inner.txt", {}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_self_contained(r.out);
  // The bottleneck row, marked and in the tab order.
  EXPECT_NE(r.out.find("<details class=\"node bottleneck\" id=\"p1-n1\""), std::string::npos);
  EXPECT_EQ(count(r.out, "class=\"node bottleneck\""), 1u);
  // Every finding and its DDL, the same as the JSON output has.
  auto j = test::run_pglens(
      "explain --format json --sql catalog/query.sql ../plan-rules/nested-loop-inner-scan/seq-inner.txt", {}, dir);
  auto doc = nlohmann::json::parse(j.out);
  const auto& findings = doc["plans"][0]["findings"];
  ASSERT_EQ(findings.size(), 2u);
  for (const auto& f : findings) {
    EXPECT_NE(r.out.find("data-rule=\"" + f["rule"].get<std::string>() + "\""), std::string::npos);
    EXPECT_NE(r.out.find(html_escape(f["message"].get<std::string>())), std::string::npos);
    EXPECT_NE(r.out.find(html_escape(f["ddl"].get<std::string>())), std::string::npos);
  }
  EXPECT_EQ(count(r.out, "class=\"copy\""), 4u) << "two findings' DDL, two indexes";
  // The query, with the table of a finding marked and linked from it.
  EXPECT_NE(r.out.find("<mark id=\"p1-q1\""), std::string::npos);
  EXPECT_NE(r.out.find("href=\"#p1-q1\""), std::string::npos);
  // JIT and planning outside the tree; raw input lines of a node.
  EXPECT_NE(r.out.find("JIT <b>8 functions"), std::string::npos);
  EXPECT_NE(r.out.find("Rows Removed by Join Filter: 3539988"), std::string::npos);
  // The flame graph, one frame per node.
  EXPECT_EQ(count(r.out, "<g class=\"f "), 3u);
}

TEST(HtmlPage, HostileNamesAreEscapedEverywhere) {
  auto dir = test::testdata("html");
  auto r = test::run_pglens("explain --format html --sql hostile-names.sql hostile-names.txt", {}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_self_contained(r.out);
  EXPECT_EQ(r.out.find("<script>alert"), std::string::npos);
  EXPECT_EQ(r.out.find("<img"), std::string::npos);
  EXPECT_EQ(r.out.find("</style>&amp;"), std::string::npos);
  EXPECT_NE(r.out.find("&lt;/script&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(r.out.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  // The file name is the user's too.
  test::TempDir tmp;
  std::string name = "a\"<b>.txt";
  std::filesystem::copy_file(dir / "hostile-names.txt", tmp / name);
  auto named = test::run_pglens("explain --format html '" + name + "'", {}, tmp.path());
  ASSERT_EQ(named.exit_code, 0) << named.err;
  EXPECT_EQ(named.out.find("a\"<b>"), std::string::npos);
  EXPECT_NE(named.out.find("a&quot;&lt;b&gt;.txt"), std::string::npos);
}

TEST(HtmlPage, TriggerOutsideTheTreeIsTheBottleneck) {
  auto r = test::run_pglens("explain --format html " +
                            test::testdata("plan-rules/trigger-time/fk-delete-unindexed.txt").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("<tr class=\"bottleneck\" tabindex=\"-1\">"), std::string::npos);
  EXPECT_NE(r.out.find("(outside the plan tree)"), std::string::npos);
  EXPECT_EQ(r.out.find("class=\"node bottleneck\""), std::string::npos);
}

TEST(HtmlPage, OutputFileIsReplacedAtomically) {
  test::TempDir tmp;
  auto out = tmp / "plan.html";
  test::write_file(out, "old");
  auto r = test::run_pglens("explain --format html -o " + out.string() + " " +
                            test::testdata("plan-rules/nested-loop-inner-scan/seq-inner.txt").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(test::read_file(out).rfind("<!DOCTYPE html>", 0), 0u);
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(tmp.path())) ++files;
  EXPECT_EQ(files, 1u) << "no temporary file left";
  auto missing = test::run_pglens("explain --format html -o " + (tmp / "no/such/dir/p.html").string() + " " +
                                  test::testdata("plan-rules/nested-loop-inner-scan/seq-inner.txt").string());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no/such/dir/p.html"), std::string::npos) << missing.err;
}

TEST(HtmlPage, DeepAndWidePlansStayBounded) {
  test::TempDir tmp;
  // 1,000 levels is the deepest plan pglens reads; 2,000 nodes is a windowed tree.
  for (auto [shape, nodes] : {std::pair<const char*, size_t>{"wide", 2000}, {"deep", 1000}}) {
    auto plan = tmp / (std::string(shape) + ".json");
    auto gen = std::system(("python3 " + (test::source_dir() / "bench/gen_scale_plans.py").string() + " " + shape +
                            " " + std::to_string(nodes) + " " + plan.string())
                               .c_str());
    ASSERT_EQ(gen, 0);
    auto r = test::run_pglens("explain --format html " + plan.string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_self_contained(r.out);
    if (nodes < 1500) {
      EXPECT_EQ(count(r.out, "<details class=\"node"), nodes) << shape;
    } else {
      // Windowed: no row in the document, every row in the data block.
      EXPECT_EQ(count(r.out, "<details class=\"node"), 0u) << shape;
      EXPECT_NE(r.out.find("<div class=\"tree windowed\""), std::string::npos);
      std::string open = "<script type=\"application/json\" class=\"rows-data\">";
      size_t from = r.out.find(open) + open.size(), to = r.out.find("</script>", from);
      ASSERT_NE(to, std::string::npos);
      std::string data = r.out.substr(from, to - from);
      EXPECT_EQ(data.find('<'), std::string::npos) << "nothing in the data reads as a tag";
      auto j = nlohmann::json::parse(data);
      ASSERT_EQ(j["rows"].size(), nodes);
      ASSERT_EQ(j["ids"].size(), nodes);
      ASSERT_EQ(j["text"].size(), nodes);
      // A row is the numbers of its pieces of markup, each piece once in the table: a string
      // of base-30 lead digits and one last base-60 digit, in '#'..'~' without '<' and '\\'.
      auto numbers = [&](size_t i) {
        std::vector<size_t> out;
        size_t lead = 0;
        for (char ch : j["rows"][i].get<std::string>()) {
          int c = static_cast<unsigned char>(ch);
          EXPECT_TRUE(c >= '#' && c <= '~' && c != '<' && c != '\\') << c;
          int v = c - 35 - (c > '<' ? 1 : 0) - (c > '\\' ? 1 : 0);
          if (v >= 60) {
            lead = lead * 30 + static_cast<size_t>(v - 60);
          } else {
            out.push_back(lead * 60 + static_cast<size_t>(v));
            lead = 0;
          }
        }
        EXPECT_EQ(lead, 0u) << "a row ends on a number's last digit";
        return out;
      };
      auto row = [&](size_t i) {
        std::string html;
        for (size_t k : numbers(i)) html += j["pieces"].at(k).get<std::string>();
        return html;
      };
      EXPECT_EQ(row(0).rfind("<details class=\"node", 0), 0u);
      EXPECT_NE(row(1).find("id=\"p1-n" + std::to_string(j["ids"][1].get<int>()) + "\""), std::string::npos);
      EXPECT_EQ(count(row(nodes - 1), "<details"), 1u);
      EXPECT_NE(row(nodes - 1).find("</details>"), std::string::npos);
      std::set<std::string> distinct;
      for (const auto& piece : j["pieces"]) distinct.insert(piece.get<std::string>());
      EXPECT_EQ(distinct.size(), j["pieces"].size());
      // numbered by use: the most used pieces get the shortest numbers
      std::vector<size_t> uses(j["pieces"].size(), 0);
      for (size_t i = 0; i < nodes; ++i)
        for (size_t k : numbers(i)) ++uses.at(k);
      EXPECT_TRUE(std::is_sorted(uses.rbegin(), uses.rend()));
      // the markup every row shares is in the table once: far fewer pieces than rows x pieces a row
      EXPECT_LT(j["pieces"].size(), 4 * nodes);
    }
    // One-line JSON: each node's raw lines would repeat the whole input.
    EXPECT_LT(r.out.size(), 8u * 1024 * 1024) << shape;
  }
}

TEST(PlanDiff, IndexTurnsSeqScanIntoBitmapScan) {
  auto dir = test::testdata("diff");
  auto r = test::run_pglens("diff customer-orders.before.txt customer-orders.after.txt", {}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Seq Scan on orders o → Bitmap Heap Scan on orders o"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Bitmap Index Scan on orders_customer_id_created_at_idx added"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("400.7x faster"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Findings gone (1):\n  seq-scan-large on orders"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("hit 3449 → 20"), std::string::npos) << r.out;
}

TEST(PlanDiff, JsonPairsEveryNodeAcrossFormats) {
  auto dir = test::testdata("diff");
  // The same query: before as JSON, after as text.
  auto r = test::run_pglens("diff --format json customer-orders.before.json customer-orders.after.txt", {}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["nodes"].size(), 4u);
  std::vector<std::string> changes;
  for (const auto& n : j["nodes"]) changes.push_back(n["change"]);
  EXPECT_EQ(changes, (std::vector<std::string>{"same", "same", "changed", "added"}));
  EXPECT_EQ(j["nodes"][2]["matched_by"], "relation");
  EXPECT_EQ(j["findings"]["gone"].size(), 1u);
  EXPECT_EQ(j["findings"]["new"].size(), 0u);
  EXPECT_GT(j["speedup"].get<double>(), 100);
}

TEST(PlanDiff, JoinInputChangesAndTheRestIsMatched) {
  auto dir = test::testdata("diff");
  auto r = test::run_pglens("diff --format json top-spenders.before.txt top-spenders.after.txt", {}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  size_t changed = 0, same = 0;
  for (const auto& n : j["nodes"]) {
    if (n["change"] == "changed") {
      ++changed;
      EXPECT_EQ(n["shape"], "Seq Scan on orders o → Index Scan using orders_created_at_idx on orders o");
    }
    same += n["change"] == "same";
  }
  EXPECT_EQ(changed, 1u);
  EXPECT_EQ(same, 6u);
  EXPECT_TRUE(j["notes"].empty());
}

TEST(PlanDiff, SlowerAfterExitsOneAndSwappedSidesSaySo) {
  auto dir = test::testdata("diff");
  auto r = test::run_pglens("diff customer-orders.after.txt customer-orders.before.txt", {}, dir);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("x slower"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Findings new (1):"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Bitmap Index Scan on orders_customer_id_created_at_idx gone"), std::string::npos) << r.out;
}

TEST(PlanDiff, HtmlMarksChangedAndAddedNodes) {
  auto dir = test::testdata("diff");
  auto r = test::run_pglens("diff --format html customer-orders.before.txt customer-orders.after.txt", {}, dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_self_contained(r.out);
  EXPECT_NE(r.out.find("<details class=\"node bottleneck changed faster\" id=\"a-n3\""), std::string::npos);
  EXPECT_NE(r.out.find("<details class=\"node added\" id=\"a-n4\""), std::string::npos);
  EXPECT_NE(r.out.find("<details class=\"node bottleneck changed faster\" id=\"b-n3\""), std::string::npos);
}

TEST(PlanDiff, UnreadableOrMissingPlanIsAnError) {
  test::TempDir tmp;
  test::write_file(tmp / "empty.txt", "not a plan\n");
  auto dir = test::testdata("diff");
  auto r = test::run_pglens("diff " + (tmp / "empty.txt").string() + " customer-orders.after.txt", {}, dir);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no plan found"), std::string::npos) << r.err;
  auto missing = test::run_pglens("diff customer-orders.after.txt", {}, dir);
  EXPECT_EQ(missing.exit_code, 2);
  auto both_stdin = test::run_pglens("diff - -", "x", dir);
  EXPECT_EQ(both_stdin.exit_code, 2);
}

}  // namespace
}  // namespace pglens
