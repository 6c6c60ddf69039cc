#include "schema_rules.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>

#include <fmt/format.h>

#include "sql/lexer.hpp"
#include "sql/pg_names.hpp"

namespace pg = pglens::sql::pg;

namespace pglens::rules::schema {

std::vector<RuleOption> size_options(bool unknown_size_is_large) {
  return {
      {.name = "large-table-rows",
       .default_value = int64_t{10000},
       .description = "A table counts as large from this many rows (from the catalog: live, snapshot or hints)"},
      {.name = "unknown-size-is-large",
       .default_value = unknown_size_is_large,
       .description = "Treat a table the catalog knows but whose size it does not as large"},
  };
}

bool is_large(const Table& table, const detail::RuleContext& ctx) { return LargeTables(ctx)(table); }

LargeTables::LargeTables(const detail::RuleContext& ctx)
    : threshold_(ctx.int_option("large-table-rows")), assume_(ctx.bool_option("unknown-size-is-large")) {}

bool LargeTables::operator()(const Table& table) const {
  if (!table.size.rows) return assume_;
  return *table.size.rows >= static_cast<double>(threshold_);
}

bool is_large(const Table& table, const RuleInfo& rule, const detail::RuleContext& ctx) {
  OptionValue threshold_value = ctx.option_of(rule, "large-table-rows");
  OptionValue assume_value = ctx.option_of(rule, "unknown-size-is-large");
  const auto* threshold = std::get_if<int64_t>(&threshold_value);
  const auto* assume = std::get_if<bool>(&assume_value);
  if (!threshold || !assume) return false;
  if (!table.size.rows) return *assume;
  return *table.size.rows >= static_cast<double>(*threshold);
}

ClientPath client_path(const detail::Walk& walk) {
  ClientPath out;
  if (walk.statement.rows_stay_in_server) return out;
  const auto& path = walk.ancestors;
  // `field` is how the node below path[i] was reached from path[i].
  for (size_t i = path.size(); i-- > 0;) {
    std::string_view field = i + 1 < path.size() ? path[i + 1].field : walk.field;
    const sql::Node& parent = path[i].node;
    if (parent.is(pg::SelectStmt) && (field == "larg" || field == "rarg")) {
      out.limited = out.limited || has_row_limit(parent);
      out.filtered = out.filtered || parent.str(pg::op) != pg::SETOP_UNION;
      continue;
    }
    if (parent.is(pg::DeclareCursorStmt) && field == "query") {
      out.through_cursor = true;
      continue;
    }
    return ClientPath{};
  }
  out.reaches_client = true;
  return out;
}

std::vector<sql::Node> visible_ctes(const sql::Node& node, const detail::Walk& walk) {
  std::vector<sql::Node> out;
  catalog::add_ctes(node, out);
  for (size_t i = walk.ancestors.size(); i-- > 0;) catalog::add_ctes(walk.ancestors[i].node, out);
  return out;
}

std::optional<std::string> one_line(std::string_view text) {
  std::string flat;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (quote) {
      if (ch == quote) quote = 0;
      flat += ch;
      continue;
    }
    if (ch == '-' && i + 1 < text.size() && text[i + 1] == '-') return std::nullopt;
    if (ch == '/' && i + 1 < text.size() && text[i + 1] == '*') return std::nullopt;
    if (ch == '\'' || ch == '"') quote = ch;
    bool space = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r';
    if (space && (flat.empty() || flat.back() == ' ')) continue;
    flat += space ? ' ' : ch;
  }
  while (!flat.empty() && flat.back() == ' ') flat.pop_back();
  return flat;
}

bool has_row_limit(const sql::Node& select) {
  sql::Node limit = select.field(pg::limitCount);
  if (!limit) return false;
  return !(limit.is(pg::A_Const) && limit.boolean(pg::isnull));
}

