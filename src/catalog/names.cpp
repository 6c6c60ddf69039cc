#include "catalog/names.hpp"
#include "sql/pg_names.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace pg = pglens::sql::pg;

namespace pglens::catalog {
namespace {

// Sorted: quote_ident looks a name up by binary search.
constexpr std::array<std::string_view, 64> kReserved = {"all",          "analyse",
                                                        "analyze",      "and",
                                                        "any",          "array",
                                                        "as",           "asc",
                                                        "asymmetric",   "both",
                                                        "case",         "cast",
                                                        "check",        "collate",
                                                        "column",       "constraint",
                                                        "create",       "current_catalog",
                                                        "current_date", "current_role",
                                                        "current_time", "current_timestamp",
                                                        "current_user", "default",
                                                        "deferrable",   "desc",
                                                        "distinct",     "do",
                                                        "else",         "end",
                                                        "except",       "false",
                                                        "fetch",        "for",
                                                        "foreign",      "from",
                                                        "grant",        "group",
                                                        "having",       "in",
                                                        "initially",    "intersect",
                                                        "into",         "lateral",
                                                        "leading",      "limit",
                                                        "localtime",    "not",
                                                        "null",         "offset",
                                                        "on",           "only",
                                                        "or",           "order",
                                                        "primary",      "references",
                                                        "returning",    "select",
                                                        "table",        "then",
                                                        "to",           "union",
                                                        "unique",       "user"};

thread_local bool strip_qualifiers = false;
thread_local bool rendered_unknown = false;  // a node render() does not know came out as <Kind>
std::string render(const sql::Node& n);

std::string const_text(const sql::Node& c) {
  if (c.boolean(pg::isnull)) return "NULL";
  if (c.has(pg::ival)) return fmt::format("{}", c.field(pg::ival).integer(pg::ival));
  if (c.has(pg::fval)) return std::string(c.field(pg::fval).str(pg::fval));
  if (c.has(pg::boolval)) return c.field(pg::boolval).boolean(pg::boolval) ? "true" : "false";
  if (c.has(pg::bsval)) return fmt::format("B'{}'", c.field(pg::bsval).str(pg::bsval));
  std::string_view s = c.field(pg::sval).str(pg::sval);
  std::string out = "'";
  for (char ch : s) {
    if (ch == '\'') out += '\'';
    out += ch;
  }
  return out + "'";
}

// Parenthesised when it is an operation nested in another one.
std::string operand(const sql::Node& n) {
  std::string t = render(n);
  if (n.is(pg::A_Expr) || n.is(pg::BoolExpr) || n.is(pg::NullTest) || n.is(pg::BooleanTest)) return "(" + t + ")";
  return t;
}

std::string list_text(const sql::List& items, std::string_view sep = ", ") {
  std::vector<std::string> parts;
  for (sql::Node i : items) parts.push_back(render(i));
  return fmt::format("{}", fmt::join(parts, sep));
}

std::string operator_name(const sql::List& name) {
  // OPERATOR(pg_catalog.=) prints as its last part.
  return name.empty() ? std::string("?") : std::string(name[name.size() - 1].sval());
}

}  // namespace

// A longer name is no reserved word: most names (a partition's index) need no search.
constexpr size_t kLongestReserved =
    std::max_element(kReserved.begin(), kReserved.end(), [](auto a, auto b) { return a.size() < b.size(); }) -> size();

void append_quoted_ident(std::string& out, std::string_view name) {
  bool plain = !name.empty() && (name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z'));
  for (size_t i = 0; plain && i < name.size(); ++i) {
    char ch = name[i];
    plain = ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '$';
  }
  if (plain && (name.size() > kLongestReserved || !std::binary_search(kReserved.begin(), kReserved.end(), name))) {
    out += name;
    return;
  }
  out += '"';
  for (char ch : name) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
}

std::string quote_ident(std::string_view name) {
  std::string out;
  append_quoted_ident(out, name);
  return out;
}

bool mentions_identifier(std::string_view text, std::string_view identifier) {
  // Most texts do not contain it at all: one search settles those.
  if (identifier.empty() || text.find(identifier) == std::string_view::npos) return false;
  auto ident = [](char ch) { return ch == '_' || std::isalnum(static_cast<unsigned char>(ch)); };
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\'') quoted = !quoted;
    if (quoted || text.compare(i, identifier.size(), identifier) != 0) continue;
    bool before = i == 0 || !ident(text[i - 1]);
    bool after = i + identifier.size() >= text.size() || !ident(text[i + identifier.size()]);
    if (before && after) return true;
  }
  return false;
}

