#include "rules/api/plan_conditions.hpp"
#include "sql/pg_names.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace pg = pglens::sql::pg;

namespace pglens::rule {
namespace {

using sql::Node;

// Casts PostgreSQL adds on its own when it prints a condition: varchar and char columns
// compared as text. They do not stop an index on the column from serving the condition.
bool transparent_cast(const Node& type_cast) {
  std::string name;
  for (Node part : type_cast.field(pg::typeName).list(pg::names)) name = std::string(part.sval());
  return name == "text" || name == "varchar" || name == "bpchar" || name == "name";
}

std::string type_name(const Node& type_cast) {
  std::string name;
  for (Node part : type_cast.field(pg::typeName).list(pg::names)) {
    if (part.sval() == "pg_catalog") continue;
    if (!name.empty()) name += '.';
    name += part.sval();
  }
  static constexpr std::pair<std::string_view, std::string_view> readable[] = {
      {"int4", "integer"},
      {"int8", "bigint"},
      {"int2", "smallint"},
      {"float8", "double precision"},
      {"float4", "real"},
      {"bool", "boolean"},
      {"timestamptz", "timestamp with time zone"},
      {"timestamp", "timestamp without time zone"}};
  for (const auto& [from, to] : readable)
    if (name == from) name = to;
  if (type_cast.field(pg::typeName).has(pg::arrayBounds)) name += "[]";
  return name;
}

ColumnName column_of(const Node& ref) {
  ColumnName c;
  std::vector<std::string> parts;
  for (Node f : ref.list(pg::fields)) parts.push_back(f.is(pg::A_Star) ? "*" : std::string(f.sval()));
  if (parts.empty()) return c;
  c.column = parts.back();
  if (parts.size() >= 2) c.qualifier = parts[parts.size() - 2];
  return c;
}

std::string quote_literal(std::string_view s) {
  std::string out = "'";
  for (char ch : s) {
    if (ch == '\'') out += '\'';
    out += ch;
  }
  return out + "'";
}

std::string constant_text(const Node& c) {
  if (c.boolean(pg::isnull)) return "NULL";
  if (c.has(pg::sval)) return quote_literal(c.field(pg::sval).str(pg::sval));
  if (c.has(pg::ival)) return fmt::format("{}", c.field(pg::ival).integer(pg::ival));
  if (c.has(pg::fval)) return std::string(c.field(pg::fval).str(pg::fval));
  if (c.has(pg::boolval)) return c.field(pg::boolval).boolean(pg::boolval) ? "true" : "false";
  if (c.has(pg::bsval)) return std::string(c.field(pg::bsval).str(pg::bsval));
  return "?";
}

// Renders an expression back to SQL: enough for index keys and messages. Casts on
// constants are dropped (as pg_get_indexdef prints them), transparent casts on columns too.
// Deeper than PostgreSQL prints any plan condition; guards the stack against crafted input.
constexpr int kMaxRenderDepth = 100;

std::string render(const Node& n, bool keep_qualifier, int depth = 0) {
  if (depth > kMaxRenderDepth) return "?";
  if (n.is(pg::ColumnRef)) {
    ColumnName c = column_of(n);
    return keep_qualifier && !c.qualifier.empty() ? fmt::format("{}.{}", c.qualifier, c.column) : c.column;
  }
  if (n.is(pg::A_Const)) return constant_text(n);
  if (n.is(pg::ParamRef)) return fmt::format("${}", n.integer(pg::number));
  if (n.is(pg::TypeCast)) {
    Node arg = n.field(pg::arg);
    if (arg.is(pg::A_Const) || transparent_cast(n)) return render(arg, keep_qualifier, depth + 1);
    std::string inner = render(arg, keep_qualifier, depth + 1);
    bool simple = arg.is(pg::ColumnRef) || arg.is(pg::FuncCall);
    return simple ? fmt::format("{}::{}", inner, type_name(n)) : fmt::format("({})::{}", inner, type_name(n));
  }
  if (n.is(pg::FuncCall)) {
    std::vector<std::string> args;
    for (Node a : n.list(pg::args)) args.push_back(render(a, keep_qualifier, depth + 1));
    std::string name;
    for (Node part : n.list(pg::funcname)) {
      if (part.sval() == "pg_catalog") continue;
      if (!name.empty()) name += '.';
      name += part.sval();
    }
    return fmt::format("{}({})", name, fmt::join(args, ", "));
  }
  if (n.is(pg::A_Expr)) {
    std::string op;
    for (Node part : n.list(pg::name)) op = std::string(part.sval());
    std::string l = render(n.field(pg::lexpr), keep_qualifier, depth + 1),
                r = render(n.field(pg::rexpr), keep_qualifier, depth + 1);
    std::string_view kind = n.str(pg::kind);
    if (kind == pg::AEXPR_OP_ANY) return fmt::format("{} {} ANY ({})", l, op, r);
    if (kind == pg::AEXPR_OP_ALL) return fmt::format("{} {} ALL ({})", l, op, r);
    if (op == "~~") op = "LIKE";
    if (op == "~~*") op = "ILIKE";
    return fmt::format("{} {} {}", l, op, r);
  }
  if (n.is(pg::NullTest))
    return fmt::format("{} {}", render(n.field(pg::arg), keep_qualifier, depth + 1),
                       n.str(pg::nulltesttype) == pg::IS_NULL ? "IS NULL" : "IS NOT NULL");
  if (n.is(pg::BoolExpr)) {
    std::vector<std::string> args;
    for (Node a : n.list(pg::args)) args.push_back(render(a, keep_qualifier, depth + 1));
    std::string_view op = n.str(pg::boolop);
    if (op == pg::NOT_EXPR) return fmt::format("NOT {}", args.empty() ? "" : args.front());
    return fmt::format("({})", fmt::join(args, op == pg::AND_EXPR ? " AND " : " OR "));
  }
  if (n.is(pg::BooleanTest)) return render(n.field(pg::arg), keep_qualifier, depth + 1);
  return "?";
}

// Every column under `n`, in order. Walks the tree generically so no node kind is missed.
void collect_columns(const Node& n, std::vector<ColumnName>& out, int depth = 0) {
  if (depth > 200) return;  // PostgreSQL prints nothing that deep; guards the stack
  if (n.is(pg::ColumnRef)) {
    ColumnName c = column_of(n);
    if (!c.column.empty() && c.column != "*" && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
    return;
  }
  for_each_child(n, [&](const Node& child) { collect_columns(child, out, depth + 1); });
}

// Whether a $n parameter is below `n`.
bool has_param_ref_below(const Node& n) {
  auto is_param = [](const Node& x) { return x.is(pg::ParamRef); };
  auto always = [](const Node&) { return true; };
  return !for_each_child(n, [&](const Node& child) { return !any_node(child, is_param, always); });
}

// The column a side of a comparison reads, when it reads exactly one: bare (maybe through
// a transparent cast) or wrapped in a function or cast.
struct Side {
  bool is_column = false, wrapped = false, constant = false, param = false;
  ColumnName column;
  std::string wrapper, text, constant_text, cast;
};

Side side_of(const Node& n, int depth = 0) {
  Side s;
  if (!n || depth > kMaxRenderDepth) return s;
  if (n.is(pg::ColumnRef)) {
    s.is_column = true;
    s.column = column_of(n);
    return s;
  }
  if (n.is(pg::A_Const)) {
    s.constant = true;
    s.constant_text = constant_text(n);
    return s;
  }
  if (n.is(pg::ParamRef)) {
    s.param = true;
    s.constant_text = fmt::format("${}", n.integer(pg::number));
    return s;
  }
  if (n.is(pg::TypeCast)) {
    Node arg = n.field(pg::arg);
    if (transparent_cast(n) || arg.is(pg::A_Const) || arg.is(pg::ParamRef)) {
      Side inner = side_of(arg, depth + 1);
      if (inner.is_column && inner.cast.empty()) inner.cast = fmt::format("::{}", type_name(n));
      if (!inner.wrapped) return inner;
    }
  }
  std::vector<ColumnName> cols;
  collect_columns(n, cols);
  if (n.is(pg::TypeCast) || n.is(pg::FuncCall)) {
    if (cols.size() == 1) {
      s.is_column = true;
      s.wrapped = true;
      s.column = cols.front();
      s.text = render(n, false);
      if (n.is(pg::TypeCast)) {
        s.wrapper = fmt::format("::{}", type_name(n));
        s.cast = s.wrapper;
      } else {
        std::string name;
        for (Node part : n.list(pg::funcname)) name = std::string(part.sval());
        s.wrapper = fmt::format("{}()", name);
      }
    } else if (cols.empty()) {
      s.constant = true;  // now(), a cast of a constant expression: stable for the scan
      s.constant_text = render(n, false);
    }
  }
  return s;
}

CompareOp op_kind(std::string_view op, std::string_view kind) {
  if (kind == pg::AEXPR_OP_ANY || kind == pg::AEXPR_IN) return op == "=" ? CompareOp::equality : CompareOp::other;
  if (kind == pg::AEXPR_BETWEEN) return CompareOp::range;
  if (kind != pg::AEXPR_OP) return CompareOp::other;
  if (op == "=") return CompareOp::equality;
  if (op == "<" || op == ">" || op == "<=" || op == ">=") return CompareOp::range;
  return CompareOp::other;
}

std::string_view flipped(std::string_view op) {
  if (op == "<") return ">";
  if (op == ">") return "<";
  if (op == "<=") return ">=";
  if (op == ">=") return "<=";
  return op;
}

Conjunct read_conjunct(const Node& n) {
  Conjunct c;
  collect_columns(n, c.columns);
  c.has_param = has_param_ref_below(n);
  c.text = render(n, false);
  if (n.is(pg::A_Expr)) {
    std::string op;
    for (Node part : n.list(pg::name)) op = std::string(part.sval());
    std::string_view kind = n.str(pg::kind);
    c.operator_text = kind == pg::AEXPR_IN ? (op == "=" ? "IN" : "NOT IN")
        : kind == pg::AEXPR_BETWEEN        ? "BETWEEN"
        : kind == pg::AEXPR_NOT_BETWEEN    ? "NOT BETWEEN"
                                           : op;
    Side l = side_of(n.field(pg::lexpr)), r = side_of(n.field(pg::rexpr));
    bool swap = !l.is_column && r.is_column;
    if (swap) std::swap(l, r);
    if (!l.is_column) return c;
    c.op = op_kind(op, kind);
    c.column = l.column;
    c.cast = l.cast;
    if (l.wrapped) {
      c.expression = l.text;
      c.wrapper = l.wrapper;
    }
    if (r.is_column && !r.wrapped) {
      c.other_column = r.column;
    } else if (r.is_column) {
      c.other_column = r.column;
      c.op = CompareOp::other;  // a function of the other relation's column: still a join key
    } else if (r.constant) {
      c.constant = r.constant_text;
    } else if (r.param) {
      c.param = r.constant_text;
    } else {
      c.op = CompareOp::other;
    }
    // Canonical text with the column on the left, as an index predicate reads.
    std::string left = l.wrapped ? l.text : l.column.column;
    std::string right = r.is_column
        ? (r.wrapped
               ? r.text
               : fmt::format("{}{}{}", r.column.qualifier, r.column.qualifier.empty() ? "" : ".", r.column.column))
        : r.constant_text;
    std::string shown_op = swap ? std::string(flipped(op)) : op;
    if (kind == pg::AEXPR_OP_ANY) c.text = fmt::format("{} {} ANY ({})", left, shown_op, right);
    else if (kind == pg::AEXPR_OP && !right.empty()) {
      if (shown_op == "~~") shown_op = "LIKE";
      c.text = fmt::format("{} {} {}", left, shown_op, right);
      // LIKE 'prefix%' is a range on a btree (with text_pattern_ops or C collation).
      if (shown_op == "LIKE" && c.constant.size() > 2 && c.constant[1] != '%' && c.constant[1] != '_')
        c.op = CompareOp::range;
    }
    return c;
  }
  if (n.is(pg::NullTest)) {
    Side s = side_of(n.field(pg::arg));
    if (!s.is_column) return c;
    c.column = s.column;
    if (s.wrapped) {
      c.expression = s.text;
      c.wrapper = s.wrapper;
    }
    c.is_null_test = true;
    c.op = n.str(pg::nulltesttype) == pg::IS_NULL ? CompareOp::equality : CompareOp::other;
    c.operator_text = c.op == CompareOp::equality ? "IS NULL" : "IS NOT NULL";
    return c;
  }
  if (n.is(pg::BoolExpr)) {
    c.operator_text = n.str(pg::boolop) == pg::NOT_EXPR ? "NOT" : "OR";
    c.has_or = true;  // OR / NOT: the columns are known, no single key serves it
    if (c.columns.size() == 1) c.column = c.columns.front();
    return c;
  }
  if (n.is(pg::ColumnRef)) {  // a boolean column: `WHERE active`
    c.column = column_of(n);
    c.op = CompareOp::equality;
    c.constant = "true";
    c.text = c.column.column;
  }
  return c;
}

void split_and(const Node& n, std::vector<Node>& out, int depth = 0) {
  if (depth < 100 && n.is(pg::BoolExpr) && n.str(pg::boolop) == pg::AND_EXPR) {
    for (Node a : n.list(pg::args)) split_and(a, out, depth + 1);
    return;
  }
  out.push_back(n);
}

}  // namespace

ParsedCondition parse_condition(std::string_view text, sql::Parser& parser) {
  ParsedCondition out;
  if (text.empty()) return out;
  std::string sql = fmt::format("SELECT 1 WHERE {}", text);
  auto stmt = parser.parse_one(sql);
  if (!stmt || !stmt->is(pg::SelectStmt)) return out;
  Node where = stmt->field(pg::whereClause);
  if (!where) return out;
  out.parsed = true;
  std::vector<Node> parts;
  split_and(where, parts);
  for (const Node& p : parts) {
    Conjunct c = read_conjunct(p);
    for (const auto& col : c.columns)
      if (std::find(out.columns.begin(), out.columns.end(), col) == out.columns.end()) out.columns.push_back(col);
    out.conjuncts.push_back(std::move(c));
  }
  return out;
}

bool refers_to(const ColumnName& name, std::string_view relation, std::string_view alias) {
  if (name.qualifier.empty()) return true;
  return name.qualifier == alias || name.qualifier == relation;
}

SortKeyText parse_sort_key(std::string_view text, sql::Parser& parser) {
  SortKeyText out;
  std::string sql = fmt::format("SELECT 1 ORDER BY {}", text);
  auto stmt = parser.parse_one(sql);
  if (!stmt) return out;
  sql::List sort = stmt->list(pg::sortClause);
  if (sort.empty()) return out;
  Node by = sort[0];
  out.descending = by.str(pg::sortby_dir) == pg::SORTBY_DESC;
  std::string_view nulls = by.str(pg::sortby_nulls);
  out.nulls_first = nulls == pg::SORTBY_NULLS_FIRST || (out.descending && nulls != pg::SORTBY_NULLS_LAST);
  Node key = by.field(pg::node);
  Side s = side_of(key);
  if (s.is_column && !s.wrapped) out.column = s.column;
  else out.expression = render(key, false);
  return out;
}

}  // namespace pglens::rule
