// A read-only view of libpg_query's raw parse tree: PostgreSQL's node structs, read through
// the field table generated from libpg_query's protocol (pg_tree.h). A Node answers as
// libpg_query's JSON output would show it: {"SelectStmt": {...fields}}, where a field that
// is zero, false or NULL is absent, and a field typed as one struct in PostgreSQL
// (InsertStmt.relation is a RangeVar) holds that struct without its kind.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "pglens/source.hpp"
#include "sql/pg_tree.h"

namespace pglens::sql {

class List;

class Node {
 public:
  Node() = default;
  // A node of the tree at `pointer` (a PostgreSQL node struct; nullptr is the empty node
  // `{}` a list may hold); locations count from `base`.
  static Node wrapped(const void* pointer, uint32_t base);

  explicit operator bool() const { return valid_; }
  std::string_view kind() const { return kind_; }  // empty for unwrapped structs
  bool is(std::string_view k) const { return kind_ == k; }

  Node field(std::string_view name) const;
  List list(std::string_view name) const;
  std::string_view str(std::string_view name) const;  // "" when absent
  int64_t integer(std::string_view name) const;       // 0 when absent
  bool boolean(std::string_view name) const;          // false when absent
  bool has(std::string_view name) const;
  // Byte offset in the file of the node's "location" field; nullopt when it is unknown (-1)
  // and for kinds that have none (a SelectStmt, a subquery in FROM ...): for a statement's
  // root, use the statement's span.
  std::optional<uint32_t> location() const;
  uint32_t base() const { return base_; }

  // What tells this node from every other node of the same tree (two Node views of one
  // node compare equal); nullptr for an invalid or empty node. Valid while the tree lives.
  const void* id() const { return valid_ ? pointer_ : nullptr; }

  // String value of a {"String": {"sval": ...}} node.
  std::string_view sval() const { return str("sval"); }

  // The fields of the node's struct, in declaration order; for walks over every field.
  const PglField* fields_begin() const { return type_ ? type_->fields : nullptr; }
  const PglField* fields_end() const { return type_ ? type_->fields + type_->field_count : nullptr; }
  // The fields that may hold nodes or lists of nodes (indexes into fields_begin()), in order.
  const uint8_t* node_fields_begin() const { return type_ ? type_->node_fields : nullptr; }
  const uint8_t* node_fields_end() const { return type_ ? type_->node_fields + type_->node_field_count : nullptr; }
  // The node or list a field holds: invalid / empty when absent or not a node / list.
  Node child(const PglField& f) const;
  List child_list(const PglField& f) const;
  // Whether libpg_query's JSON output would write the field (it leaves out zero, false, NULL).
  bool shows(const PglField& f) const;

 private:
  Node(const void* pointer, const PglType* type, std::string_view kind, uint32_t base)
      : pointer_(pointer), type_(type), kind_(kind), base_(base), valid_(true) {}
  const PglField* find(std::string_view name) const;
  std::string_view str_at(const PglField& f) const;
  const void* at(const PglField& f) const { return static_cast<const char*>(pointer_) + f.offset; }
  template <class T>
  T read(const PglField& f) const {
    T v;
    std::memcpy(&v, at(f), sizeof v);
    return v;
  }
  static int read_tag(const void* p) {
    int tag;
    std::memcpy(&tag, p, sizeof tag);
    return tag;
  }
  // A struct of `f` without a kind of its own in the tree: the kind sql::Node gives it.
  Node implied(const void* pointer, const PglField& f) const {
    return Node(pointer, f.declared,
                f.implied_kind ? std::string_view(f.implied_kind, f.implied_kind_len) : std::string_view(), base_);
  }
  int64_t read_int(const PglField& f) const;

  const void* pointer_ = nullptr;
  const PglType* type_ = nullptr;  // of the struct at pointer_; nullptr for the empty node
  std::string_view kind_;
  uint32_t base_ = 0;
  bool valid_ = false;
};

class List {
 public:
  List() = default;
  // `list` is a PostgreSQL List * (nullptr: empty).
  List(const void* list, uint32_t base);
  size_t size() const { return static_cast<size_t>(size_); }
  bool empty() const { return size_ == 0; }

  class iterator {
   public:
    iterator(const List* list, int i) : list_(list), i_(i) {}
    Node operator*() const { return (*list_)[static_cast<size_t>(i_)]; }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator!=(const iterator& o) const { return i_ != o.i_; }

   private:
    const List* list_;
    int i_;
  };
  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, size_); }
  // An IntList's items are numbers, not nodes: invalid Nodes, as JSON numbers would be.
  Node operator[](size_t i) const {
    if (i >= size() || ints_) return {};
    return Node::wrapped(cells_[i], base_);
  }

 private:
  const void* const* cells_ = nullptr;
  int size_ = 0;
  uint32_t base_ = 0;
  bool ints_ = false;
};

// Field lookups by name are inline, always: nearly every name is a literal, and then its
// hash and length are constants and the compare is a word or two.

