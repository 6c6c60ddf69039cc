// A read-only view of libpg_query's parse tree (its JSON output, held by simdjson).
// Nodes look like {"SelectStmt": {...fields}}; fields typed as one struct in PostgreSQL
// (InsertStmt.relation is a RangeVar) are unwrapped: {...fields} with no kind.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

#include <simdjson.h>

#include "pglens/source.hpp"

namespace pglens::sql {

class List;

class Node {
 public:
  Node() = default;
  // `value` is a wrapped node {"Kind": {...}} or an unwrapped struct {...}.
  Node(simdjson::dom::element value, uint32_t base);
  // An unwrapped struct reached through `field`: takes the kind that field always holds
  // (larg -> SelectStmt, relation -> RangeVar ...), so rules can ask is("SelectStmt").
  Node(simdjson::dom::element value, uint32_t base, std::string_view field);

  explicit operator bool() const { return valid_; }
  std::string_view kind() const { return kind_; }  // empty for unwrapped structs
  bool is(std::string_view k) const { return kind_ == k; }

  Node field(std::string_view name) const;
  List list(std::string_view name) const;
  std::string_view str(std::string_view name) const;       // "" when absent
  int64_t integer(std::string_view name) const;            // 0 when absent
  bool boolean(std::string_view name) const;               // false when absent
  bool has(std::string_view name) const;
  // Byte offset in the file of the node's "location" field; nullopt when it has none, and
  // for kinds that never have one (a SelectStmt, a subquery in FROM ...): for a statement's
  // root, use the statement's span.
  std::optional<uint32_t> location() const;
  uint32_t base() const { return base_; }

  simdjson::dom::object fields() const { return fields_; }

  // What tells this node from every other node of the same tree (two Node views of one
  // node compare equal); nullptr for an invalid or empty node. Valid while the tree lives.
  const void* id() const;

  // String value of a {"String": {"sval": ...}} node.
  std::string_view sval() const { return str("sval"); }

 private:
  simdjson::dom::object fields_;
  std::string_view kind_;
  uint32_t base_ = 0;
  bool valid_ = false;
};

class List {
 public:
  List() = default;
  List(simdjson::dom::array a, uint32_t base) : array_(a), base_(base), valid_(true) {}
  size_t size() const { return valid_ ? array_.size() : 0; }
  bool empty() const { return size() == 0; }

  class iterator {
   public:
    iterator(simdjson::dom::array::iterator it, uint32_t base) : it_(it), base_(base) {}
    Node operator*() const { return Node(*it_, base_); }
    iterator& operator++() { ++it_; return *this; }
    bool operator!=(const iterator& o) const { return it_ != o.it_; }
   private:
    simdjson::dom::array::iterator it_;
    uint32_t base_;
  };
  iterator begin() const { return valid_ ? iterator(array_.begin(), base_) : iterator({}, base_); }
  iterator end() const { return valid_ ? iterator(array_.end(), base_) : iterator({}, base_); }
  Node operator[](size_t i) const;

 private:
  simdjson::dom::array array_;
  uint32_t base_ = 0;
  bool valid_ = false;
};

// Calls `visit(child)` for each node directly below `node` (the fields holding a node and the
// nodes of list fields), in the tree's order. Generic walks (every ColumnRef under an
// expression ...) recurse through it so no node kind is missed. A `visit` returning bool
// stops the walk with false; for_each_child then returns false.
template <class Visit>
bool for_each_child(const Node& node, Visit&& visit) {
  auto call = [&](const Node& child) {
    if constexpr (std::is_void_v<std::invoke_result_t<Visit&, const Node&>>) {
      visit(child);
      return true;
    } else {
      return static_cast<bool>(visit(child));
    }
  };
  for (auto kv : node.fields()) {
    simdjson::dom::element e = kv.value;
    if (e.is_array()) {
      simdjson::dom::array items = e.get_array().value_unsafe();  // a named copy: never iterate a temporary
      for (simdjson::dom::element child : items)
        if (child.is_object() && !call(Node(child, node.base()))) return false;
    } else if (e.is_object() && !call(Node(e, node.base(), kv.key))) {
      return false;
    }
  }
  return true;
}

// Whether `node` or a node below it satisfies `match`; the walk does not enter nodes for
// which `enter` is false (a SubLink, when only this query level counts).
// Stops 200 levels down: deeper than any real query, and crafted input must not overflow
// the stack.
template <class Match, class Enter>
bool any_node(const Node& node, const Match& match, const Enter& enter, int depth = 0) {
  if (!node || depth > 200) return false;
  if (match(node)) return true;
  if (!enter(node)) return false;
  return !for_each_child(node, [&](const Node& child) { return !any_node(child, match, enter, depth + 1); });
}

// The smallest / largest location written in the node or below it (the node's text
// begins / its last token starts there); nullopt when none is.
std::optional<uint32_t> first_location(const Node& n);
std::optional<uint32_t> last_location(const Node& n);

// The node kind a field of that name always holds when libpg_query writes it unwrapped.
std::string_view implied_kind(std::string_view field);

// Dotted name of a ColumnRef / list of String nodes ("public.orders", "o.customer_id").
std::string qualified_name(const List& names);

}  // namespace pglens::sql