std::string rows_text(double rows) {
  if (rows >= 1e9) return fmt::format("{:.3g} G", rows / 1e9);
  if (rows >= 1e6) return fmt::format("{:.3g} M", rows / 1e6);
  if (rows >= 1e4) return fmt::format("{:.3g} k", rows / 1e3);
  return fmt::format("{:.0f}", rows);
}

std::string size_phrase(const Table& table) {
  if (table.size.rows) {
    std::string_view source = table.size.source == "live" ? "live statistics" : std::string_view(table.size.source);
    if (source.empty()) return fmt::format("`{}` has {} rows", table.name, rows_text(*table.size.rows));
    return fmt::format("`{}` has {} rows ({})", table.name, rows_text(*table.size.rows), source);
  }
  return fmt::format("`{}` is of unknown size (no statistics, snapshot or size hint; assumed large)", table.name);
}

Diagnostic& rests_on_size(Diagnostic& d, const Table& table, const detail::RuleContext& ctx) {
  if (!table.size.rows && !ctx.assume_large() && d.severity > Severity::info) d.severity = Severity::info;
  return d;
}

bool in_function_body(const detail::Walk& walk) {
  return walk.statement.in_function_body ||
      std::any_of(walk.ancestors.begin(), walk.ancestors.end(),
                  [](const detail::Frame& f) { return f.node.is(pg::CreateFunctionStmt); });
}

bool one_off_change(const sql::Node& node, const detail::Walk& walk, const detail::RuleContext& ctx) {
  auto changes = [](const sql::Node& n) {
    return n.is(pg::UpdateStmt) || n.is(pg::DeleteStmt) || n.is(pg::InsertStmt);
  };
  if (in_function_body(walk)) return false;  // it runs on every call, wherever the function was created
  bool in_change = changes(node) ||
      std::any_of(walk.ancestors.begin(), walk.ancestors.end(),
                  [&](const detail::Frame& f) { return changes(f.node); });
  return in_change && ctx.in_migration();
}

bool is_query(const sql::Node& node) {
  if (node.is(pg::SelectStmt)) {
    std::string_view op = node.str(pg::op);
    return op.empty() || op == pg::SETOP_NONE;
  }
  return node.is(pg::UpdateStmt) || node.is(pg::DeleteStmt);
}

Span token_span(const detail::RuleContext& ctx, uint32_t location) {
  return Span{location, sql::token_end(ctx.text(), location)};
}

std::optional<uint32_t> first_location(const sql::Node& n) { return sql::first_location(n); }
std::optional<uint32_t> last_location(const sql::Node& n) { return sql::last_location(n); }

Span expression_span(std::string_view text, uint32_t begin, uint32_t limit, bool whole_clause) {
  int depth = 0;
  uint32_t i = begin;
  uint32_t last = begin;
  auto word_at = [&](uint32_t at, std::string_view w) {
    if (at + w.size() > limit) return false;
    for (size_t k = 0; k < w.size(); ++k)
      if (std::toupper(static_cast<unsigned char>(text[at + k])) != w[k]) return false;
    bool before = at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1]));
    bool after = at + w.size() >= limit || !std::isalnum(static_cast<unsigned char>(text[at + w.size()]));
    return before && after;
  };
  bool between = false;
  while (i < limit) {
    char ch = text[i];
    if (ch == '\'' || ch == '"') {
      ++i;
      while (i < limit && text[i] != ch) ++i;
    } else if (ch == '(') {
      ++depth;
    } else if (ch == ')') {
      if (depth == 0) break;
      --depth;
    } else if (depth == 0 && (ch == ';' || (ch == ',' && !whole_clause))) {
      break;
    } else if (whole_clause) {
      if (depth == 0 &&
          (word_at(i, "ORDER") || word_at(i, "LIMIT") || word_at(i, "GROUP") || word_at(i, "OFFSET") ||
           word_at(i, "FETCH") || word_at(i, "FOR") || word_at(i, "WINDOW") || word_at(i, "HAVING") ||
           word_at(i, "RETURNING") || word_at(i, "UNION") || word_at(i, "INTERSECT") || word_at(i, "EXCEPT")))
        break;
    } else if (depth == 0 && word_at(i, "BETWEEN")) {
      between = true;
    } else if (depth == 0 && word_at(i, "AND")) {
      if (!between) break;
      between = false;
    } else if (depth == 0 &&
               (word_at(i, "OR") || word_at(i, "ORDER") || word_at(i, "LIMIT") || word_at(i, "GROUP") ||
                word_at(i, "OFFSET") || word_at(i, "RETURNING") || word_at(i, "WINDOW") || word_at(i, "HAVING"))) {
      break;
    }
    if (!std::isspace(static_cast<unsigned char>(ch))) last = i + 1;
    ++i;
  }
  return Span{begin, std::max(last, begin)};
}

}  // namespace pglens::rules::schema

