#include "catalog/query_facts.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "catalog/names.hpp"
#include "sql/lexer.hpp"
#include "sql/pg_names.hpp"

namespace pg = pglens::sql::pg;

namespace pglens::catalog {
namespace {

constexpr std::array<std::string_view, 16> kAggregates = {
    "count",    "sum",     "avg",   "min",      "max",       "array_agg",       "string_agg",
    "bool_and", "bool_or", "every", "json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg",
    "stddev",   "variance"};

constexpr std::array<std::string_view, 7> kVolatile = {
    "random", "clock_timestamp", "timeofday", "gen_random_uuid", "uuid_generate_v4", "nextval", "setseed"};

// Calls `visit` on each top-level AND-ed conjunct of `expr`, in order (and_conjuncts without
// the vector: the analysis of every query asks for them).
template <class Visit>
void for_each_conjunct(const sql::Node& expr, Visit&& visit) {
  if (!expr) return;
  if (expr.is(pg::BoolExpr) && expr.str(pg::boolop) == pg::AND_EXPR) {
    for (sql::Node a : expr.list(pg::args)) for_each_conjunct(a, visit);
    return;
  }
  visit(expr);
}

class Analyzer {
 public:
  Analyzer(const Catalog& catalog, QueryFacts& facts, std::vector<sql::Node> ctes,
           std::span<const std::string> variables)
      : catalog_(catalog), facts_(facts), ctes_(std::move(ctes)), variables_(variables) {}

  void from_item(const sql::Node& item) {
    if (item.is(pg::RangeVar)) {
      RelationRef& r = facts_.relations.emplace_back();  // made in place: it is large
      std::string_view schema = item.str(pg::schemaname), name = item.str(pg::relname);
      if (const sql::Node* cte = schema.empty() ? find_cte(name) : nullptr) {
        r.source = RelationSource::cte;
        r.query = cte->field(pg::ctequery);
      } else {
        r.table = catalog_.find_table(schema, name);
      }
      r.written = schema.empty() ? std::string(name) : std::string(schema) + "." + std::string(name);
      sql::Node alias = item.field(pg::alias);
      r.alias = alias ? std::string(alias.str(pg::aliasname)) : std::string(name);
      r.location = item.location().value_or(0);
      r.only = !item.boolean(pg::inh);  // libpg_query leaves false out: no "inh" is FROM ONLY
    } else if (item.is(pg::JoinExpr)) {
      std::string_view type = item.str(pg::jointype);
      size_t left_begin = facts_.relations.size();
      from_item(item.field(pg::larg));
      size_t right_begin = facts_.relations.size();
      from_item(item.field(pg::rarg));
      size_t right_end = facts_.relations.size();
      auto null_extend = [&](size_t from, size_t to) {
        for (size_t i = from; i < to; ++i) facts_.relations[i].nullable = true;
      };
      // (A FULL JOIN keeps every row of both sides: neither is marked.)
      if (type == pg::JOIN_LEFT) null_extend(right_begin, right_end);
      if (type == pg::JOIN_RIGHT) null_extend(left_begin, right_begin);
      if (item.has(pg::quals)) pending_join_quals_.push_back(item.field(pg::quals));
      if (item.boolean(pg::isNatural) || item.has(pg::usingClause)) {
        facts_.merged_join_columns = true;
        merge_columns(item, Range{left_begin, right_begin}, Range{right_begin, right_end});
      }
    } else if (item) {
      RelationRef& r = facts_.relations.emplace_back();
      r.source = item.is(pg::RangeSubselect) ? RelationSource::subquery : RelationSource::other;
      if (item.is(pg::RangeSubselect)) r.query = item.field(pg::subquery);
      sql::Node alias = item.field(pg::alias);
      r.alias = alias ? std::string(alias.str(pg::aliasname)) : std::string();
      r.written = r.alias;
      // A subquery or function in FROM has no location of its own: where its text begins.
      r.location = item.location().value_or(sql::first_location(item).value_or(0));
    }
  }

  struct Range {
    size_t begin = 0, end = 0;  // relations [begin, end) of facts_.relations
    bool holds(size_t r) const { return r >= begin && r < end; }
  };