namespace detail {
template <class Word>
Word load_word(const char* p) {
  Word w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// a[0, n) == b[0, n) for short names, by words: the first and last word overlap when n is not
// a multiple of 8, and nothing outside [0, n) is read. A call to memcmp costs more.
inline bool same_bytes(const char* a, const char* b, size_t n) {
  if (n >= 8) {
    for (size_t i = 0; i + 8 < n; i += 8)
      if (load_word<uint64_t>(a + i) != load_word<uint64_t>(b + i)) return false;
    return load_word<uint64_t>(a + n - 8) == load_word<uint64_t>(b + n - 8);
  }
  if (n >= 4)
    return load_word<uint32_t>(a) == load_word<uint32_t>(b) &&
        load_word<uint32_t>(a + n - 4) == load_word<uint32_t>(b + n - 4);
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}
}  // namespace detail

[[gnu::always_inline]] inline const PglField* Node::find(std::string_view name) const {
  if (name.empty() || !type_ || !type_->field_slots) return nullptr;
  const uint32_t mask = type_->field_slot_mask;
  for (uint32_t i = pgl_field_hash(name.data(), name.size()) & mask;; i = (i + 1) & mask) {
    uint8_t slot = type_->field_slots[i];
    if (slot == 0) return nullptr;
    const PglField* f = type_->fields + (slot - 1);
    if (f->name_len == name.size() && detail::same_bytes(f->name, name.data(), name.size())) return f;
  }
}

[[gnu::always_inline]] inline Node Node::field(std::string_view name) const {
  const PglField* f = valid_ ? find(name) : nullptr;
  return f ? child(*f) : Node();
}

[[gnu::always_inline]] inline List Node::list(std::string_view name) const {
  const PglField* f = valid_ ? find(name) : nullptr;
  return f ? child_list(*f) : List();
}

[[gnu::always_inline]] inline std::string_view Node::str(std::string_view name) const {
  const PglField* f = valid_ && pointer_ ? find(name) : nullptr;
  return f ? str_at(*f) : std::string_view();
}

[[gnu::always_inline]] inline int64_t Node::integer(std::string_view name) const {
  const PglField* f = valid_ && pointer_ ? find(name) : nullptr;
  return f && f->kind == PGL_INT ? read_int(*f) : 0;
}

[[gnu::always_inline]] inline bool Node::boolean(std::string_view name) const {
  const PglField* f = valid_ && pointer_ ? find(name) : nullptr;
  return f && f->kind == PGL_BOOL && read<bool>(*f);
}

[[gnu::always_inline]] inline bool Node::has(std::string_view name) const {
  const PglField* f = valid_ ? find(name) : nullptr;
  return f && shows(*f);
}

// The walk's primitives are defined here, always inline: a walk calls them for every field
// of every node of every statement.

[[gnu::always_inline]] inline Node Node::wrapped(const void* pointer, uint32_t base) {
  if (!pointer) return Node(nullptr, nullptr, {}, base);
  const PglType* type = pgl_type_of(pointer);
  return Node(pointer, type, type ? std::string_view(type->name, type->name_len) : std::string_view(), base);
}

[[gnu::always_inline]] inline Node Node::child(const PglField& f) const {
  if (!pointer_) return {};
  switch (f.kind) {
    case PGL_NODE:
      if (const void* p = read<const void*>(f)) return wrapped(p, base_);
      return {};
    case PGL_SPECIFIC:
      if (const void* p = read<const void*>(f)) return implied(p, f);
      return {};
    case PGL_EMBEDDED: return implied(at(f), f);
    case PGL_ONEOF:
      if (read_tag(at(f)) == f.oneof_tag) return implied(at(f), f);
      return {};
    default: return {};
  }
}

[[gnu::always_inline]] inline List Node::child_list(const PglField& f) const {
  if (!pointer_) return {};
  switch (f.kind) {
    case PGL_LIST: return List(read<const void*>(f), base_);
    case PGL_ITEMS:
    case PGL_INT_ITEMS: return List(pointer_, base_);
    default: return {};
  }
}

inline List::List(const void* list, uint32_t base) : base_(base) {
  if (!list) return;
  PglListHead head;
  std::memcpy(&head, list, sizeof head);
  cells_ = head.elements;
  size_ = head.length;
  ints_ = head.tag == pgl_int_list_tag || head.tag == pgl_oid_list_tag;
}

// Calls `visit(child, field)` for each node directly below `node` (the fields holding a node
// and the nodes of list fields), with the name of the field holding it, in the tree's order;
// a `visit` returning false stops the walk, and then this returns false.
template <class Visit>
bool for_each_field_child(const Node& node, Visit&& visit) {
  const PglField* fields = node.fields_begin();
  const uint8_t* end = node.node_fields_end();  // read once: `visit` is opaque to the compiler
  for (const uint8_t* i = node.node_fields_begin(); i != end; ++i) {
    const PglField* f = fields + *i;
    std::string_view field(f->name, f->name_len);
    if (f->kind == PGL_LIST || f->kind == PGL_ITEMS) {
      for (Node child : node.child_list(*f))
        if (child && !visit(child, field)) return false;
    } else if (Node child = node.child(*f); child && !visit(child, field)) {
      return false;
    }
  }
  return true;
}

// Calls `visit(child)` for each node directly below `node`, as for_each_field_child. Generic
// walks (every ColumnRef under an expression ...) recurse through it so no node kind is
// missed. A `visit` returning bool stops the walk with false; for_each_child then returns false.
template <class Visit>
bool for_each_child(const Node& node, Visit&& visit) {
  return for_each_field_child(node, [&](const Node& child, std::string_view) {
    if constexpr (std::is_void_v<std::invoke_result_t<Visit&, const Node&>>) {
      visit(child);
      return true;
    } else {
      return static_cast<bool>(visit(child));
    }
  });
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

// The node as libpg_query's JSON output writes it ({"Kind": {...}}, or {...} for a struct
// without its kind), with locations as parsed: what tests compare against libpg_query.
std::string to_json(const Node& n);

// Dotted name of a ColumnRef / list of String nodes ("public.orders", "o.customer_id").
std::string qualified_name(const List& names);

}  // namespace pglens::sql
