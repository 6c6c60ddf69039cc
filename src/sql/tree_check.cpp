#include "sql/tree_check.hpp"

#include <pg_query.h>

#include <simdjson.h>
#include <nlohmann/json.hpp>

#include "sql/parser.hpp"

namespace pglens::sql {
namespace {

// std::map objects, not ordered_json: an ordered object is a vector of pairs with a const key,
// which reallocation copies (not moves) whole, so each key added after a deep child copies
// that child again: quadratic in depth (a 1,200-term sum took 8 s under ASan in the fuzzer).
// Equality does not depend on the order of keys.
using Json = nlohmann::json;

// The nodes below `n` counted by the walk rules use (for_each_child, which reads only the
// fields the table marks as holding nodes), and by reading every field.
size_t walked_nodes(const Node& n) {
  size_t count = 0;
  for_each_child(n, [&](const Node& child) { count += 1 + walked_nodes(child); });
  return count;
}
size_t nodes_in_every_field(const Node& n) {
  size_t count = 0;
  for (const PglField* f = n.fields_begin(); f != n.fields_end(); ++f) {
    for (Node child : n.child_list(*f))
      if (child) count += 1 + nodes_in_every_field(child);
    if (Node child = n.child(*f)) count += 1 + nodes_in_every_field(child);
  }
  return count;
}
}  // namespace

std::optional<std::string> tree_mismatch(const std::string& statement) {
  // Text that is not UTF-8 is refused by the parser: not read at all, so not misread.
  if (!simdjson::validate_utf8(statement)) return std::nullopt;
  thread_local Parser parser;
  Json actual;
  bool refused_as_too_deep = false;
  size_t walked = 0, present = 0;
  auto size = static_cast<uint32_t>(statement.size());
  parser.parse(statement, {{{0, size}, size}}, [&](const Statement& st) {
    if (st.root) {
      actual = Json::parse(to_json(st.root), nullptr, /*allow_exceptions=*/false);
      walked = walked_nodes(st.root);
      present = nodes_in_every_field(st.root);
    }
    refused_as_too_deep = st.error && st.error->too_deep;  // likewise not read at all
  });
  // Not read, so not misread; and reading libpg_query's JSON of a tree 20,000 levels deep
  // (the too-deep fixture) into nlohmann::json took over a minute.
  if (refused_as_too_deep) return std::nullopt;

  Json expected;
  PgQueryParseResult r = pg_query_parse(statement.c_str());
  if (!r.error) {
    Json doc = Json::parse(r.parse_tree, nullptr, /*allow_exceptions=*/false);
    if (doc.is_object() && doc["stmts"].size() == 1) expected = doc["stmts"][0]["stmt"];
  }
  pg_query_free_parse_result(r);

  if (walked != present)
    return "the walk reaches " + std::to_string(walked) + " nodes of the " + std::to_string(present) + " in the tree";
  if (actual == expected) return std::nullopt;
  auto text = [](const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); };
  return "sql::Node:       " + text(actual) + "\nlibpg_query JSON: " + text(expected);
}

}  // namespace pglens::sql