std::string expression_key_text(std::string_view e) {
  // A bare function call: identifier characters, then one parenthesised group to the end.
  size_t open = e.find('(');
  bool ident = open != std::string_view::npos && open > 0;
  for (size_t i = 0; ident && i < open; ++i)
    ident = e[i] == '_' || e[i] == '.' || (e[i] >= 'a' && e[i] <= 'z') || (e[i] >= '0' && e[i] <= '9');
  if (ident && e.back() == ')') {
    int depth = 0;
    bool closes_at_end = true;
    for (size_t i = open; i < e.size(); ++i) {
      if (e[i] == '(') ++depth;
      else if (e[i] == ')' && --depth == 0 && i + 1 != e.size()) closes_at_end = false;
    }
    if (closes_at_end) return std::string(e);
  }
  return fmt::format("({})", e);
}

std::string deparse(const sql::Node& n, bool unqualified) {
  bool saved = strip_qualifiers;
  strip_qualifiers = unqualified;
  std::string out = render(n);
  strip_qualifiers = saved;
  return out;
}

std::optional<std::string> deparse_exact(const sql::Node& n, bool unqualified) {
  bool saved = rendered_unknown;
  rendered_unknown = false;
  std::string out = deparse(n, unqualified);
  bool exact = !rendered_unknown && out.find("...") == std::string::npos;
  rendered_unknown = saved;
  if (!exact) return std::nullopt;
  return out;
}