  // A column `JOIN ... USING` or NATURAL JOIN merged: a bare reference to it within the
  // join's relations is `relation`'s (the left side's, the right one's for a RIGHT JOIN).
  struct MergedColumn {
    std::string column;
    size_t relation = 0;
    Range scope;
  };

  // The relation of `side` whose column `name` is: a column merged inside it, the one
  // relation whose table has it, or the side's only relation.
  std::optional<size_t> side_relation(std::string_view name, Range side) const {
    const MergedColumn* widest = nullptr;
    for (const auto& m : merged_)
      if (m.column == name && side.holds(m.scope.begin) && m.scope.end <= side.end &&
          (!widest || m.scope.end - m.scope.begin > widest->scope.end - widest->scope.begin))
        widest = &m;
    if (widest) return widest->relation;
    std::optional<size_t> found;
    for (size_t i = side.begin; i < side.end; ++i) {
      const Table* t = facts_.relations[i].table;
      if (t && t->column(name)) {
        if (found) return std::nullopt;  // PostgreSQL refuses the ambiguity
        found = i;
      }
    }
    if (!found && side.end - side.begin == 1) found = side.begin;
    return found;
  }

  // The columns a NATURAL JOIN merges: those both sides' known tables have (an unknown
  // relation's columns are not known, and make no condition).
  std::vector<std::string> common_columns(Range left, Range right) const {
    std::vector<std::string> out;
    for (size_t i = left.begin; i < left.end; ++i) {
      const Table* t = facts_.relations[i].table;
      if (!t) continue;
      for (const auto& column : t->columns) {
        bool on_right = false;
        for (size_t j = right.begin; j < right.end && !on_right; ++j)
          on_right = facts_.relations[j].table && facts_.relations[j].table->column(column.name);
        if (on_right && std::find(out.begin(), out.end(), column.name) == out.end()) out.push_back(column.name);
      }
    }
    return out;
  }

  // `a JOIN b USING (x)` is `a.x = b.x`: a join condition on each side, as ON would make.
  void merge_columns(const sql::Node& join, Range left, Range right) {
    std::vector<std::pair<std::string, sql::Node>> names;  // with the USING list's String node
    for (sql::Node n : join.list(pg::usingClause)) names.emplace_back(std::string(n.sval()), n);
    if (join.boolean(pg::isNatural))
      for (auto& c : common_columns(left, right)) names.emplace_back(std::move(c), sql::Node());
    // A USING condition has no location of its own: the right side's (last) item, from
    // which the rules find the column's name after USING.
    uint32_t at = sql::last_location(join.field(pg::rarg)).value_or(0);
    std::string_view type = join.str(pg::jointype);
    for (const auto& [name, node] : names) {
      auto l = side_relation(name, left), r = side_relation(name, right);
      if (l && r) {
        add_merged(*l, *r, name, join, node, at);
        add_merged(*r, *l, name, join, node, at);
      }
      // A FULL JOIN's merged column is COALESCE of both: neither side's column.
      if (type == pg::JOIN_FULL) continue;
      std::optional<size_t> named_by = type == pg::JOIN_RIGHT ? r : l;
      if (named_by) merged_.push_back({name, *named_by, Range{left.begin, right.end}});
    }
  }

  void add_merged(size_t relation, size_t other, const std::string& column, const sql::Node& join,
                  const sql::Node& name_node, uint32_t at) {
    Condition& c = facts_.conditions.emplace_back();
    c.relation = relation;
    c.predicate.column = column;
    c.predicate.op = PredicateOp::equality;
    // The text PostgreSQL would show for the equality (a join condition: no partial index's
    // predicate is ever this).
    c.predicate.text =
        quote_ident(column) + " = " + quote_ident(facts_.relations[other].alias) + "." + quote_ident(column);
    c.node = join;
    c.column_side = name_node;
    c.value = ValueKind::column;
    c.other_relation = other;
    c.other_column = column;
    c.from_join = true;
    c.op = "=";
    c.location = at;
  }

  const sql::Node* find_cte(std::string_view name) const {
    for (const auto& c : ctes_)
      if (c.str(pg::ctename) == name) return &c;
    return nullptr;
  }

