#include "sql/ast.hpp"

#include <functional>
#include <string>

namespace pglens::sql {

Node::Node(simdjson::dom::element value, uint32_t base) : base_(base) {
  simdjson::dom::object obj;
  if (value.get_object().get(obj)) return;
  valid_ = true;
  fields_ = obj;
  // A wrapped node has exactly one key, capitalised, holding an object. size() is O(1).
  if (obj.size() != 1) return;
  auto it = obj.begin();
  std::string_view key = it.key();
  simdjson::dom::object inner;
  if (!key.empty() && key[0] >= 'A' && key[0] <= 'Z' && !it.value().get_object().get(inner)) {
    kind_ = key;
    fields_ = inner;
  }
}

Node::Node(simdjson::dom::element value, uint32_t base, std::string_view field) : Node(value, base) {
  if (valid_ && kind_.empty()) kind_ = implied_kind(field);
}

std::string_view implied_kind(std::string_view field) {
  struct Pair { std::string_view field, kind; };
  static constexpr Pair table[] = {
      {"larg", "SelectStmt"},        {"rarg", "SelectStmt"},          {"relation", "RangeVar"},
      {"withClause", "WithClause"},  {"intoClause", "IntoClause"},    {"into", "IntoClause"},
      {"onConflictClause", "OnConflictClause"}, {"typeName", "TypeName"}, {"alias", "Alias"},
      {"infer", "InferClause"},      {"partspec", "PartitionSpec"},   {"partbound", "PartitionBoundSpec"},
      {"view", "RangeVar"},          {"sequence", "RangeVar"},        {"ofTypename", "TypeName"},
      {"pktable", "RangeVar"},       {"collClause", "CollateClause"}, {"bound", "PartitionBoundSpec"},
  };
  for (const auto& p : table)
    if (p.field == field) return p.kind;
  return {};
}

const void* Node::id() const {
  // The text of the node's first key: each key of the document has its own copy in
  // simdjson's string buffer.
  if (!valid_ || fields_.size() == 0) return nullptr;
  return fields_.begin().key_c_str();
}

Node Node::field(std::string_view name) const {
  if (!valid_) return {};
  simdjson::dom::element e;
  if (fields_.at_key(name).get(e)) return {};
  return Node(e, base_, name);
}

List Node::list(std::string_view name) const {
  if (!valid_) return {};
  simdjson::dom::array a;
  if (fields_.at_key(name).get_array().get(a)) return {};
  return List(a, base_);
}

std::string_view Node::str(std::string_view name) const {
  if (!valid_) return {};
  std::string_view s;
  if (fields_.at_key(name).get_string().get(s)) return {};
  return s;
}

int64_t Node::integer(std::string_view name) const {
  if (!valid_) return 0;
  int64_t v = 0;
  if (fields_.at_key(name).get_int64().get(v)) return 0;
  return v;
}

bool Node::boolean(std::string_view name) const {
  if (!valid_) return false;
  bool v = false;
  if (fields_.at_key(name).get_bool().get(v)) return false;
  return v;
}

bool Node::has(std::string_view name) const {
  if (!valid_) return false;
  simdjson::dom::element e;
  return !fields_.at_key(name).get(e);
}

namespace {
// Node kinds whose PostgreSQL struct has no location field: statements (a SelectStmt, also
// as a subquery), FROM items other than a table, and the value nodes. For them a missing
// "location" is no location at all, not offset 0 of the parsed text (which is the start of
// the chunk, the start of another statement when this one is not the chunk's first).
bool has_no_location_field(std::string_view kind) {
  if (kind.ends_with("Stmt")) return kind != "PLAssignStmt";
  static constexpr std::string_view without[] = {
      "A_Indices",     "A_Indirection", "A_Star",          "Alias",          "Boolean",      "BitString",
      "Float",         "IndexElem",     "Integer",         "IntoClause",     "JoinExpr",     "List",
      "LockingClause", "MultiAssignRef", "RangeFunction",  "RangeSubselect", "SortGroupClause",
      "String",        "TableLikeClause", "WindowClause",  "PartitionCmd",   "ObjectWithArgs",
      "AccessPriv",    "FunctionParameter", "TriggerTransition", "MergeWhenClause"};
  for (std::string_view k : without)
    if (k == kind) return true;
  return false;
}
}  // namespace

std::optional<uint32_t> Node::location() const {
  if (!valid_) return std::nullopt;
  int64_t v = 0;
  auto r = fields_.at_key("location");
  if (r.error() == simdjson::NO_SUCH_FIELD)  // libpg_query omits a location of 0
    return has_no_location_field(kind_) ? std::nullopt : std::optional<uint32_t>(base_);
  if (r.get_int64().get(v) || v < 0) return std::nullopt;
  return base_ + static_cast<uint32_t>(v);
}

Node List::operator[](size_t i) const {
  if (!valid_) return {};
  simdjson::dom::element e;
  if (array_.at(i).get(e)) return {};
  return Node(e, base_);
}

namespace {
template <class Better>
std::optional<uint32_t> extreme_location(const Node& n, Better better, int depth) {
  std::optional<uint32_t> best = n.has("location") ? n.location() : std::nullopt;
  if (depth > 100) return best;  // deeper than any real expression; guards the stack
  for_each_child(n, [&](const Node& child) {
    auto inner = extreme_location(child, better, depth + 1);
    if (inner && (!best || better(*inner, *best))) best = inner;
  });
  return best;
}
}  // namespace

std::optional<uint32_t> first_location(const Node& n) { return extreme_location(n, std::less<uint32_t>(), 0); }
std::optional<uint32_t> last_location(const Node& n) { return extreme_location(n, std::greater<uint32_t>(), 0); }

std::string qualified_name(const List& names) {
  std::string out;
  for (Node n : names) {
    if (!out.empty()) out += '.';
    if (n.is("A_Star")) out += '*';
    else out += n.sval();
  }
  return out;
}

}  // namespace pglens::sql
