// Node::location() on nodes with no location of their own, in a statement that is not the
// first of its parse chunk (where offset 0 of the parsed text is another statement's start).
#include <gtest/gtest.h>

#include "catalog/query_facts.hpp"
#include "sql/parser.hpp"

namespace pglens::sql {
namespace {

constexpr std::string_view kText =
    "SELECT 1;\n"
    "SELECT a FROM (SELECT b FROM t) AS s, generate_series(1, 3) AS g;\n";

uint32_t offset_of(std::string_view needle) { return static_cast<uint32_t>(kText.find(needle)); }

struct Seen {
  std::optional<uint32_t> root, subselect, inner_select, function, column;
  std::vector<uint32_t> relation_locations;
};

// The statements from `first` on, parsed in one run (a run of one: the statement alone).
Seen second_statement(size_t first) {
  Parser parser;
  Seen seen;
  std::vector<StatementSpan> spans = lex(kText).statements;
  spans.erase(spans.begin(), spans.begin() + static_cast<std::ptrdiff_t>(first));
  parser.parse(kText, spans, [&](const Statement& st) {
    if (st.span.begin != offset_of("SELECT a")) return;
    EXPECT_TRUE(st.root.is("SelectStmt"));
    seen.root = st.root.location();
    List from = st.root.list("fromClause");
    EXPECT_EQ(from.size(), 2u);
    seen.subselect = from[0].location();
    seen.inner_select = from[0].field("subquery").location();
    seen.function = from[1].location();
    seen.column = st.root.list("targetList")[0].field("val").location();
    for (const auto& r : catalog::analyze_query(st.root, Catalog::none()).relations)
      seen.relation_locations.push_back(r.location);
  });
  return seen;
}

void expect_exact(const Seen& seen) {
  EXPECT_EQ(seen.root, std::nullopt);  // was the chunk's start: the first statement
  EXPECT_EQ(seen.subselect, std::nullopt);
  EXPECT_EQ(seen.inner_select, std::nullopt);
  EXPECT_EQ(seen.function, std::nullopt);
  EXPECT_EQ(seen.column, offset_of("a FROM"));
  // A FROM item without a location is placed where its text begins.
  EXPECT_EQ(seen.relation_locations, (std::vector<uint32_t>{offset_of("b FROM"), offset_of("generate_series")}));
}

TEST(NodeLocation, NodesWithoutOwnLocationInALaterStatementOfARun) { expect_exact(second_statement(0)); }

TEST(NodeLocation, SameWhenTheStatementIsParsedAlone) { expect_exact(second_statement(1)); }

}  // namespace
}  // namespace pglens::sql
