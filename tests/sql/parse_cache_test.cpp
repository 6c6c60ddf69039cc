#include <gtest/gtest.h>

#include <filesystem>
#include <ostream>

#include "sql/parser.hpp"
#include "support/fixtures.hpp"

namespace pglens::sql {
namespace {

// Every known "location" in the tree, as a byte offset in the file.
void locations(simdjson::dom::element e, uint32_t base, std::vector<uint32_t>& out) {
  if (e.is_array()) {
    simdjson::dom::array items = e.get_array().value_unsafe();  // a named copy: never iterate a temporary
    for (simdjson::dom::element child : items) locations(child, base, out);
  } else if (e.is_object()) {
    simdjson::dom::object fields = e.get_object().value_unsafe();
    for (auto kv : fields) {
      int64_t v = 0;
      if (kv.key != "location") locations(kv.value, base, out);
      else if (!kv.value.get_int64().get(v) && v >= 0) out.push_back(base + static_cast<uint32_t>(v));  // -1: unknown
    }
  }
}

// What a rule can see of one parsed statement, in a comparable form.
struct Seen {
  std::string kind;
  std::vector<uint32_t> locations;
  std::string first_field;
  std::optional<std::string> error;
  std::optional<uint32_t> error_offset;
  friend bool operator==(const Seen&, const Seen&) = default;
  friend void PrintTo(const Seen& s, std::ostream* os) {
    *os << s.kind << " " << s.first_field << " at";
    for (uint32_t l : s.locations) *os << " " << l;
    if (s.error) *os << " error " << *s.error << " at " << s.error_offset.value_or(0);
  }
};

std::vector<Seen> parse_all(Parser& parser, std::string_view text, ParseCache* cache) {
  std::vector<Seen> out;
  parser.parse(text, lex(text).statements, [&](const Statement& st) {
    Seen s;
    if (st.root) {
      s.kind = std::string(st.root.kind());
      for (auto kv : st.root.fields()) locations(kv.value, st.root.base(), s.locations);
      // Parsed alone, a statement's own start is location 0, which libpg_query leaves out
      // (Node::location() reads a missing one as the start).
      std::erase(s.locations, st.span.begin);
      for (auto kv : st.root.fields()) {
        s.first_field = std::string(kv.key);
        break;
      }
    }
    if (st.error) {
      s.error = st.error->message;
      s.error_offset = st.error->offset;
    }
    out.push_back(std::move(s));
  }, cache);
  return out;
}

// Parsing through a cache gives the trees and errors of a plain parse, on every fixture and
// after edits, and holds only the statements of the last parse.
TEST(ParseCache, SameTreesAndErrorsAsAPlainParse) {
  Parser parser;
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(test::testdata("sql"))) {
    if (entry.path().extension() != ".sql") continue;
    ++files;
    std::string text = test::read_file(entry.path());
    SCOPED_TRACE(entry.path().string());
    ParseCache cache;
    auto plain = parse_all(parser, text, nullptr);
    EXPECT_EQ(parse_all(parser, text, &cache), plain);
    EXPECT_EQ(parse_all(parser, text, &cache), plain);  // now from the cache
    std::string edited = "SELECT (;\n" + text + "\nSELECT 1;";
    EXPECT_EQ(parse_all(parser, edited, &cache), parse_all(parser, edited, nullptr));
  }
  EXPECT_GT(files, 2u);

  ParseCache cache;
  std::string text = "SELECT 1;\nSELECT 1;\nSELECT * FROM t WHERE;\nSELECT 2;";
  auto seen = parse_all(parser, text, &cache);
  EXPECT_EQ(cache.size(), 3u);  // two statements of the same text share an entry
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[2].error_offset, text.find("WHERE;") + 5);
  parse_all(parser, "SELECT 3;", &cache);
  EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
}  // namespace pglens::sql
