#include <gtest/gtest.h>

#include "pglens/config.hpp"
#include "pglens/lint.hpp"
#include "support/fixtures.hpp"

namespace pglens {
namespace {

std::optional<ConfigError> parse(std::string_view toml, Config& c) { return parse_config(toml, "/p/.pglens.toml", c); }

TEST(Config, ReadsRulesSeveritiesAndGlobs) {
  Config c;
  auto err = parse(R"(
select = ["select-star", "syntax-error"]
exclude = ["vendor/**"]
fail-on = "error"
[rules.select-star]
severity = "error"
[rules.syntax-error]
severity = "off"
)",
                   c);
  ASSERT_FALSE(err) << err->format();
  EXPECT_EQ(c.effective_severity(*find_rule("select-star")), Severity::error);
  EXPECT_EQ(c.effective_severity(*find_rule("syntax-error")), std::nullopt);
  EXPECT_EQ(c.effective_severity(*find_rule("unused-ignore")), std::nullopt);  // not selected
  EXPECT_EQ(c.fail_on, Severity::error);
  EXPECT_TRUE(c.excluded("/p/vendor/x/y.sql"));
  EXPECT_FALSE(c.excluded("/p/src/y.sql"));
}

TEST(Config, UnknownKeyNamesFileLineAndKey) {
  Config c;
  auto err = parse("select = [\"ALL\"]\n\nexlude = [\"x\"]\n", c);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->line, 3u);
  EXPECT_NE(err->format().find("/p/.pglens.toml:3:"), std::string::npos);
  EXPECT_NE(err->message.find("exlude"), std::string::npos);
}

TEST(Config, UnknownRuleIdIsAnError) {
  Config c;
  auto err = parse("[rules.select-stars]\nseverity = \"error\"\n", c);
  ASSERT_TRUE(err);
  EXPECT_NE(err->message.find("select-stars"), std::string::npos);
  err = parse("ignore = [\"nope\"]\n", c);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->line, 1u);
}

TEST(Config, BadValuesAreErrors) {
  Config c;
  auto err = parse("[rules.select-star]\nseverity = \"loud\"\n", c);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->line, 2u);
  EXPECT_NE(err->message.find("loud"), std::string::npos);
  EXPECT_TRUE(parse("select = \"select-star\"\n", c));
  EXPECT_TRUE(parse("[rules.select-star]\nwidth = 3\n", c));  // no such option
}

TEST(Config, PostgresVersionIsAMajorVersion) {
  const std::vector<std::pair<const char*, int>> good = {{"postgres-version = 15", 15},
                                                         {"postgres-version = \"15.4\"", 15},
                                                         {"postgres-version = \"9.6\"", 9},
                                                         {"postgres-version = \"18\"", 18}};
  for (auto [toml, major] : good) {
    Config c;
    EXPECT_FALSE(parse(toml, c)) << toml;
    // Read by the one rule that uses it.
    EXPECT_EQ(c.option(*find_rule("needs-newer-postgres"), "postgres-version"), OptionValue{int64_t{major}}) << toml;
  }
  EXPECT_EQ(Config().option(*find_rule("needs-newer-postgres"), "postgres-version"), OptionValue{int64_t{0}});
  for (const char* bad : {"postgres-version = 3", "postgres-version = \"latest\"", "postgres-version = 15.4",
                          "postgres-version = \"\""}) {
    Config c;
    auto err = parse(bad, c);
    ASSERT_TRUE(err) << bad;
    EXPECT_NE(err->message.find("postgres-version"), std::string::npos) << bad;
  }
}

TEST(Config, BrokenTomlIsAnErrorWithAPosition) {
  Config c;
  auto err = parse("select = [\"ALL\"\n[rules\n", c);
  ASSERT_TRUE(err);
  EXPECT_GT(err->line, 0u);
  EXPECT_NE(err->message.find("invalid TOML"), std::string::npos);
}

TEST(Config, FindsTheNearestFileWalkingUp) {
  test::TempDir dir;
  test::write_file(dir / "a/.pglens.toml", "");
  test::write_file(dir / "a/b/c/q.sql", "SELECT 1;");
  auto found = find_config(dir / "a/b/c/q.sql");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->lexically_normal(), (dir / "a/.pglens.toml").lexically_normal());
}

TEST(Config, RenderShowsEveryRule) {
  Config c;
  std::string out = render_config(c);
  for (const RuleInfo* r : all_rules())
    EXPECT_NE(out.find(std::string("[rules.") + std::string(r->id) + "]"), std::string::npos);
}

TEST(Glob, MatchesSegmentsAndDoubleStars) {
  EXPECT_TRUE(glob_match("**/*.sql", "a/b/c.sql"));
  EXPECT_TRUE(glob_match("**/*.sql", "c.sql"));
  EXPECT_FALSE(glob_match("*.sql", "a/c.sql"));
  EXPECT_TRUE(glob_match("vendor/**", "vendor/x/y.sql"));
  EXPECT_TRUE(glob_match("db/**/gen_*.sql", "db/x/y/gen_1.sql"));
  EXPECT_TRUE(glob_match("db/**/gen_*.sql", "db/gen_1.sql"));
  EXPECT_FALSE(glob_match("db/**/gen_*.sql", "db/x/other.sql"));
  EXPECT_TRUE(glob_match("q[0-9].sql", "q7.sql"));
}

// Each pattern segment meets each path segment at most once: nine `**` against a deep path
// that almost matches take as many steps as one (backtracking took over a minute).
TEST(Glob, ManyDoubleStarsStayLinear) {
  std::string pattern, path;
  for (int i = 0; i < 9; ++i) pattern += "**/a/";
  pattern += "*.sql";
  for (int i = 0; i < 60; ++i) path += "a/";
  EXPECT_FALSE(glob_match(pattern, path + "x.txt"));
  EXPECT_TRUE(glob_match(pattern, path + "x.sql"));
  EXPECT_FALSE(glob_match("vendor/**", "vendor"));
  EXPECT_TRUE(glob_match("**", "a/b"));
  EXPECT_TRUE(glob_match("a/**/b/**/c", "a/b/c"));
  EXPECT_FALSE(glob_match("a/**/b/**/c", "a/c"));
}

TEST(ConfigParse, DeeplyNestedKeysAreAnErrorNotAStackOverflow) {
  Config c;
  std::string key = "a";
  for (int i = 0; i < 100000; ++i) key += ".a";
  auto err = parse_config(key + " = 1\n", "/x/.pglens.toml", c);
  ASSERT_TRUE(err);
  EXPECT_NE(err->message.find("nested more than"), std::string::npos) << err->message;
  err = parse_config("x = " + std::string(100000, '[') + "\n", "/x/.pglens.toml", c);
  ASSERT_TRUE(err);
  // Dots and brackets in strings and comments are text, not nesting.
  std::string dotted(200, '.');
  EXPECT_FALSE(
      parse_config("# " + dotted + "\nschema = [\"" + dotted + "sql\", '" + dotted + "']\n", "/x/.pglens.toml", c))
      << "a long string is not a deep key";
}

}  // namespace
}  // namespace pglens