  // The relation a ColumnRef names: by qualifier, or the one relation having the column. The
  // column's name is the tree's.
  std::optional<std::pair<size_t, std::string_view>> resolve(const sql::Node& ref) const {
    sql::List fields = ref.list(pg::fields);
    if (fields.empty()) return std::nullopt;
    sql::Node last = fields[fields.size() - 1];
    if (last.is(pg::A_Star)) return std::nullopt;
    std::string_view column = last.sval();
    if (fields.size() >= 2) {
      std::string_view qualifier = fields[fields.size() - 2].sval();
      for (size_t i = 0; i < facts_.relations.size(); ++i)
        if (facts_.relations[i].alias == qualifier) return std::make_pair(i, column);
      return std::nullopt;
    }
    // A function's variable, unless a table of the query has a column so named (a column
    // wins in a SQL function; PL/pgSQL refuses the ambiguity, so a working body has none).
    bool variable = std::find(variables_.begin(), variables_.end(), column) != variables_.end();
    std::optional<size_t> found;
    for (size_t i = 0; i < facts_.relations.size(); ++i) {
      const Table* t = facts_.relations[i].table;
      if ((facts_.relations.size() == 1 && !variable) || (t && t->column(column))) {
        if (found) return merged_relation(column);  // ambiguous, unless a join merged it
        found = i;
      }
    }
    if (!found) return merged_relation(column);
    return std::make_pair(*found, column);
  }

  // A bare name that several relations have is the merged column of a USING or NATURAL join
  // when only that join's relations have it (outside it PostgreSQL calls it ambiguous).
  std::optional<std::pair<size_t, std::string_view>> merged_relation(std::string_view column) const {
    const MergedColumn* widest = nullptr;
    for (const auto& m : merged_)
      if (m.column == column && (!widest || m.scope.end - m.scope.begin > widest->scope.end - widest->scope.begin))
        widest = &m;
    if (!widest) return std::nullopt;
    for (size_t i = 0; i < facts_.relations.size(); ++i) {
      const Table* t = facts_.relations[i].table;
      if (!widest->scope.holds(i) && t && t->column(column)) return std::nullopt;
    }
    return std::make_pair(widest->relation, column);
  }

  // Calls `visit` on every ColumnRef under `node` (not descending into subqueries), in order,
  // until it returns false; then returns false.
  template <class Visit>
  static bool column_refs(const sql::Node& node, Visit&& visit) {
    if (!node) return true;
    if (node.is(pg::ColumnRef)) return visit(node);
    if (node.is(pg::SubLink) || node.is(pg::SelectStmt) || !may_hold_expressions(node)) return true;
    return sql::for_each_child(node, [&](const sql::Node& child) { return column_refs(child, visit); });
  }

  static bool has_volatile_call(const sql::Node& node) {
    return sql::any_node(
        node, [](const sql::Node& n) { return n.is(pg::FuncCall) && is_volatile_function(function_name(n)); },
        [](const sql::Node& n) { return !n.is(pg::SubLink) && may_hold_expressions(n); });
  }

  struct Side {
    size_t relation = 0;
    std::string_view column;  // bare column (the tree's text)
    std::string expression;   // or an expression on one relation's columns
  };

  // A side that is about one relation: a column, or an expression of its columns only.
  std::optional<Side> column_side(const sql::Node& node) const {
    if (!node) return std::nullopt;
    if (node.is(pg::ColumnRef)) {
      auto r = resolve(node);
      if (!r) return std::nullopt;
      return Side{r->first, r->second, {}};
    }
    std::optional<size_t> rel;
    bool one_relation = column_refs(node, [&](const sql::Node& ref) {
      auto r = resolve(ref);
      if (!r || (rel && *rel != r->first)) return false;
      rel = r->first;
      return true;
    });
    if (!one_relation || !rel) return std::nullopt;
    // Only an expression with an exact SQL text: it may become an index key.
    std::optional<std::string> text = deparse_exact(node, true);
    if (!text) return std::nullopt;
    return Side{*rel, {}, std::move(*text)};
  }

