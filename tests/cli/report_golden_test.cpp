// Golden files of every report format, rendered by the real binary.
#include <gtest/gtest.h>

#include "support/fixtures.hpp"

namespace pglens {
namespace {

struct Case {
  const char* format;
  const char* extension;
};

class ReportGolden : public ::testing::TestWithParam<Case> {};

TEST_P(ReportGolden, MatchesTheGoldenFile) {
  auto dir = test::testdata("report");
  auto r = test::run_pglens(std::string("lint --color never --format ") + GetParam().format + " sample.sql", {}, dir);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  test::expect_golden(dir / (std::string("sample.") + GetParam().extension + ".expected"), r.out);
}

INSTANTIATE_TEST_SUITE_P(Formats, ReportGolden,
                         ::testing::Values(Case{"text", "text"}, Case{"json", "json"}, Case{"sarif", "sarif"},
                                           Case{"github", "github"}),
                         [](const auto& param_info) { return std::string(param_info.param.format); });

// Validates SARIF output against the official 2.1.0 JSON schema with python3-jsonschema.
TEST(Sarif, OutputValidatesAgainstTheSarif210Schema) {
  test::TempDir tmp;
  auto r = test::run_pglens("lint --format sarif sample.sql", {}, test::testdata("report"));
  ASSERT_EQ(r.exit_code, 1) << r.err;
  test::write_file(tmp / "out.sarif", r.out);
  // The SARIF 2.1.0 schema, kept in the repository so the test runs from any checkout.
  std::string schema = (test::testdata("report") / "sarif-2.1.0.json").string();
  std::string cmd =
      "python3 -c 'import json,sys,jsonschema; "
      "jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))' '" +
      schema + "' '" + (tmp / "out.sarif").string() + "' 2>'" + (tmp / "err").string() + "'";
  int status = std::system(cmd.c_str());
  EXPECT_EQ(status, 0) << test::read_file(tmp / "err");
}

}  // namespace
}  // namespace pglens
