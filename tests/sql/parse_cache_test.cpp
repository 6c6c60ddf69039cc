#include <gtest/gtest.h>

#include <filesystem>

#include "sql/parser.hpp"
#include "support/fixtures.hpp"

namespace pglens::sql {
namespace {

// Every "location" in the tree, as a byte offset in the file. (Node::location() of a node
// without one, like a SelectStmt, falls back to the start of what libpg_query parsed: a
// chunk of statements, or the statement alone. Rules report on nodes that have one.)
void locations(simdjson::dom::element e, uint32_t base, std::vector<uint32_t>& out) {
  if (e.is_array()) {
    for (simdjson::dom::element child : e.get_array().value_unsafe()) locations(child, base, out);
  } else if (e.is_object()) {
    for (auto kv : e.get_object().value_unsafe()) {
      int64_t v = 0;
      if (kv.key == "location" && !kv.value.get_int64().get(v)) out.push_back(base + static_cast<uint32_t>(v));
      else locations(kv.value, base, out);
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
};

std::vector<Seen> parse_all(Parser& parser, std::string_view text, ParseCache* cache) {
  std::vector<Seen> out;
  parser.parse(text, lex(text).statements, [&](const Statement& st) {
    Seen s;
    if (st.root) {
      s.kind = std::string(st.root.kind());
      for (auto kv : st.root.fields()) locations(kv.value, st.root.base(), s.locations);
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
