// A rule reads its options through its RuleContext (one per file and rule), which keeps each
// value it read: the answers are the configuration's, however often and in whatever order
// they are asked.
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pglens/catalog.hpp"
#include "pglens/config.hpp"
#include "pglens/rule.hpp"
#include "pglens/source.hpp"
#include "rules/api/sql_rule.hpp"

namespace pglens {
namespace {

TEST(RuleContext, OptionsAnswerAsConfiguredEveryTime) {
  RuleInfo info;
  info.id = "test-rule";
  info.options = {{"large-rows", int64_t{1000}, "rows"},
                  {"large-ratio", 0.5, "ratio"},
                  {"assume", false, "flag"},
                  {"name", std::string("x"), "text"}};
  Config config;
  config.rules["test-rule"].options["large-rows"] = int64_t{42};
  config.rules["test-rule"].options["assume"] = true;
  SourceFile file{"t.sql", "SELECT 1;"};
  std::vector<Diagnostic> out;
  detail::QueryFactsCache facts;
  detail::RuleContext ctx(info, config, file, Catalog::none(), Severity::warning, out, facts);
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(ctx.int_option("large-rows"), 42);  // configured
    EXPECT_TRUE(ctx.bool_option("assume"));
    EXPECT_DOUBLE_EQ(ctx.number_option("large-ratio"), 0.5);  // the default
    EXPECT_EQ(ctx.string_option("name"), "x");
    // A name that is a prefix of a read one is another option.
    EXPECT_THROW(ctx.int_option("large"), std::logic_error) << "round " << round;
  }
}

}  // namespace
}  // namespace pglens
