// Every SQL rule's documented example reports, and its "Use instead" stays quiet: the docs
// show what the rule does. A rule that needs a schema (sizes, indexes, partitions) finds it
// in testdata/rule-examples/<id>/: a .pglens.toml (schema paths, size hints, settings) and
// the schema it names, as the example's comment describes it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include "pglens/lint.hpp"
#include "pglens/rule.hpp"
#include "support/fixtures.hpp"

namespace pglens {
namespace {

namespace fs = std::filesystem;

// Examples that cannot be linted as written, and why.
const std::set<std::string, std::less<>> kElided = {
    "too-deep-to-analyze",  // "/* ... 20,000 more ... */": DeepStatements.* builds the real one
};

// The findings of `rule` on `sql`, linted with the rule's example config and schema, the SQL's
// own DDL included (a "Use instead" that creates an index).
size_t findings_of(const RuleInfo& rule, const std::string& sql) {
  fs::path dir = test::testdata("rule-examples") / std::string(rule.id);
  Config config;
  if (fs::exists(dir / ".pglens.toml")) {
    auto err = load_config(dir / ".pglens.toml", config);
    EXPECT_FALSE(err) << err->format();
  }
  config.select = {std::string(rule.id)};
  std::string path = (dir / "example.sql").string();
  Catalog catalog;
  auto err = build_catalog(config, {.extra_texts = {{path, sql}}, .db_url = {}, .use_environment = false}, catalog);
  EXPECT_FALSE(err) << *err;
  SourceFile file;
  DecodeError decode_error;
  EXPECT_TRUE(decode_source(path, sql, file, decode_error)) << decode_error.message;
  auto diags = Linter(config).lint(file, catalog);
  return static_cast<size_t>(
      std::count_if(diags.begin(), diags.end(), [&](const Diagnostic& d) { return d.rule == rule.id; }));
}

// Whether the SQL only defines schema (CREATE INDEX ...): then it is the fix of the example,
// and the two together must be quiet.
bool only_ddl(std::string_view sql) {
  for (std::string_view verb : {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"}) {
    size_t at = sql.find(verb);
    while (at != std::string_view::npos && at > 0 && sql[at - 1] != '\n' && sql[at - 1] != ' ' && sql[at - 1] != '(')
      at = sql.find(verb, at + 1);
    if (at != std::string_view::npos) return false;
  }
  return true;
}

TEST(RuleDocsExamples, EveryExampleReportsAndItsUseInsteadStaysQuiet) {
  size_t checked = 0;
  for (const RuleInfo* r : all_rules()) {
    if (!r->targets.sql || kElided.contains(r->id)) continue;
    SCOPED_TRACE(std::string(r->id));
    std::string example(r->docs.example), use_instead(r->docs.use_instead);
    EXPECT_GT(findings_of(*r, example), 0u) << "the documented example does not report; if it needs a schema, "
                                               "put it in testdata/rule-examples/"
                                            << r->id << "/";
    EXPECT_EQ(findings_of(*r, use_instead), 0u) << "the documented \"Use instead\" reports";
    if (only_ddl(use_instead)) {
      EXPECT_EQ(findings_of(*r, use_instead + "\n" + example), 0u) << "the example still reports with the fix applied";
    }
    ++checked;
  }
  EXPECT_GE(checked, 14u);
}

}  // namespace
}  // namespace pglens
