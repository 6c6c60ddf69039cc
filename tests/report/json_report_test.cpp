// The JSON report is written by hand (src/report/json.cpp): it must stay the layout nlohmann's
// dump(2) gives and valid JSON for any text a finding can carry.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "pglens/report.hpp"
#include "report/json_string.hpp"

namespace pglens {
namespace {

FileReport report_with(std::string path, std::string text, Diagnostic d) {
  FileReport r;
  r.file.path = std::move(path);
  r.file.text = std::move(text);
  r.diagnostics.push_back(std::move(d));
  return r;
}

TEST(JsonReport, EscapesEveryStringAsNlohmannWouldAndStaysValidOnBytesThatAreNotUtf8) {
  Diagnostic d("select-star", Span{0, 8}, "quote \" backslash \\ tab \t bell \x07 new\nline é");
  d.help("ctrl \x1f and \x7f");
  d.fix(Fix{"expand", {{Span{7, 8}, "a, \"b\""}}, true});
  d.ddl("CREATE INDEX CONCURRENTLY i ON t (a);");
  d.related(Span{0, 6}, "here");
  FileReport r = report_with("dir/caf\xff.sql", "SELECT *\nFROM t;\n", d);
  std::string text = render_json(std::span<const FileReport>(&r, 1));

  nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(text);
  ASSERT_EQ(parsed.size(), 1u);
  const auto& f = parsed[0];
  EXPECT_EQ(f["file"], "dir/caf\xEF\xBF\xBD.sql");  // U+FFFD for the byte that is not UTF-8
  EXPECT_EQ(f["message"], d.message);
  EXPECT_EQ(f["help"], d.help_text);
  EXPECT_EQ(f["fix"]["edits"][0]["replacement"], "a, \"b\"");
  EXPECT_EQ(f["fix"]["edits"][0]["column"], 8);
  EXPECT_EQ(f["ddl"], d.ddl_text);
  EXPECT_EQ(f["related"][0]["message"], "here");
  EXPECT_EQ(f["end_line"], 1);

  // With valid text, byte for byte what nlohmann's dump(2) writes, one level in.
  FileReport clean = report_with("a.sql", "SELECT *\nFROM t;\n", Diagnostic("select-star", Span{7, 8}, "m\t\x01"));
  clean.diagnostics[0].fix(Fix{"none", {}, false});
  std::string clean_text = render_json(std::span<const FileReport>(&clean, 1));
  std::string expected = nlohmann::ordered_json::parse(clean_text).dump(2) + "\n";
  EXPECT_EQ(clean_text, expected);
}

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(JsonString, EscapesAsNlohmannAndReplacesBytesThatAreNotUtf8) {
  EXPECT_EQ(json_string(""), R"("")");
  EXPECT_EQ(json_string("plain text"), R"("plain text")");
  EXPECT_EQ(json_string("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(json_string("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(json_string(std::string_view("\x01\x1f\0", 3)), R"("\u0001\u001f\u0000")");
  EXPECT_EQ(json_string("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x90\x98"), "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x90\x98\"");
  EXPECT_EQ(json_string("a\xFF" "b"), "\"a\xEF\xBF\xBD" "b\"");
  EXPECT_EQ(json_string("\xC3"), "\"\xEF\xBF\xBD\"");                  // cut short at the end
  EXPECT_EQ(json_string("\xED\xA0\x80\n"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\\n\"");  // a surrogate
  for (std::string_view s : {"x\ty", "caf\xC3\xA9", "q\"\\"})
    EXPECT_EQ(json_string(s), nlohmann::json(std::string(s)).dump()) << s;
}

TEST(JsonReport, EmptyRunIsAnEmptyArray) {
  EXPECT_EQ(render_json({}), "[]\n");
}

}  // namespace
}  // namespace pglens