#include <chrono>
#include <optional>

#include "catalog/names.hpp"

namespace pglens::rules::schema {
namespace {

std::optional<std::string> next_day(std::string_view literal) {
  // 'YYYY-MM-DD' -> 'YYYY-MM-DD' + 1 day.
  if (literal.size() != 12 || literal.front() != '\'' || literal.back() != '\'') return std::nullopt;
  int y = 0;
  unsigned m = 0, d = 0;
  if (std::sscanf(std::string(literal.substr(1, 10)).c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  if (!ymd.ok()) return std::nullopt;
  std::chrono::year_month_day next{std::chrono::sys_days{ymd} + std::chrono::days{1}};
  return fmt::format("'{:04}-{:02}-{:02}'", static_cast<int>(next.year()), static_cast<unsigned>(next.month()),
                     static_cast<unsigned>(next.day()));
}

std::optional<int64_t> integer_constant(const sql::Node& n) {
  sql::Node v = n;
  while (v.is(pg::TypeCast)) v = v.field(pg::arg);
  if (v.is(pg::A_Const) && v.has(pg::ival)) return v.field(pg::ival).integer(pg::ival);
  if (v.is(pg::A_Const) && !v.has(pg::fval) && !v.has(pg::sval) && !v.has(pg::boolval) && !v.boolean(pg::isnull))
    return 0;
  return std::nullopt;
}

std::string type_of(const sql::Node& cast) {
  sql::List names = cast.field(pg::typeName).list(pg::names);
  return names.empty() ? std::string() : std::string(names[names.size() - 1].sval());
}

}  // namespace

std::optional<WrappedColumn> wrapped_column(const sql::Node& expression) {
  std::optional<WrappedColumn> found;
  std::function<bool(const sql::Node&)> walk = [&](const sql::Node& n) -> bool {
    if (!n) return true;
    if (n.is(pg::ColumnRef)) {
      sql::List f = n.list(pg::fields);
      if (f.empty() || f[f.size() - 1].is(pg::A_Star)) return false;
      WrappedColumn w{catalog::deparse(n), std::string(f[f.size() - 1].sval())};
      if (found && found->written != w.written) return false;
      found = w;
      return true;
    }
    return sql::for_each_child(n, walk);
  };
  if (!walk(expression)) return std::nullopt;
  return found;
}

std::optional<std::string> sargable_rewrite(const catalog::Condition& c) {
  const sql::Node& expr = c.column_side;
  const sql::Node& value = c.value_side;
  if (!value || (c.value != catalog::ValueKind::constant && c.value != catalog::ValueKind::parameter))
    return std::nullopt;
  auto col = wrapped_column(expr);
  if (!col) return std::nullopt;
  std::string v = catalog::deparse(value);
  const std::string& k = col->written;
  const std::string& op = c.op;

  // A cast to date: a half-open range on the timestamp itself.
  if (expr.is(pg::TypeCast) && expr.field(pg::arg).is(pg::ColumnRef) && type_of(expr) == "date") {
    sql::Node raw = value;
    while (raw.is(pg::TypeCast)) raw = raw.field(pg::arg);
    std::string day = raw.is(pg::A_Const) ? catalog::deparse(raw) : v;
    std::optional<std::string> after = raw.is(pg::A_Const) ? next_day(day) : std::nullopt;
    std::string start =
        raw.is(pg::A_Const) ? day : fmt::format("{}::date", v.find("::") == std::string::npos ? v : "(" + v + ")");
    // Any other literal ('today', '2026-06-01 10:00') is typed as the cast typed it: an
    // untyped `'today' + 1` does not run, and compared with the column it would keep its time.
    if (raw.is(pg::A_Const) && !after) start = "date " + day;
    std::string end = after ? *after : fmt::format("{} + 1", start);
    if (op == "=") return fmt::format("{} >= {} AND {} < {}", k, start, k, end);
    if (op == ">=") return fmt::format("{} >= {}", k, start);
    if (op == "<") return fmt::format("{} < {}", k, start);
    if (op == ">") return fmt::format("{} >= {}", k, end);
    if (op == "<=") return fmt::format("{} < {}", k, end);
    return std::nullopt;
  }
  // date_trunc('unit', col): the range of that unit.
  if (expr.is(pg::FuncCall) && catalog::function_name(expr) == "date_trunc") {
    sql::List args = expr.list(pg::args);
    if (args.size() != 2 || !args[1].is(pg::ColumnRef) || !args[0].is(pg::A_Const)) return std::nullopt;
    std::string unit(args[0].field(pg::sval).str(pg::sval));
    std::string step = unit == "quarter" ? "3 months" : "1 " + unit;  // an interval has no quarters
    if (op == "=" && value.is(pg::A_Const)) {
      // `'2026-06-01' + interval '1 day'` does not run (unknown + interval): a plain date is
      // typed as one; anything else (a time, a zone) is left to the user.
      bool whole_days = unit == "day" || unit == "week" || unit == "month" || unit == "quarter" || unit == "year";
      if (!whole_days || !next_day(v)) return std::nullopt;
      return fmt::format("{} >= {} AND {} < date {} + interval '{}'", k, v, k, v, step);
    }
    if (op == "=") return fmt::format("{} >= {} AND {} < {} + interval '{}'", k, v, k, v, step);
    if (op == ">=") return fmt::format("{} >= {}", k, v);
    if (op == "<") return fmt::format("{} < {}", k, v);
    return std::nullopt;
  }
  // col + n / col - n compared with a value: move the arithmetic to the value.
  if (expr.is(pg::A_Expr) && expr.str(pg::kind) == pg::AEXPR_OP && expr.field(pg::lexpr).is(pg::ColumnRef)) {
    sql::List name = expr.list(pg::name);
    std::string arith = name.empty() ? "" : std::string(name[name.size() - 1].sval());
    auto n = integer_constant(expr.field(pg::rexpr));
    if (!n || (arith != "+" && arith != "-")) return std::nullopt;
    std::string inverse = arith == "+" ? "-" : "+";
    auto target = integer_constant(value);
    std::string moved = target ? fmt::format("{}", arith == "+" ? *target - *n : *target + *n)
                               : fmt::format("{} {} {}", v, inverse, *n);
    return fmt::format("{} {} {}", k, op, moved);
  }
  // coalesce(col, d) = v: the NULL branch matters only when v is the default.
  if (expr.is(pg::CoalesceExpr) && op == "=") {
    sql::List args = expr.list(pg::args);
    if (args.size() != 2 || !args[0].is(pg::ColumnRef)) return std::nullopt;
    std::string fallback = catalog::deparse(args[1]);
    if (c.value == catalog::ValueKind::constant && fallback != v) return fmt::format("{} = {}", k, v);
    if (c.value == catalog::ValueKind::constant) return fmt::format("({} = {} OR {} IS NULL)", k, v, k);
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace pglens::rules::schema

#include "registry.hpp"

namespace pglens::rules::schema {
namespace {

bool is_number_type(std::string_view type) {
  if (type.ends_with("]")) return false;  // an array
  for (std::string_view t :
       {"smallint", "integer", "bigint", "numeric", "decimal", "real", "double precision", "money"})
    if (type.starts_with(t)) return true;
  return false;
}

enum class KeyKind { none, unique, reference };

KeyKind key_kind(const Table& table, std::string_view column) {
  auto one_of = [&](const Constraint& c) {
    return std::find(c.columns.begin(), c.columns.end(), column) != c.columns.end();
  };
  for (const auto& c : table.constraints)
    if (c.kind != ConstraintKind::foreign_key && c.columns.size() == 1 && one_of(c)) return KeyKind::unique;
  for (const auto& c : table.constraints)
    if (one_of(c)) return KeyKind::reference;  // a foreign key, or part of a composite key
  if (column == "id") return KeyKind::unique;
  if (column.ends_with("_id")) return KeyKind::reference;
  return KeyKind::none;
}

// Whether an equality on this column or expression likely matches many rows: a bare non-key
// column of a type with few distinct values in practice (text, boolean, an enum: `status =
// 'paid'`). A key, a number, a date or time, or an expression (`created_at::date = $1`) picks few.
bool few_values(const Table& table, const catalog::ColumnPredicate& predicate) {
  if (!predicate.is_column() || key_kind(table, predicate.column) != KeyKind::none) return false;
  const Column* column = table.column(predicate.column);
  if (!column) return false;
  std::string_view type = column->type;
  bool dated = type.starts_with("date") || type.starts_with("time");
  return !dated && !is_number_type(type);
}

}  // namespace

std::optional<AggregationShape> aggregation_shape(const catalog::QueryFacts& facts, const sql::Node& select) {
  if (facts.relations.size() != 1 || !facts.relations[0].table || facts.star || !facts.outputs_only_columns ||
      facts.output_columns.empty() || facts.has_aggregate || facts.has_group_by || facts.has_window || facts.distinct ||
      has_row_limit(select) || select.has(pg::limitOffset))
    return std::nullopt;
  const Table& table = *facts.relations[0].table;
  AggregationShape shape;
  for (const auto& [relation, name] : facts.output_columns) {
    const Column* column = table.column(name);
    if (!column || !is_number_type(column->type)) return std::nullopt;
    KeyKind key = key_kind(table, name);
    auto& list = key == KeyKind::none ? shape.measures : shape.groups;
    if (key != KeyKind::unique && std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
  }
  if (shape.measures.empty()) return std::nullopt;  // keys alone are fetched to act on each row
  if (select.has(pg::whereClause)) {
    if (facts.where_has_or) return std::nullopt;
    size_t read = 0;
    for (const auto& c : facts.conditions) {
      if (c.from_join) continue;
      ++read;
      bool lookup = c.value == catalog::ValueKind::constant || c.value == catalog::ValueKind::parameter;
      if (lookup && c.predicate.op == catalog::PredicateOp::equality && !c.predicate.is_null_test &&
          !few_values(table, c.predicate))
        return std::nullopt;
    }
    if (read < catalog::and_conjuncts(select.field(pg::whereClause)).size()) return std::nullopt;
  }
  return shape;
}

bool in_app_aggregation_reports(const catalog::QueryFacts& facts, const sql::Node& select,
                                const detail::RuleContext& ctx) {
  const RuleInfo& rule = in_app_aggregation().info();
  if (!ctx.severity_of(rule)) return false;
  auto shape = aggregation_shape(facts, select);
  return shape && is_large(*facts.relations[shape->relation].table, rule, ctx);
}

}  // namespace pglens::rules::schema