  ValueKind value_kind(const sql::Node& node) const {
    sql::Node n = node;
    while (n.is(pg::TypeCast)) n = n.field(pg::arg);
    if (n.is(pg::A_Const)) return ValueKind::constant;
    if (n.is(pg::ParamRef)) return ValueKind::parameter;
    if (n.is(pg::ColumnRef)) return resolve(n) ? ValueKind::column : ValueKind::parameter;  // outer reference
    if (has_volatile_call(n)) return ValueKind::volatile_call;
    bool reads_a_relation = !column_refs(n, [&](const sql::Node& ref) { return !resolve(ref); });
    if (reads_a_relation) return ValueKind::other;
    return ValueKind::parameter;  // a stable expression: now(), $1 + 1, CURRENT_DATE
  }

  // Of two values, the one less usable as an index lookup value.
  static ValueKind worst(ValueKind a, ValueKind b) {
    auto rank = [](ValueKind k) {
      switch (k) {
        case ValueKind::constant: return 0;
        case ValueKind::parameter: return 1;
        case ValueKind::column: return 2;
        case ValueKind::other: return 3;
        case ValueKind::volatile_call: return 4;
      }
      return 3;
    };
    return rank(a) >= rank(b) ? a : b;
  }

  static std::string_view flip(std::string_view op) {
    if (op == "<") return ">";
    if (op == ">") return "<";
    if (op == "<=") return ">=";
    if (op == ">=") return "<=";
    return op;
  }

  // `value_column`: value_node's side when it is a column of another relation, as resolved
  // already (a join condition).
  void add(const Side& side, const sql::Node& cond, const sql::Node& column_node, const sql::Node& value_node,
           ValueKind kind, PredicateOp op, std::string_view op_text, bool from_join,
           const Side* value_column = nullptr) {
    Condition& c = facts_.conditions.emplace_back();  // made in place: it is large
    c.relation = side.relation;
    c.predicate.column = side.column;
    c.predicate.expression = side.expression;
    c.predicate.op = op;
    c.predicate.condition = cond;
    c.predicate.is_null_test = op_text == "IS NULL";
    sql::Node v = value_node;
    while (v.is(pg::TypeCast)) v = v.field(pg::arg);
    if (kind == ValueKind::constant && v.is(pg::A_Const)) c.predicate.literal = v;
    c.node = cond;
    c.column_side = column_node;
    c.value_side = value_node;
    c.value = kind;
    c.from_join = from_join;
    c.op.assign(op_text);
    c.location = column_node.location().value_or(cond.location().value_or(0));
    if (kind == ValueKind::column) {
      std::optional<std::pair<size_t, std::string_view>> other;
      // column_side() of a bare ColumnRef is what resolve() makes of it.
      if (value_column && value_node.is(pg::ColumnRef)) {
        other.emplace(value_column->relation, value_column->column);
      } else {
        sql::Node ref = value_node;
        while (ref.is(pg::TypeCast)) ref = ref.field(pg::arg);
        other = resolve(ref);
      }
      if (other && other->first != side.relation) {
        c.other_relation = other->first;
        c.other_column = std::string(other->second);
      } else {
        c.value = ValueKind::other;  // a column of the same relation: no index lookup value
      }
    }
  }

