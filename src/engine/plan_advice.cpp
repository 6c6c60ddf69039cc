#include "engine/plan_advice.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "catalog/index_advisor.hpp"
#include "sql/pg_names.hpp"

namespace pg = pglens::sql::pg;

namespace pglens::detail {
namespace {

// The requests of one table, merged across findings.
struct TableRequest {
  Table table;             // from the catalog, or named by the plan alone
  std::string shown_name;  // as the advice names it
  catalog::IndexRequest request;
  bool output_unknown = false;
  bool order_wanted = false;       // a rule asked for the rows in order (a LIMIT stops early)
  std::vector<size_t> drafts;      // findings that asked, in order
  std::vector<std::string> rules;  // their rule ids, no repeats
  std::vector<std::string> aliases;
};

catalog::PredicateOp to_op(CompareOp op) {
  switch (op) {
    case CompareOp::equality: return catalog::PredicateOp::equality;
    case CompareOp::range: return catalog::PredicateOp::range;
    case CompareOp::other: break;
  }
  return catalog::PredicateOp::other;
}

// Whether an index on the conjunct's expression can be created: PostgreSQL accepts only
// IMMUTABLE expressions, and date_trunc() or a ::date cast of a timestamptz depend on the
// time zone. A function or cast is kept when it is immutable whatever the column's type, or
// when the catalog says the column is not a timestamptz.
bool indexable_expression(const Conjunct& c, const Table& table) {
  if (c.expression.empty()) return true;
  static constexpr std::string_view always[] = {"lower()", "upper()", "abs()", "md5()", "btrim()", "length()"};
  for (std::string_view w : always)
    if (c.wrapper == w) return true;
  const Column* column = table.column(c.column.column);
  if (!column) return false;  // the type decides, and it is not known
  const std::string& type = column->type;
  bool with_zone = type.find("with time zone") != std::string::npos || type == "timestamptz";
  bool temporal = type.find("time") != std::string::npos || type == "date";
  if (c.wrapper == "date_trunc()") return temporal && !with_zone;
  if (!c.wrapper.starts_with("::")) return false;
  // Casts of dates and times to text follow DateStyle: only date <-> timestamp stays fixed.
  std::string_view target = std::string_view(c.wrapper).substr(2);
  if (temporal) return !with_zone && (target == "date" || target == "timestamp without time zone");
  return true;
}

// The conjuncts of `condition` on the wished relation's columns, as the advisor reads them.
void add_predicates(const IndexWish& wish, const Table& table, std::string_view condition, sql::Parser& parser,
                    catalog::IndexRequest& request) {
  ParsedCondition parsed = parse_condition(condition, parser);
  for (const Conjunct& c : parsed.conjuncts) {
    if (c.has_or || c.column.column.empty()) continue;
    if (!indexable_expression(c, table)) continue;
    catalog::ColumnPredicate p;
    bool mine = refers_to(c.column, wish.relation, wish.alias);
    bool theirs = !c.other_column.column.empty() && refers_to(c.other_column, wish.relation, wish.alias);
    // Two columns of the same row (`l_commitdate < l_receiptdate`): no index key serves it.
    if (mine && theirs && c.column.qualifier == c.other_column.qualifier) continue;
    if (mine) {
      p.column = c.expression.empty() ? c.column.column : std::string();
      p.expression = c.expression;
      p.op = to_op(c.op);
      p.text = c.text;
      p.constant = c.constant;
      p.is_null_test = c.is_null_test;
    } else if (theirs) {
      // `o.id = c.order_id` seen from c: an equality on c.order_id with a value from outside.
      if (c.op != CompareOp::equality) continue;
      p.column = c.other_column.column;
      p.op = catalog::PredicateOp::equality;
      p.text =
          fmt::format("{} = {}{}{}", c.other_column.column, c.column.qualifier, c.column.qualifier.empty() ? "" : ".",
                      c.expression.empty() ? c.column.column : c.expression);
    } else {
      continue;
    }
    if (p.op == catalog::PredicateOp::other) continue;
    bool seen = std::any_of(request.predicates.begin(), request.predicates.end(),
                            [&](const catalog::ColumnPredicate& q) { return q.text == p.text; });
    if (!seen) request.predicates.push_back(std::move(p));
  }
}

// Plain column names among `items` (Output entries, select-list columns); false when an
// entry is not a column of the relation (an expression, a *).
bool plain_columns(const std::vector<std::string>& items, const IndexWish& wish, sql::Parser& parser,
                   std::vector<std::string>& out) {
  for (const auto& item : items) {
    SortKeyText k = parse_sort_key(item, parser);
    if (k.column.column.empty() || k.column.column == "*") return false;
    if (!refers_to(k.column, wish.relation, wish.alias)) continue;
    if (std::find(out.begin(), out.end(), k.column.column) == out.end()) out.push_back(k.column.column);
  }
  return true;
}

// What the query text adds for a single-table SELECT on this relation: the columns it reads
// and its ORDER BY.
void add_from_query(const std::string& query_text, const IndexWish& wish, sql::Parser& parser,
                    catalog::IndexRequest& request, bool& output_unknown) {
  auto stmt = parser.parse_one(query_text);
  if (!stmt || !stmt->is(pg::SelectStmt)) return;
  sql::List from = stmt->list(pg::fromClause);
  if (from.size() != 1 || !from[0].is(pg::RangeVar) || from[0].str(pg::relname) != wish.relation) return;
  std::vector<std::string> targets, order;
  bool star = false;
  for (sql::Node t : stmt->list(pg::targetList)) {
    sql::Node v = t.field(pg::val);
    if (!v.is(pg::ColumnRef)) {
      star = true;  // an expression: its columns are not listed one by one here
      continue;
    }
    std::string name = sql::qualified_name(v.list(pg::fields));
    if (name.ends_with("*")) star = true;
    else targets.push_back(name);
  }
  // Read everything from the tree first: plain_columns() parses again with the same
  // parser, which invalidates `stmt`.
  std::vector<catalog::SortKey> keys;
  bool sortable = true;
  for (sql::Node s : stmt->list(pg::sortClause)) {
    sql::Node key = s.field(pg::node);
    if (!key.is(pg::ColumnRef)) {
      sortable = false;
      break;
    }
    catalog::SortKey k;
    sql::List fields = key.list(pg::fields);
    k.column = std::string(fields[fields.size() - 1].sval());
    k.descending = s.str(pg::sortby_dir) == pg::SORTBY_DESC;
    std::string_view nulls = s.str(pg::sortby_nulls);
    k.nulls_first = nulls == pg::SORTBY_NULLS_FIRST || (k.descending && nulls != pg::SORTBY_NULLS_LAST);
    keys.push_back(std::move(k));
  }
  std::vector<std::string> columns;
  if (!star && plain_columns(targets, wish, parser, columns)) {
    for (auto& c : columns)
      if (std::find(request.output_columns.begin(), request.output_columns.end(), c) == request.output_columns.end())
        request.output_columns.push_back(c);
  } else {
    output_unknown = true;
  }
  if (request.order_by.empty() && sortable) request.order_by = std::move(keys);
}

// Key order the planner can use. An index delivers ORDER BY only when every key before the
// order keys is fixed by equality: after a range column the rows come out of order. When a
// rule wanted the order (a LIMIT stops the scan early), the range stays a Filter; otherwise
// the order is dropped and the sort stays. Two range columns: the advisor keys one, so the
// second follows it as a plain later key (checked in the index instead of the heap).
void settle_key_order(TableRequest& t) {
  auto& r = t.request;
  auto is_range = [](const catalog::ColumnPredicate& p) { return p.op == catalog::PredicateOp::range; };
  if (!r.order_by.empty()) {
    const std::string& first = r.order_by.front().target();
    bool range_before_order =
        std::any_of(r.predicates.begin(), r.predicates.end(),
                    [&](const catalog::ColumnPredicate& p) { return is_range(p) && p.target() != first; });
    if (!range_before_order) return;
    if (t.order_wanted) {
      std::erase_if(r.predicates,
                    [&](const catalog::ColumnPredicate& p) { return is_range(p) && p.target() != first; });
    } else {
      r.order_by.clear();
    }
    return;
  }
  std::vector<std::string> ranges;
  for (const auto& p : r.predicates)
    if (is_range(p) && std::find(ranges.begin(), ranges.end(), p.target()) == ranges.end())
      ranges.push_back(p.target());
  if (ranges.size() < 2) return;
  const auto& second = *std::find_if(r.predicates.begin(), r.predicates.end(),
                                     [&](const catalog::ColumnPredicate& p) { return p.target() == ranges[1]; });
  r.order_by.push_back({.column = second.column, .expression = second.expression});
}

// The index of the plan that already serves the proposal: a scan of the same table through an
// index whose Index Cond reads the proposed keys, in order, first, and does not walk it. Suggesting it again would
// create a duplicate (and with --db pglens would claim the planner ignores it).
const plan::Node* plan_index_serving(const plan::Plan& plan, const TableRequest& t, const catalog::IndexSuggestion& s,
                                     sql::Parser& parser) {
  if (!s.index.predicate.empty() || !s.index.include.empty()) return nullptr;
  for (const plan::Node& n : plan.nodes) {
    if (n.index_name.empty() || n.index_cond.empty()) continue;
    // An index walked entry by entry names the condition's columns without leading with them:
    // far more blocks per run than rows (the test of rules/plan/index-walk.cpp).
    double walked = static_cast<double>(n.buffers.shared_hit + n.buffers.shared_read);
    double per_run = walked / std::max(1.0, n.actual_loops.value_or(1));
    if (walked >= 1000 && per_run >= 30 && per_run > 4 * (n.actual_rows.value_or(0) + 5)) continue;
    // A Bitmap Index Scan names no relation: its Bitmap Heap Scan above does.
    const plan::Node* heap = &n;
    for (int depth = 0; heap->relation.empty() && heap->parent >= 0 && depth < 8; ++depth)
      heap = &plan.nodes[static_cast<size_t>(heap->parent)];
    if (heap->relation != t.table.name) continue;
    std::vector<std::string> used;
    for (const Conjunct& c : parse_condition(n.index_cond, parser).conjuncts)
      if (!c.column.column.empty() && std::find(used.begin(), used.end(), c.column.column) == used.end())
        used.push_back(c.column.column);
    if (s.index.keys.size() > used.size()) continue;
    bool prefix = true;
    for (size_t k = 0; k < s.index.keys.size(); ++k)
      prefix = prefix && !s.index.keys[k].is_expression() && s.index.keys[k].column == used[k];
    if (prefix) return &n;
  }
  return nullptr;
}

}  // namespace

std::vector<plan::IndexAdvice> advise_indexes(const plan::Plan& plan, const Catalog& catalog, sql::Parser& parser,
                                              std::vector<PlanFindingDraft>& drafts) {
  std::vector<TableRequest> tables;
  std::map<std::string, size_t> by_name;
  for (size_t d = 0; d < drafts.size(); ++d) {
    for (const IndexWish& wish : drafts[d].wishes) {
      if (wish.relation.empty()) continue;
      const Table* known = catalog.find_table(wish.schema, wish.relation);
      // An index on a partition is asked of its partitioned parent: one index for them all.
      if (known && known->is_partition())
        if (const Table* parent = catalog.parent_of(*known)) known = parent;
      Table table;
      if (known) {
        table = *known;
      } else {
        table.schema = wish.schema.empty() ? catalog.default_schema() : wish.schema;
        table.name = wish.relation;
      }
      std::string key = fmt::format("{}.{}", table.schema, table.name);
      auto [it, inserted] = by_name.try_emplace(key, tables.size());
      if (inserted) {
        tables.push_back({});
        tables.back().shown_name = catalog::table_ref(catalog, table);
        tables.back().table = std::move(table);
      }
      TableRequest& t = tables[it->second];
      if (std::find(t.drafts.begin(), t.drafts.end(), d) == t.drafts.end()) t.drafts.push_back(d);
      if (std::find(t.rules.begin(), t.rules.end(), drafts[d].finding.rule) == t.rules.end())
        t.rules.push_back(drafts[d].finding.rule);
      for (const auto& condition : wish.conditions)
        if (!condition.empty()) add_predicates(wish, t.table, condition, parser, t.request);
      if (!wish.sort_keys.empty()) t.order_wanted = true;
      if (t.request.order_by.empty()) {
        for (const auto& text : wish.sort_keys) {
          SortKeyText k = parse_sort_key(text, parser);
          if (k.column.column.empty() && k.expression.empty()) break;
          if (!k.column.column.empty() && !refers_to(k.column, wish.relation, wish.alias)) {
            t.request.order_by.clear();
            break;
          }
          t.request.order_by.push_back({.column = k.column.column,
                                        .expression = k.expression,
                                        .descending = k.descending,
                                        .nulls_first = k.nulls_first});
        }
      }
      std::vector<std::string> columns;
      if (!wish.output.empty() && plain_columns(wish.output, wish, parser, columns)) {
        for (auto& c : columns)
          if (std::find(t.request.output_columns.begin(), t.request.output_columns.end(), c) ==
              t.request.output_columns.end())
            t.request.output_columns.push_back(c);
      } else if (!plan.query_text.empty()) {
        add_from_query(plan.query_text, wish, parser, t.request, t.output_unknown);
      } else {
        t.output_unknown = true;
      }
    }
  }

  std::vector<plan::IndexAdvice> advice;
  for (TableRequest& t : tables) {
    t.request.output_known = !t.output_unknown && !t.request.output_columns.empty();
    settle_key_order(t);
    auto suggestion = catalog::suggest_index(catalog, t.table, t.request);
    if (suggestion) {
      if (const plan::Node* used = plan_index_serving(plan, t, *suggestion, parser)) {
        for (size_t d : t.drafts)
          drafts[d].finding.why += fmt::format(
              "; the plan already reads {} through {} on these columns, so no "
              "other index is suggested",
              t.shown_name, used->index_name);
        continue;
      }
    }
    if (!suggestion) {
      if (t.table.indexes.empty()) continue;
      // The plan reads the table through one of them: nothing was ignored.
      if (std::any_of(plan.nodes.begin(), plan.nodes.end(),
                      [&](const plan::Node& n) { return n.relation == t.table.name && !n.index_name.empty(); }))
        continue;
      // Nothing new to create: say why the plan did not use what exists.
      for (size_t d : t.drafts) {
        auto& why = drafts[d].finding.why;
        why += fmt::format(
            "; {} already has an index that serves these columns, yet the planner did not use it: "
            "ANALYZE {}, and check the condition compares the indexed column itself (no cast or "
            "function around it)",
            t.shown_name, t.shown_name);
      }
      continue;
    }
    for (size_t d : t.drafts) {
      auto& ddl = drafts[d].finding.ddl;
      if (!ddl.empty()) ddl += '\n';
      ddl += suggestion->ddl;
    }
    advice.push_back({.table = t.shown_name, .ddl = suggestion->ddl, .summary = suggestion->summary, .rules = t.rules});
  }
  return advice;
}

}  // namespace pglens::detail