namespace {
// Deeper expressions print as `...`: no real query nests so deep, and the recursion must not
// overflow the stack (sql::Parser passes trees of up to 1,000 levels; under ASan a level here
// takes kilobytes of stack).
constexpr int kMaxRenderDepth = 100;
thread_local int render_depth = 0;

std::string render(const sql::Node& n) {
  if (!n) return {};
  struct Depth {
    Depth() { ++render_depth; }
    ~Depth() { --render_depth; }
  } depth;
  if (render_depth > kMaxRenderDepth) return "...";
  std::string_view kind = n.kind();
  if (kind == pg::ColumnRef) {
    sql::List fields = n.list(pg::fields);
    size_t first = strip_qualifiers && fields.size() > 1 ? fields.size() - 1 : 0;
    std::string out;
    for (size_t i = first; i < fields.size(); ++i) {
      if (i > first) out += '.';
      sql::Node f = fields[i];
      out += f.is(pg::A_Star) ? std::string("*") : quote_ident(f.sval());
    }
    return out;
  }
  if (kind == pg::A_Const) return const_text(n);
  if (kind == pg::ParamRef) return fmt::format("${}", n.integer(pg::number));
  if (kind == pg::String) return quote_ident(n.sval());
  if (kind == pg::TypeCast) {
    sql::Node arg = n.field(pg::arg);
    if (arg.is(pg::A_Const)) return render(arg);  // PostgreSQL prints casts on every literal
    // ... and the implicit `::text` on a varchar or char column compared as text.
    sql::List type = n.field(pg::typeName).list(pg::names);
    if (arg.is(pg::ColumnRef) && type.size() == 1 && type[0].sval() == "text") return render(arg);
    return fmt::format("{}::{}", operand(arg), type_name(n.field(pg::typeName)));
  }
  if (kind == pg::FuncCall) {
    std::vector<std::string> name;
    for (sql::Node p : n.list(pg::funcname)) name.emplace_back(p.sval());
    if (name.size() == 2 && name[0] == "pg_catalog") name.erase(name.begin());
    std::string args = n.boolean(pg::agg_star) ? "*" : list_text(n.list(pg::args));
    if (n.boolean(pg::agg_distinct)) args = "DISTINCT " + args;
    return fmt::format("{}({})", fmt::join(name, "."), args);
  }
  if (kind == pg::A_Expr) {
    std::string_view k = n.str(pg::kind);
    std::string op = operator_name(n.list(pg::name));
    sql::Node l = n.field(pg::lexpr), r = n.field(pg::rexpr);
    if (k == pg::AEXPR_IN)
      return fmt::format("{} {}IN ({})", operand(l), op == "<>" ? "NOT " : "", list_text(r.list(pg::items)));
    if (k == pg::AEXPR_OP_ANY) return fmt::format("{} {} ANY ({})", operand(l), op, render(r));
    if (k == pg::AEXPR_OP_ALL) return fmt::format("{} {} ALL ({})", operand(l), op, render(r));
    if (k == pg::AEXPR_BETWEEN || k == pg::AEXPR_NOT_BETWEEN) {
      sql::List bounds = r.list(pg::items);
      return fmt::format("{} {} {} AND {}", operand(l), k == pg::AEXPR_BETWEEN ? "BETWEEN" : "NOT BETWEEN",
                         operand(bounds[0]), operand(bounds[1]));
    }
    if (k == pg::AEXPR_LIKE) return fmt::format("{} {} {}", operand(l), op == "~~" ? "LIKE" : "NOT LIKE", operand(r));
    if (k == pg::AEXPR_ILIKE)
      return fmt::format("{} {} {}", operand(l), op == "~~*" ? "ILIKE" : "NOT ILIKE", operand(r));
    if (k == pg::AEXPR_NULLIF) return fmt::format("NULLIF({}, {})", render(l), render(r));
    if (k == pg::AEXPR_DISTINCT) return fmt::format("{} IS DISTINCT FROM {}", operand(l), operand(r));
    if (k == pg::AEXPR_NOT_DISTINCT) return fmt::format("{} IS NOT DISTINCT FROM {}", operand(l), operand(r));
    if (k != pg::AEXPR_OP) rendered_unknown = true;  // SIMILAR TO, BETWEEN SYMMETRIC ...: not written here
    if (!l) return fmt::format("{} {}", op, operand(r));
    return fmt::format("{} {} {}", operand(l), op, operand(r));
  }
  if (kind == pg::BoolExpr) {
    std::string_view op = n.str(pg::boolop);
    std::vector<std::string> parts;
    // Comparisons bind tighter than AND/OR: only nested boolean operations (and BETWEEN,
    // whose own AND would read as a conjunction) keep parentheses.
    for (sql::Node a : n.list(pg::args)) {
      bool wrap = a.is(pg::BoolExpr) || (a.is(pg::A_Expr) && a.str(pg::kind).find("BETWEEN") != std::string_view::npos);
      parts.push_back(wrap ? "(" + render(a) + ")" : render(a));
    }
    if (op == pg::NOT_EXPR) return fmt::format("NOT {}", parts.empty() ? "" : parts[0]);
    return fmt::format("{}", fmt::join(parts, op == pg::AND_EXPR ? " AND " : " OR "));
  }
  if (kind == pg::NullTest)
    return fmt::format("{} {}", operand(n.field(pg::arg)),
                       n.str(pg::nulltesttype) == pg::IS_NULL ? "IS NULL" : "IS NOT NULL");
  if (kind == pg::BooleanTest) {
    std::string_view t = n.str(pg::booltesttype);
    std::string what = t == pg::IS_TRUE ? "IS TRUE"
        : t == pg::IS_NOT_TRUE          ? "IS NOT TRUE"
        : t == pg::IS_FALSE             ? "IS FALSE"
        : t == pg::IS_NOT_FALSE         ? "IS NOT FALSE"
        : t == pg::IS_UNKNOWN           ? "IS UNKNOWN"
                                        : "IS NOT UNKNOWN";
    return fmt::format("{} {}", operand(n.field(pg::arg)), what);
  }
  if (kind == pg::CoalesceExpr) return fmt::format("COALESCE({})", list_text(n.list(pg::args)));
  if (kind == pg::SQLValueFunction) {
    std::string_view op = n.str(pg::op);
    if (op.starts_with("SVFOP_")) op.remove_prefix(6);
    std::string out(op);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    return out;
  }
  if (kind == pg::A_ArrayExpr) return fmt::format("ARRAY[{}]", list_text(n.list(pg::elements)));
  if (kind == pg::RowExpr) return fmt::format("ROW({})", list_text(n.list(pg::args)));
  if (kind == pg::List) return list_text(n.list(pg::items));
  if (kind == pg::CollateClause)
    return fmt::format("{} COLLATE {}", operand(n.field(pg::arg)), qualified_name(n.list(pg::collname)));
  if (kind == pg::A_Indirection) {
    // Subscripts, slices and field selections as PostgreSQL writes them: (a)[1], (a)[1:2],
    // (d)['key'], (c).f; the parentheses keep a qualified or function argument whole.
    std::string out = fmt::format("({})", render(n.field(pg::arg)));
    for (sql::Node i : n.list(pg::indirection)) {
      if (i.is(pg::A_Indices)) {
        std::string lower = render(i.field(pg::lidx)), upper = render(i.field(pg::uidx));
        out += i.boolean(pg::is_slice) ? fmt::format("[{}:{}]", lower, upper) : fmt::format("[{}]", upper);
      } else if (i.is(pg::String)) {
        out += "." + quote_ident(i.sval());
      } else {
        out += i.is(pg::A_Star) ? ".*" : fmt::format(".<{}>", i.kind());
        rendered_unknown = rendered_unknown || !i.is(pg::A_Star);
      }
    }
    return out;
  }
  if (kind == pg::MinMaxExpr)
    return fmt::format("{}({})", n.str(pg::op) == pg::IS_GREATEST ? "GREATEST" : "LEAST", list_text(n.list(pg::args)));
  rendered_unknown = true;
  return fmt::format("<{}>", kind);
}

}  // namespace