  void condition(const sql::Node& cond, bool from_join) {
    if (cond.is(pg::BoolExpr)) {
      if (cond.str(pg::boolop) == pg::OR_EXPR) facts_.where_has_or = facts_.where_has_or || !from_join;
      return;
    }
    if (cond.is(pg::NullTest)) {
      sql::Node arg = cond.field(pg::arg);
      if (auto side = column_side(arg)) {
        bool is_null = cond.str(pg::nulltesttype) == pg::IS_NULL;
        add(*side, cond, arg, {}, ValueKind::constant, is_null ? PredicateOp::equality : PredicateOp::other,
            is_null ? "IS NULL" : "IS NOT NULL", from_join);
      }
      return;
    }
    if (!cond.is(pg::A_Expr)) return;
    std::string_view kind = cond.str(pg::kind);
    sql::List name = cond.list(pg::name);
    std::string_view op = name.empty() ? std::string_view() : name[name.size() - 1].sval();
    sql::Node l = cond.field(pg::lexpr), r = cond.field(pg::rexpr);
    if (kind == pg::AEXPR_OP) {
      bool comparison = op == "=" || op == "<" || op == ">" || op == "<=" || op == ">=" || op == "<>" || op == "!=";
      if (!comparison) return;
      auto ls = column_side(l), rs = column_side(r);
      PredicateOp pop = op == "="      ? PredicateOp::equality
          : (op == "<>" || op == "!=") ? PredicateOp::other
                                       : PredicateOp::range;
      if (ls && rs && ls->relation != rs->relation) {
        add(*ls, cond, l, r, ValueKind::column, pop, op, from_join, &*rs);
        add(*rs, cond, r, l, ValueKind::column, pop, flip(op), from_join, &*ls);
        return;
      }
      if (ls && !rs) add(*ls, cond, l, r, value_kind(r), pop, op, from_join);
      else if (rs && !ls) add(*rs, cond, r, l, value_kind(l), pop, flip(op), from_join);
      return;
    }
    auto ls = column_side(l);
    if (!ls) return;
    if (kind == pg::AEXPR_IN) {
      ValueKind vk = ValueKind::constant;
      for (sql::Node item : r.list(pg::items)) vk = worst(vk, value_kind(item));
      add(*ls, cond, l, r, vk, op == "=" ? PredicateOp::equality : PredicateOp::other, op == "=" ? "IN" : "NOT IN",
          from_join);
    } else if (kind == pg::AEXPR_OP_ANY) {
      add(*ls, cond, l, r, value_kind(r), op == "=" ? PredicateOp::equality : PredicateOp::other, "= ANY", from_join);
    } else if (kind == pg::AEXPR_BETWEEN) {
      ValueKind vk = ValueKind::constant;
      for (sql::Node item : r.list(pg::items)) vk = worst(vk, value_kind(item));
      add(*ls, cond, l, r, vk, PredicateOp::range, "BETWEEN", from_join);
    } else if (kind == pg::AEXPR_LIKE || kind == pg::AEXPR_ILIKE) {
      sql::Node v = r;
      while (v.is(pg::TypeCast)) v = v.field(pg::arg);
      std::string_view pattern = v.is(pg::A_Const) ? v.field(pg::sval).str(pg::sval) : std::string_view();
      bool prefix = kind == pg::AEXPR_LIKE && op == "~~" && !pattern.empty() && pattern[0] != '%' && pattern[0] != '_';
      add(*ls, cond, l, r, value_kind(r), prefix ? PredicateOp::range : PredicateOp::other,
          kind == pg::AEXPR_LIKE ? "LIKE" : "ILIKE", from_join);
    }
  }

  void conditions_of(const sql::Node& expr, bool from_join) {
    // A conjunct makes at most two conditions (a join's two sides): grow once.
    size_t conjuncts = 0;
    for_each_conjunct(expr, [&](const sql::Node&) { ++conjuncts; });
    facts_.conditions.reserve(facts_.conditions.size() + 2 * conjuncts);
    for_each_conjunct(expr, [&](const sql::Node& c) { condition(c, from_join); });
  }

  void finish_joins() {
    for (const auto& q : pending_join_quals_) conditions_of(q, true);
  }

  void targets(const sql::List& target_list) {
    facts_.output_columns.reserve(target_list.size());  // at most one each: grown once
    for (sql::Node t : target_list) {
      sql::Node v = t.field(pg::val);
      if (v.is(pg::ColumnRef)) {
        sql::List f = v.list(pg::fields);
        if (!f.empty() && f[f.size() - 1].is(pg::A_Star)) {
          facts_.star = true;
          facts_.outputs_only_columns = false;
          continue;
        }
        if (auto r = resolve(v)) {
          facts_.output_columns.emplace_back(r->first, std::string(r->second));
          continue;
        }
      }
      facts_.outputs_only_columns = false;
      if (contains_aggregate(v)) facts_.has_aggregate = true;
      if (contains_window(v)) facts_.has_window = true;
    }
  }

  static bool contains_window(const sql::Node& n) { return n.is(pg::FuncCall) && n.has(pg::over); }

