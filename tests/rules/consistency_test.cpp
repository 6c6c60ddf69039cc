// Every rule in the registry is complete: kebab-case id, docs under every heading,
// fixtures, generated docs up to date, and every declared option actually read.
#include <gtest/gtest.h>

#include <regex>

#include "pglens/lint.hpp"
#include "pglens/plan.hpp"
#include "pglens/plan_rules.hpp"
#include "pglens/rule.hpp"
#include "rules/api/sql_rule.hpp"
#include "rules/registry.hpp"
#include "support/fixtures.hpp"

namespace pglens {
namespace {

namespace fs = std::filesystem;

TEST(RuleRegistry, IdsAreUniqueKebabCase) {
  std::set<std::string_view> seen;
  std::regex kebab("^[a-z][a-z0-9]*(-[a-z0-9]+)*$");
  for (const RuleInfo* r : all_rules()) {
    EXPECT_TRUE(std::regex_match(std::string(r->id), kebab)) << r->id;
    EXPECT_TRUE(seen.insert(r->id).second) << "duplicate id " << r->id;
    EXPECT_EQ(find_rule(r->id), r);
  }
}

TEST(RuleRegistry, EveryRuleHasDocsUnderEveryHeading) {
  for (const RuleInfo* r : all_rules()) {
    SCOPED_TRACE(std::string(r->id));
    EXPECT_FALSE(r->summary.empty());
    EXPECT_GT(r->docs.what_it_does.size(), 20u);
    EXPECT_GT(r->docs.why_is_this_bad.size(), 20u);
    EXPECT_FALSE(r->docs.example.empty());
    EXPECT_FALSE(r->docs.use_instead.empty());
    EXPECT_FALSE(r->docs.references.empty());
    for (const auto& o : r->options) {
      EXPECT_FALSE(o.description.empty()) << o.name;
      EXPECT_TRUE(std::regex_match(std::string(o.name), std::regex("^[a-z][a-z0-9-]*$"))) << o.name;
    }
  }
}

TEST(RuleRegistry, EveryRuleHasFixtures) {
  for (const RuleInfo* r : all_rules()) {
    // A rule that checks both SQL and plans has fixtures for both.
    for (RuleTarget t : {RuleTarget::sql, RuleTarget::plan}) {
      if (!r->targets.covers(t)) continue;
      fs::path dir = test::testdata(t == RuleTarget::sql ? "sql" : "plan-rules") / std::string(r->id);
      EXPECT_TRUE(fs::is_directory(dir) && !fs::is_empty(dir)) << r->id << ": no fixtures in " << dir;
    }
  }
}

TEST(RuleRegistry, GeneratedDocsAreUpToDate) {
  for (const RuleInfo* r : all_rules()) {
    fs::path doc = test::source_dir() / "docs/rules" / (std::string(r->id) + ".md");
    test::expect_golden(doc, render_rule_docs(*r));
  }
}

// Runs every SQL rule over its own fixtures and every plan rule over the captured plans of
// testdata/plan-rules while tracking option reads. A rule with a SQL and a plan side shares
// its options: between them, the two sides read every one.
TEST(RuleRegistry, EveryRuleReadsEveryOptionItDeclares) {
  detail::RuleContext::track_option_reads(true);
  for (const detail::SqlRule* rule : rules::sql_rules()) {
    const RuleInfo& info = rule->info();
    if (info.options.empty()) continue;
    fs::path dir = test::testdata("sql") / std::string(info.id);
    if (!fs::is_directory(dir)) continue;
    for (auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() != ".sql") continue;
      SourceFile f;
      DecodeError err;
      ASSERT_TRUE(decode_source(e.path().string(), test::read_file(e.path()), f, err));
      Config config;
      fs::path toml = e.path();
      toml.replace_extension(".toml");
      if (fs::exists(toml)) { ASSERT_FALSE(load_config(toml, config)); }
      Catalog catalog;
      ASSERT_FALSE(build_catalog(config, {.extra_ddl = {e.path()}, .db_url = {}, .use_environment = false}, catalog));
      Linter(config).lint(f, catalog);
    }
  }
  for (auto& e : fs::recursive_directory_iterator(test::testdata("plan-rules"))) {
    if (e.path().extension() != ".txt") continue;
    for (const auto& plan : plan::read_plans(test::read_file(e.path())).plans) {
      (void)plan::diagnose(plan, Config{}, Catalog::none());
    }
  }
  for (const RuleInfo* info : all_rules()) {
    auto read = detail::RuleContext::options_read(info->id);
    for (const auto& o : info->options)
      EXPECT_NE(std::find(read.begin(), read.end(), std::string(o.name)), read.end())
          << info->id << " declares option `" << o.name << "` but never reads it on its fixtures";
  }
  detail::RuleContext::track_option_reads(false);
}

}  // namespace
}  // namespace pglens
