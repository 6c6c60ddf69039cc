#include "sql/ast.hpp"

#include <cstring>
#include <functional>
#include <string>

#include "source/json_string.hpp"
#include "sql/pg_names.hpp"

namespace pg = pglens::sql::pg;

namespace pglens::sql {

int64_t Node::read_int(const PglField& f) const {
  switch (f.size) {
    // Each branch converts on its own: a ?: of int32_t and uint32_t would be unsigned.
    case 1: return f.is_signed ? int64_t{read<int8_t>(f)} : int64_t{read<uint8_t>(f)};
    case 2: return f.is_signed ? int64_t{read<int16_t>(f)} : int64_t{read<uint16_t>(f)};
    case 4: return f.is_signed ? int64_t{read<int32_t>(f)} : int64_t{read<uint32_t>(f)};
    case 8: return f.is_signed ? read<int64_t>(f) : static_cast<int64_t>(read<uint64_t>(f));
    default: return 0;
  }
}

bool Node::shows(const PglField& f) const {
  if (!pointer_) return false;
  switch (f.kind) {
    case PGL_NODE:
    case PGL_SPECIFIC:
    case PGL_LIST:
    case PGL_CSTRING: return read<const void*>(f) != nullptr;
    case PGL_EMBEDDED:
    case PGL_ITEMS:
    case PGL_INT_ITEMS:
    case PGL_ENUM: return true;
    case PGL_ONEOF: return read_tag(at(f)) == f.oneof_tag;
    case PGL_CHAR: return read<char>(f) != 0;
    // libpg_query writes a Boolean node's value even when false ({"Boolean": {"boolval":
    // false}}), but not inside A_Const, where the Boolean has no kind.
    case PGL_BOOL: return read<bool>(f) || kind_ == pg::Boolean;
    case PGL_INT: return read_int(f) != 0;
    default: return false;
  }
}

std::string_view Node::str_at(const PglField& f) const {
  switch (f.kind) {
    case PGL_CSTRING: {
      const char* s = read<const char*>(f);
      return s ? std::string_view(s) : std::string_view();
    }
    case PGL_CHAR: {
      // A char field is shown as a one-character string: point into the struct itself.
      const char* c = static_cast<const char*>(at(f));
      return *c ? std::string_view(c, 1) : std::string_view();
    }
    case PGL_ENUM: {
      int64_t index = read<int>(f) + int64_t{PGL_ENUM_BIAS};
      if (index < 0 || index >= static_cast<int64_t>(f.enum_count)) return {};
      const char* n = f.enum_names[index];
      return n ? std::string_view(n) : std::string_view();
    }
    default: return {};
  }
}

std::optional<uint32_t> Node::location() const {
  if (!valid_ || !pointer_ || !type_ || type_->location_field < 0) return std::nullopt;
  int64_t v = read_int(type_->fields[type_->location_field]);
  if (v < 0) return std::nullopt;
  return base_ + static_cast<uint32_t>(v);
}

namespace {
template <class Better>
std::optional<uint32_t> extreme_location(const Node& n, Better better, int depth) {
  std::optional<uint32_t> best = n.location();
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

namespace {
void append_fields(std::string& out, const Node& n);

void append_node(std::string& out, const Node& n, bool with_kind) {
  if (with_kind && !n.kind().empty()) {
    out += "{\"";
    out += n.kind();
    out += "\":";
  }
  out += '{';
  append_fields(out, n);
  out += '}';
  if (with_kind && !n.kind().empty()) out += '}';
}

void append_fields(std::string& out, const Node& n) {
  bool first = true;
  for (const PglField* f = n.fields_begin(); f != n.fields_end(); ++f) {
    if (!n.shows(*f)) continue;
    std::string_view name(f->name, f->name_len);
    if (!first) out += ',';
    first = false;
    append_json_string(out, name);
    out += ':';
    switch (f->kind) {
      case PGL_NODE: append_node(out, n.child(*f), true); break;
      case PGL_SPECIFIC:
      case PGL_EMBEDDED:
      case PGL_ONEOF: append_node(out, n.child(*f), false); break;
      case PGL_LIST:
      case PGL_ITEMS:
      case PGL_INT_ITEMS: {
        List items = n.child_list(*f);
        out += '[';
        for (size_t i = 0; i < items.size(); ++i) {
          if (i) out += ',';
          if (f->kind == PGL_INT_ITEMS) out += "null";  // numbers are not nodes; not compared
          else append_node(out, items[i], true);
        }
        out += ']';
        break;
      }
      case PGL_CSTRING:
      case PGL_CHAR:
      case PGL_ENUM: append_json_string(out, n.str(name)); break;
      case PGL_BOOL: out += n.boolean(name) ? "true" : "false"; break;
      case PGL_INT: out += std::to_string(n.integer(name)); break;
      default: break;
    }
  }
}
}  // namespace

std::string to_json(const Node& n) {
  std::string out;
  if (n) append_node(out, n, true);
  return out;
}

std::string qualified_name(const List& names) {
  std::string out;
  for (Node n : names) {
    if (!out.empty()) out += '.';
    if (n.is(pg::A_Star)) out += '*';
    else out += n.sval();
  }
  return out;
}

}  // namespace pglens::sql
