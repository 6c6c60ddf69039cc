#include <gtest/gtest.h>

#include <filesystem>
#include <ostream>

#include "sql/parser.hpp"
#include "support/fixtures.hpp"
#include "support/psql_scripts.hpp"

namespace pglens::sql {
namespace {

// Every known location in the tree, as a byte offset in the file.
void locations(const Node& n, std::vector<uint32_t>& out) {
  if (auto l = n.location()) out.push_back(*l);
  for_each_child(n, [&](const Node& child) { locations(child, out); });
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

Seen seen(const Statement& st) {
  Seen s;
  if (st.root) {
    s.kind = std::string(st.root.kind());
    locations(st.root, s.locations);
    for (const PglField* f = st.root.fields_begin(); f != st.root.fields_end(); ++f)
      if (st.root.shows(*f)) {
        s.first_field = std::string(f->name, f->name_len);
        break;
      }
  }
  if (st.error) {
    s.error = st.error->message;
    s.error_offset = st.error->offset;
  }
  return s;
}

// The statements of `text` parsed in runs of `run` consecutive statements (0: all at once).
std::vector<Seen> parse_in_runs(Parser& parser, std::string_view text, size_t run) {
  std::vector<StatementSpan> spans = lex(text).statements;
  std::vector<Seen> out;
  for (size_t k = 0; k < spans.size();) {
    size_t end = run == 0 ? spans.size() : std::min(spans.size(), k + run);
    std::vector<StatementSpan> part(spans.begin() + static_cast<std::ptrdiff_t>(k),
                                    spans.begin() + static_cast<std::ptrdiff_t>(end));
    size_t first = out.size();
    parser.parse(text, part, [&](const Statement& st) {
      EXPECT_EQ(st.index, out.size() - first);
      out.push_back(seen(st));
    });
    k = end;
  }
  return out;
}

// Any run of consecutive statements parses to the trees and errors those statements have in
// a parse of the whole file (an editor re-parses just the statements an edit changed), on
// every fixture and psql script, and after edits that break statements.
TEST(ParseRuns, SameTreesAndErrorsAsAWholeFileParse) {
  Parser parser;
  size_t files = 0;
  auto paths = test::sql_fixture_files();
  for (const auto& script : test::psql_script_files()) paths.push_back(script);
  for (const auto& path : paths) {
    ++files;
    std::string text = test::read_file(path);
    SCOPED_TRACE(path.string());
    for (std::string edited : {text, "SELECT (;\n" + text + "\nSELECT 1;"}) {
      auto whole = parse_in_runs(parser, edited, 0);
      EXPECT_EQ(parse_in_runs(parser, edited, 1), whole);
      EXPECT_EQ(parse_in_runs(parser, edited, 2), whole);
    }
  }
  EXPECT_GT(files, 2u);

  std::string text = "SELECT 1;\nSELECT * FROM t WHERE;\nSELECT 2;";
  auto alone = parse_in_runs(parser, text, 1);
  ASSERT_EQ(alone.size(), 3u);
  EXPECT_EQ(alone[1].error_offset, text.find("WHERE;") + 5);
  EXPECT_FALSE(alone[2].error);
}

}  // namespace
}  // namespace pglens::sql
