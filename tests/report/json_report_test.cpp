// The JSON report is written by hand (src/report/json.cpp): it must stay the layout nlohmann's
// dump(2) gives and valid JSON for any text a finding can carry.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <random>
#include <string>
#include <vector>

#include "pglens/report.hpp"
#include "source/json_string.hpp"

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
  EXPECT_EQ(json_string("a\xFF"
                        "b"),
            "\"a\xEF\xBF\xBD"
            "b\"");
  EXPECT_EQ(json_string("\xC3"), "\"\xEF\xBF\xBD\"");                                       // cut short at the end
  EXPECT_EQ(json_string("\xED\xA0\x80\n"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\\n\"");  // a surrogate
  for (std::string_view s : {"x\ty", "caf\xC3\xA9", "q\"\\"})
    EXPECT_EQ(json_string(s), nlohmann::json(std::string(s)).dump()) << s;
}

// The writer as it was before it skipped plain bytes eight at a time: one byte per step, the
// text validated whole first. The fast writer must write exactly what this one does.
std::string byte_by_byte_json_string(std::string_view s) {
  // The length of the well-formed sequence at s[i], 0 when it is not one: decoded, then
  // refused when overlong, a surrogate or past U+10FFFF.
  auto sequence_length = [&](size_t i) -> size_t {
    auto byte = [&](size_t k) -> unsigned { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0x100u; };
    unsigned lead = byte(0);
    size_t n = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
    if (n == 0 || lead > 0xF4) return 0;
    uint32_t code = lead & (0x7Fu >> n);
    for (size_t k = 1; k < n; ++k) {
      if ((byte(k) & 0x1C0u) != 0x80u) return 0;  // not a continuation byte, or past the end
      code = code << 6 | (byte(k) & 0x3Fu);
    }
    constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[n] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
    return n;
  };
  bool utf8 = true;
  for (size_t i = 0; i < s.size() && utf8;) {
    if (static_cast<unsigned char>(s[i]) < 0x80) ++i;
    else if (size_t n = sequence_length(i)) i += n;
    else utf8 = false;
  }
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = utf8 ? 1 : sequence_length(i);
      out += n == 0 ? std::string_view("\xEF\xBF\xBD") : s.substr(i, n);
      i += n == 0 ? 1 : n;
      continue;
    }
    ++i;
    constexpr std::string_view kNamed = "\b\f\n\r\t", kLetters = "bfnrt";  // JSON's short escapes
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (size_t k = kNamed.find(static_cast<char>(c)); k != std::string_view::npos) {
      out += '\\';
      out += kLetters[k];
    } else if (c < 0x20) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

TEST(JsonString, WritesWhatAByteByByteWriterWritesForAnyText) {
  // Pieces that land anywhere in an eight-byte word: plain runs, escapes, multi-byte
  // characters, bytes that are not UTF-8, NUL, bytes around the boundaries of the tests.
  const std::vector<std::string> pieces = {"a",
                                           "plain text ",
                                           "\"",
                                           "\\",
                                           "\n",
                                           "\t",
                                           "\x01",
                                           "\x1f",
                                           " ",
                                           "!",
                                           "#",
                                           "[",
                                           "]",
                                           "\x7f",
                                           std::string(1, '\0'),
                                           "\xC3\xA9",
                                           "\xE2\x82\xAC",
                                           "\xF0\x9F\x90\x98",
                                           "\xFF",
                                           "\xC3",
                                           "\xED\xA0\x80",
                                           "\x80",
                                           "\xE2\x82",
                                           "0123456789abcdef"};
  std::mt19937 random(12345);
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    size_t count = random() % 12;
    for (size_t k = 0; k < count; ++k) s += pieces[random() % pieces.size()];
    ASSERT_EQ(json_string(s), byte_by_byte_json_string(s))
        << nlohmann::json(s).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  }
  for (std::string_view s : {"caf\xC3\xA9 \xE2\x82\xAC",
                             "a\xFF"
                             "b",
                             "\xED\xA0\x80\n", "0123456789\"abcdef\xC3\xA9"})
    EXPECT_EQ(json_string(s), byte_by_byte_json_string(s));
}

TEST(JsonReport, EmptyRunIsAnEmptyArray) { EXPECT_EQ(render_json({}), "[]\n"); }

TEST(SarifReport, ArtifactUrisArePercentEncoded) {
  FileReport r = report_with("db/my queries#1 é.sql", "SELECT * FROM t;", Diagnostic("select-star", {7, 8}, "m"));
  FileReport unreadable;
  unreadable.file.path = "100% done?.sql";
  unreadable.error = "cannot open: No such file or directory";
  std::vector<FileReport> reports{r, unreadable};
  auto sarif = nlohmann::json::parse(render_sarif(reports));
  const auto& run = sarif["runs"][0];
  EXPECT_EQ(run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "db/my%20queries%231%20%C3%A9.sql");
  EXPECT_EQ(run["invocations"][0]["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]
               ["artifactLocation"]["uri"],
            "100%25%20done%3F.sql");
}

}  // namespace
}  // namespace pglens