  void order_by(const sql::List& sort) {
    for (sql::Node s : sort) {
      sql::Node key = s.field(pg::node);
      OrderItem item;
      item.key.descending = s.str(pg::sortby_dir) == pg::SORTBY_DESC;
      std::string_view nulls = s.str(pg::sortby_nulls);
      item.key.nulls_first = nulls == pg::SORTBY_NULLS_FIRST || (nulls != pg::SORTBY_NULLS_LAST && item.key.descending);
      item.location = key.location().value_or(0);
      if (auto side = column_side(key)) {
        item.relation = side->relation;
        item.key.column = side->column;
        item.key.expression = side->expression;
      }
      facts_.order_by.push_back(std::move(item));
    }
  }

 private:
  const Catalog& catalog_;
  QueryFacts& facts_;
  std::vector<sql::Node> pending_join_quals_;
  std::vector<MergedColumn> merged_;
  std::vector<sql::Node> ctes_;  // innermost first
  std::span<const std::string> variables_;
};

}  // namespace

std::vector<sql::Node> and_conjuncts(const sql::Node& expr) {
  std::vector<sql::Node> out;
  for_each_conjunct(expr, [&](const sql::Node& c) { out.push_back(c); });
  return out;
}

std::string function_name(const sql::Node& call) {
  sql::List names = call.list(pg::funcname);
  if (names.empty()) return {};
  return std::string(names[names.size() - 1].sval());
}

bool is_volatile_function(std::string_view name) {
  return std::find(kVolatile.begin(), kVolatile.end(), name) != kVolatile.end();
}

bool contains_aggregate(const sql::Node& node) {
  return sql::any_node(node, is_aggregate_call,
                       [](const sql::Node& n) { return !n.is(pg::SubLink) && may_hold_expressions(n); });
}

bool may_hold_expressions(const sql::Node& node) { return !node.is(pg::ColumnRef) && !node.is(pg::A_Const); }

bool is_aggregate_call(const sql::Node& node) {
  if (!node.is(pg::FuncCall) || node.has(pg::over)) return false;
  std::string name = function_name(node);
  return std::find(kAggregates.begin(), kAggregates.end(), name) != kAggregates.end();
}

namespace {

bool word_char(char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '$'; }

// Whether `text` at `at` is the word `word` (ASCII letters compared without case) and a
// whole word there.
bool word_at(std::string_view text, size_t at, std::string_view word) {
  if (at + word.size() > text.size() || (at > 0 && word_char(text[at - 1]))) return false;
  for (size_t k = 0; k < word.size(); ++k)
    if (std::tolower(static_cast<unsigned char>(text[at + k])) != std::tolower(static_cast<unsigned char>(word[k])))
      return false;
  return at + word.size() == text.size() || !word_char(text[at + word.size()]);
}

}  // namespace

Span condition_span(std::string_view text, const Condition& c) {
  Span token{c.location, sql::token_end(text, c.location)};
  if (!c.node.is(pg::JoinExpr) || !c.column_side || c.location >= text.size()) return token;
  // USING follows the right-hand relation: its list is the first parenthesis after the word.
  size_t at = c.location;
  while (at < text.size() && !word_at(text, at, "using")) {
    if (text[at] == ';') return token;
    ++at;
  }
  size_t open = text.find('(', at);
  size_t close = open == std::string_view::npos ? open : text.find(')', open);
  if (close == std::string_view::npos) return token;
  std::string quoted = quote_ident(c.predicate.column);
  bool plain = quoted.front() != '"';
  for (size_t i = open + 1; i < close; ++i) {
    bool found = plain ? word_at(text, i, c.predicate.column) : text.substr(i, quoted.size()) == quoted;
    if (found) {
      uint32_t begin = static_cast<uint32_t>(i);
      return Span{begin, static_cast<uint32_t>(i + (plain ? c.predicate.column.size() : quoted.size()))};
    }
  }
  return token;
}

void add_ctes(const sql::Node& stmt, std::vector<sql::Node>& out) {
  sql::Node with = stmt.field(pg::withClause);
  for (sql::Node c : with.list(pg::ctes)) out.push_back(c);
}

QueryFacts analyze_query(const sql::Node& stmt, const Catalog& catalog, std::span<const sql::Node> outer_ctes,
                         std::span<const std::string> variables) {
  QueryFacts facts;
  facts.catalog_ = &catalog;
  std::vector<sql::Node> ctes;
  add_ctes(stmt, ctes);
  ctes.insert(ctes.end(), outer_ctes.begin(), outer_ctes.end());
  Analyzer a(catalog, facts, std::move(ctes), variables);
  if (stmt.is(pg::SelectStmt)) {
    sql::List from = stmt.list(pg::fromClause);
    facts.relations.reserve(from.size() + 2);  // a join or two more than the items: grown once
    for (sql::Node item : from) a.from_item(item);
    a.finish_joins();
    if (sql::Node where = stmt.field(pg::whereClause)) {
      facts.has_where = true;
      a.conditions_of(where, false);
    }
    a.targets(stmt.list(pg::targetList));
    if (contains_aggregate(stmt.field(pg::havingClause))) facts.has_aggregate = true;
    a.order_by(stmt.list(pg::sortClause));
    facts.has_group_by = !stmt.list(pg::groupClause).empty();
    facts.distinct = stmt.has(pg::distinctClause);
    if (sql::Node limit = stmt.field(pg::limitCount)) {
      bool null_limit = limit.is(pg::A_Const) && limit.boolean(pg::isnull);
      facts.has_limit = !null_limit;
      if (limit.is(pg::A_Const) && limit.has(pg::ival)) facts.limit = limit.field(pg::ival).integer(pg::ival);
    }
    facts.offset = stmt.field(pg::limitOffset);
  } else if (stmt.is(pg::UpdateStmt) || stmt.is(pg::DeleteStmt)) {
    a.from_item(stmt.field(pg::relation));
    for (sql::Node item : stmt.list(stmt.is(pg::UpdateStmt) ? "fromClause" : "usingClause")) a.from_item(item);
    a.finish_joins();
    if (sql::Node where = stmt.field(pg::whereClause)) {
      facts.has_where = true;
      a.conditions_of(where, false);
    }
  }
  return facts;
}

IndexRequest QueryFacts::request_for(size_t r, bool with_joins) const {
  IndexRequest req;
  // At most all of them: grown once, not copied again as they come.
  req.predicates.reserve(conditions.size());
  req.output_columns.reserve(output_columns.size() + order_by.size());
  for (const auto& c : conditions) {
    if (c.relation != r) continue;
    bool join_value = with_joins && c.value == ValueKind::column && c.predicate.op == PredicateOp::equality;
    if (c.is_lookup() || join_value) req.predicates.push_back(c.predicate);
  }
  bool all_here = !order_by.empty() &&
      std::all_of(order_by.begin(), order_by.end(), [&](const OrderItem& o) { return o.relation && *o.relation == r; });
  if (all_here)
    for (const auto& o : order_by) req.order_by.push_back(o.key);
  req.output_known = !star && outputs_only_columns;
  for (const auto& [rel, col] : output_columns)
    if (rel == r) req.output_columns.push_back(col);
  for (const auto& o : order_by)
    if (o.relation && *o.relation == r && !o.key.column.empty()) req.output_columns.push_back(o.key.column);
  return req;
}

const IndexRequest& QueryFacts::filter_request(size_t r) const {
  if (filter_requests_.size() < relations.size()) filter_requests_.resize(relations.size());
  std::optional<IndexRequest>& request = filter_requests_[r];
  if (!request) request = request_for(r, false);
  return *request;
}

const Index* QueryFacts::filter_index(size_t c) const {
  if (filter_indexes_.size() < conditions.size()) filter_indexes_.resize(conditions.size());
  std::optional<const Index*>& index = filter_indexes_[c];
  if (!index) {
    const Condition& condition = conditions[c];
    const Table* table = relations[condition.relation].table;
    index = table ? serving_index(*catalog_, *table, condition.predicate, filter_request(condition.relation)) : nullptr;
  }
  return *index;
}

bool QueryFacts::filter_served(size_t r) const {
  for (size_t c = 0; c < conditions.size(); ++c)
    if (conditions[c].relation == r && conditions[c].is_lookup() && filter_index(c)) return true;
  return false;
}

}  // namespace pglens::catalog