std::string type_name(const sql::Node& t) {
  std::vector<std::string_view> names;
  for (sql::Node p : t.list(pg::names)) names.push_back(p.sval());
  std::string_view base = names.empty() ? std::string_view("unknown") : names.back();
  struct Alias {
    std::string_view internal, shown;
  };
  static constexpr Alias aliases[] = {
      {"int8", "bigint"},
      {"int4", "integer"},
      {"int2", "smallint"},
      {"float8", "double precision"},
      {"float4", "real"},
      {"bool", "boolean"},
      {"varchar", "character varying"},
      {"bpchar", "character"},
      {"timestamptz", "timestamp with time zone"},
      {"timestamp", "timestamp without time zone"},
      {"timetz", "time with time zone"},
      {"time", "time without time zone"},
      {"varbit", "bit varying"},
      {"serial", "integer"},
      {"serial4", "integer"},
      {"bigserial", "bigint"},
      {"serial8", "bigint"},
      {"smallserial", "smallint"},
      {"serial2", "smallint"},
      {"int", "integer"},
      {"decimal", "numeric"},
  };
  std::string out(base);
  for (const auto& a : aliases)
    if (a.internal == base) out = std::string(a.shown);
  if (names.size() == 2 && names[0] != "pg_catalog") out = fmt::format("{}.{}", names[0], base);
  std::vector<std::string> mods;
  for (sql::Node m : t.list(pg::typmods)) mods.push_back(deparse(m));
  if (!mods.empty()) {
    // "timestamp(3) with time zone": the precision goes after the first word.
    auto space = out.find(' ');
    std::string m = fmt::format("({})", fmt::join(mods, ","));
    if (space != std::string::npos && (base.starts_with("time"))) out.insert(space, m);
    else out += m;
  }
  for (size_t i = 0; i < t.list(pg::arrayBounds).size(); ++i) out += "[]";
  return out;
}

QualifiedName qualified(const sql::List& names) {
  QualifiedName q;
  if (names.size() >= 2) {
    q.schema = names[names.size() - 2].sval();
    q.name = names[names.size() - 1].sval();
  } else if (names.size() == 1) {
    q.name = names[0].sval();
  }
  return q;
}

void append_chosen_name(std::string& out, std::string_view table, const std::vector<std::string>& columns,
                        std::string_view suffix) {
  constexpr size_t kMaxName = 63;
  // name1 is the table, name2 the columns joined with '_'. Lengths first, then one string:
  // the DDL loader names every partition's index with this.
  size_t length1 = table.size(), length2 = 0;
  for (const auto& c : columns) length2 += c.size();
  if (!columns.empty()) length2 += columns.size() - 1;
  size_t overhead = suffix.size() + 1 + (length2 == 0 ? 0 : 1);
  // Like makeObjectName(): shorten the longer part until the whole fits.
  while (length1 + length2 + overhead > kMaxName) {
    if (length1 > length2) --length1;
    else --length2;
  }
  const size_t start = out.size();
  out.reserve(start + length1 + length2 + overhead);
  out.append(table.substr(0, length1));
  out += '_';
  if (length2 > 0) {
    const size_t name2_end = start + length1 + 1 + length2;
    for (size_t i = 0; i < columns.size() && out.size() < name2_end; ++i) {
      if (i > 0) out += '_';
      out.append(columns[i], 0, name2_end - out.size());
    }
    out.resize(name2_end);  // a cut may fall on a separator
    out += '_';
  }
  out += suffix;
}

std::string choose_name(std::string_view table, const std::vector<std::string>& columns, std::string_view suffix) {
  std::string name;
  append_chosen_name(name, table, columns, suffix);
  return name;
}

}  // namespace pglens::catalog
