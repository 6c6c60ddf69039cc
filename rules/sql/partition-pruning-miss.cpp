#include <algorithm>

#include <fmt/format.h>

#include "catalog/names.hpp"
#include "catalog/query_facts.hpp"
#include "partition_pruning.hpp"
#include "registry.hpp"
#include "schema_rules.hpp"
#include "sql/lexer.hpp"
#include "sql/pg_names.hpp"

namespace pg = pglens::sql::pg;

namespace pglens::rules {
namespace {

using pruning::Defeat;

// The SQL side of partition-pruning-miss (the RuleInfo, shared with the plan side, is in
// rules/partition_pruning.cpp): a WHERE on a partitioned table that gives PostgreSQL no
// condition it can compare with the partition bounds.
class PartitionPruningMiss final : public detail::SqlRule {
 public:
  const RuleInfo& info() const override { return partition_pruning_miss_info(); }

  std::vector<std::string_view> node_kinds() const override { return {"SelectStmt", "UpdateStmt", "DeleteStmt"}; }

  void check_node(const sql::Node& node, const detail::Walk&, detail::RuleContext& ctx) const override {
    if (!schema::is_query(node) || ctx.catalog().empty()) return;
    const catalog::QueryFacts& facts = ctx.query_facts(node);
    for (size_t r = 0; r < facts.relations.size(); ++r) {
      const catalog::RelationRef& rel = facts.relations[r];
      const Table* table = rel.table;
      if (!table || rel.only || !table->is_partitioned() || !table->partitioning) continue;
      const Partitioning& partitioning = *table->partitioning;
      if (partitioning.keys.empty()) continue;
      const Column* key = table->column(partitioning.keys.front());
      if (!key) continue;  // partitioned by an expression: left alone
      const Said& said = ctx.table_fact<Said>(*table, [&] { return Said(ctx.catalog(), *table, key->name); });
      if (said.partitions > 0 && static_cast<int64_t>(said.partitions) < ctx.int_option("min-partitions")) continue;
      // No WHERE at all: the whole table is wanted, and reading every partition is right.
      sql::Node where = node.field(pg::whereClause);
      if (!where) continue;
      Judge judge{facts, r, *table, *key, partitioning.strategy, std::nullopt};
      // A WHERE that never names the key neither prunes nor holds a culprit: one walk tells.
      if (judge.may_mention_key(where)) {
        if (judge.prunes(where)) continue;
        judge.find(where);
        if (!judge.culprit && judge.mentions_key(where)) continue;  // a key condition we do not judge (LIKE, ...)
      }
      // The key compared with another relation's column (JOIN ... ON or WHERE): a nested
      // loop prunes at run time for each outer row, and the query does have a condition on it.
      if (!judge.culprit && joins_on_key(facts, r, key->name)) continue;
      report(ctx, facts, judge, said);
    }
  }

  static bool joins_on_key(const catalog::QueryFacts& facts, size_t r, const std::string& key) {
    return std::any_of(facts.conditions.begin(), facts.conditions.end(), [&](const catalog::Condition& c) {
      return c.relation == r && c.other_relation && c.predicate.column == key;
    });
  }

 private:
  static constexpr size_t kNamesShown = 4;  // the message names the first few partitions

  // What the findings say of a partitioned table whatever the query: its leaf partitions
  // (counted and named), the consequence, the finding when no condition is on the key. Made
  // once per file, since query after query names the same table.
  struct Said {
    Said(const Catalog& catalog, const Table& table, const std::string& key)
        : partitions(pruning::partition_count(catalog, table)) {
      std::string at_stake = partitions == 0
          ? "every partition"
          : "all " + pruning::partitions_text(pruning::partition_names(catalog, table, kNamesShown), partitions);
      consequence = fmt::format("PostgreSQL cannot prune `{}` (partitioned by {}) and reads {}", table.name,
                                pruning::partitioning_text(*table.partitioning), at_stake);
      no_key_message = fmt::format("no condition on the partition key `{}`: {}", key, consequence);
      no_key_help = fmt::format("{}; {}", pruning::why_not_pruned(Defeat::no_key_condition),
                                pruning::general_fix(Defeat::no_key_condition, "`" + key + "`"));
    }
    size_t partitions;
    std::string consequence;  // "PostgreSQL cannot prune `events` (...) and reads all 12 partitions (...)"
    std::string no_key_message, no_key_help;
  };

  struct Culprit {
    Defeat defeat;
    sql::Node node;
    std::string detail;  // the function, the type cast to, the value's type
  };

  // Reads a WHERE against one partitioned relation of the query and its key column.
  struct Judge {
    const catalog::QueryFacts& facts;
    size_t relation;
    const Table& table;
    const Column& key;
    std::string_view strategy;  // range | list | hash
    std::optional<Culprit> culprit;

    bool is_here(const sql::Node& ref) const {
      sql::List f = ref.list(pg::fields);
      if (f.empty() || f[f.size() - 1].is(pg::A_Star)) return false;
      if (f.size() >= 2) return f[f.size() - 2].sval() == facts.relations[relation].alias;
      return facts.relations.size() == 1 || table.column(f[f.size() - 1].sval()) != nullptr;
    }
    bool is_key(const sql::Node& n) const {
      if (!n.is(pg::ColumnRef)) return false;
      // The name first: few columns are the key, and is_here() may search the table's columns.
      sql::List f = n.list(pg::fields);
      return !f.empty() && f[f.size() - 1].sval() == key.name && is_here(n);
    }
    // Deeper than any real WHERE clause; guards the stack against crafted input.
    static constexpr int kMaxDepth = 100;

    template <class Pred>
    static bool any_under(const sql::Node& n, Pred pred) {
      // A subquery's columns are its own.
      return sql::any_node(n, pred, [](const sql::Node& x) {
        return !x.is(pg::SubLink) && !x.is(pg::SelectStmt) && catalog::may_hold_expressions(x);
      });
    }
    bool mentions_key(const sql::Node& n) const {
      return any_under(n, [&](const sql::Node& x) { return is_key(x); });
    }
    // Whether the key may appear under `n` (as mentions_key, without its depth limit): when
    // not, nothing under `n` is a culprit, and find() need not look there.
    bool may_mention_key(const sql::Node& n, int depth = 0) const {
      if (depth > kMaxDepth) return true;  // not looked at: assume it does
      if (is_key(n)) return true;
      if (n.is(pg::SubLink) || n.is(pg::SelectStmt) || !catalog::may_hold_expressions(n)) return false;
      return !sql::for_each_child(n, [&](const sql::Node& child) { return !may_mention_key(child, depth + 1); });
    }
    bool reads_here(const sql::Node& n) const {
      return any_under(n, [&](const sql::Node& x) { return x.is(pg::ColumnRef) && is_here(x); });
    }
    static bool is_volatile(const sql::Node& n) {
      return any_under(n, [](const sql::Node& x) {
        return x.is(pg::FuncCall) && catalog::is_volatile_function(catalog::function_name(x));
      });
    }
    // The type a value is written in, when it says so: 5 integer, 5.0 numeric, '...'::date.
    static std::string value_type(const sql::Node& v) {
      if (v.is(pg::TypeCast)) return catalog::type_name(v.field(pg::typeName));
      if (v.is(pg::A_Const)) return v.has(pg::ival) ? "integer" : v.has(pg::fval) ? "numeric" : "";
      return {};
    }
    // A value PostgreSQL can compare with the bounds: no column of this relation, nothing
    // volatile, not of a type that makes it cast the key.
    bool prunes_with(const sql::Node& v) const {
      return v && !reads_here(v) && !is_volatile(v) && !pruning::casts_key(key.type, value_type(v));
    }

    // Whether the condition (negated: its negation, as PostgreSQL pushes NOT down) gives
    // pruning something: an equality, a range or an IN list on the bare key with values it
    // can compare with the bounds.
    bool prunes(const sql::Node& n, bool negated = false, int depth = 0) const {
      if (depth > kMaxDepth) return false;
      if (n.is(pg::BoolExpr)) {
        std::string_view op = n.str(pg::boolop);
        sql::List args = n.list(pg::args);
        if (op == pg::NOT_EXPR) return !args.empty() && prunes(args[0], !negated, depth + 1);
        // AND prunes when one arm does, OR when every arm does; NOT swaps them (De Morgan).
        bool any = (op == pg::AND_EXPR) != negated;
        for (sql::Node a : args)
          if (prunes(a, negated, depth + 1) == any) return any;
        return !any && !args.empty();
      }
      if (n.is(pg::NullTest)) return (n.str(pg::nulltesttype) == pg::IS_NULL) != negated && is_key(n.field(pg::arg));
      if (!n.is(pg::A_Expr)) return false;
      std::string_view kind = n.str(pg::kind);
      std::string op = operator_of(n);
      sql::Node l = n.field(pg::lexpr), r = n.field(pg::rexpr);
      if (kind == pg::AEXPR_OP) {
        if (negated) op = negated_operator(op);
        if (is_key(r) && !is_key(l)) {
          std::swap(l, r);
          op = flipped_operator(op);
        }
        return is_key(l) && usable_operator(op) && prunes_with(r);
      }
      if (!is_key(l)) return false;
      if (kind == pg::AEXPR_IN) {
        if (!usable_operator((op == "=") != negated ? "=" : "<>")) return false;
        for (sql::Node item : r.list(pg::items))
          if (!prunes_with(item)) return false;
        return true;
      }
      if (kind == pg::AEXPR_OP_ANY) return !negated && op == "=" && prunes_with(r);
      bool between = kind == pg::AEXPR_BETWEEN || kind == pg::AEXPR_BETWEEN_SYM || kind == pg::AEXPR_NOT_BETWEEN ||
          kind == pg::AEXPR_NOT_BETWEEN_SYM;
      if (between && !hash()) {  // NOT BETWEEN is two ranges OR-ed: it prunes too
        for (sql::Node item : r.list(pg::items))
          if (!prunes_with(item)) return false;
        return true;
      }
      return false;
    }

    bool hash() const { return strategy == "hash"; }
    // Hash partitions prune on equality only; list partitions also on `<>` (the partitions
    // holding only that value); range partitions on equality and ranges.
    bool usable_operator(std::string_view op) const {
      if (op == "=") return true;
      if (op == "<>" || op == "!=") return strategy == "list";
      return !hash() && (op == "<" || op == ">" || op == "<=" || op == ">=");
    }
    static std::string negated_operator(std::string_view op) {
      static constexpr std::pair<std::string_view, std::string_view> pairs[] = {
          {"=", "<>"}, {"<>", "="}, {"!=", "="}, {"<", ">="}, {">=", "<"}, {">", "<="}, {"<=", ">"}};
      for (const auto& [from, to] : pairs)
        if (op == from) return std::string(to);
      return {};
    }
    static std::string flipped_operator(std::string_view op) {
      static constexpr std::pair<std::string_view, std::string_view> pairs[] = {
          {"<", ">"}, {">", "<"}, {"<=", ">="}, {">=", "<="}};
      for (const auto& [from, to] : pairs)
        if (op == from) return std::string(to);
      return std::string(op);
    }

    static std::string operator_of(const sql::Node& n) {
      sql::List name = n.list(pg::name);
      return name.empty() ? std::string() : std::string(name[name.size() - 1].sval());
    }

    void consider(Defeat defeat, const sql::Node& n, std::string detail = {}) {
      // The most specific cause wins: what is done to the key, then the value, then the logic.
      auto rank = [](Defeat d) {
        switch (d) {
          case Defeat::function_on_key:
          case Defeat::cast_on_key: return 0;
          case Defeat::type_mismatch: return 1;
          case Defeat::volatile_value: return 2;
          case Defeat::negation: return 3;
          case Defeat::or_other_column: return 4;
          case Defeat::generic_parameter:
          case Defeat::no_key_condition: break;
        }
        return 5;
      };
      if (!culprit || rank(defeat) < rank(culprit->defeat)) culprit = Culprit{defeat, n, std::move(detail)};
    }

    // A side of a comparison that computes something from the key.
    void wrapped_side(const sql::Node& comparison, const sql::Node& side) {
      if (!side || is_key(side) || !mentions_key(side)) return;
      if (side.is(pg::TypeCast) && is_key(side.field(pg::arg))) {
        std::string type = catalog::type_name(side.field(pg::typeName));
        // varchar key as text and the like: a relabelling, pruning sees through it.
        if (pruning::type_family(type) == pruning::type_family(key.type)) return;
        consider(Defeat::cast_on_key, comparison, type);
        return;
      }
      std::string what = side.is(pg::FuncCall) ? catalog::function_name(side) + "()" : "an expression";
      consider(Defeat::function_on_key, comparison, what);
    }

    void find(const sql::Node& n, int depth = 0) {
      if (!n || depth > kMaxDepth || n.is(pg::SubLink) || n.is(pg::SelectStmt)) return;
      // Every culprit is a condition that mentions the key: skip what does not.
      if (!may_mention_key(n)) return;
      if (n.is(pg::BoolExpr) && mentions_key(n)) {
        std::string_view op = n.str(pg::boolop);
        if (op == pg::NOT_EXPR && !prunes(n)) consider(Defeat::negation, n);
        else if (op == pg::OR_EXPR && !prunes(n)) consider(Defeat::or_other_column, n);
      } else if (n.is(pg::NullTest)) {
        wrapped_side(n, n.field(pg::arg));
        if (n.str(pg::nulltesttype) == pg::IS_NOT_NULL && is_key(n.field(pg::arg))) consider(Defeat::negation, n);
      } else if (n.is(pg::A_Expr)) {
        sql::Node l = n.field(pg::lexpr), r = n.field(pg::rexpr);
        bool value_right = !reads_here(r), value_left = !reads_here(l);
        if (value_right) wrapped_side(n, l);
        if (value_left) wrapped_side(n, r);
        sql::Node key_side = is_key(l) && value_right ? l : is_key(r) && value_left ? r : sql::Node();
        sql::Node value = key_side ? (is_key(l) ? r : l) : sql::Node();
        if (key_side) {
          std::string_view kind = n.str(pg::kind);
          std::string op = operator_of(n);
          if (((kind == pg::AEXPR_OP && (op == "<>" || op == "!=")) || (kind == pg::AEXPR_IN && op != "=")) &&
              !prunes(n))
            consider(Defeat::negation, n);
          if (is_volatile(value)) consider(Defeat::volatile_value, n);
          std::string type = value_type(value);
          if (pruning::casts_key(key.type, type)) consider(Defeat::type_mismatch, n, type);
        }
      }
      sql::for_each_child(n, [&](const sql::Node& child) { find(child, depth + 1); });
    }
  };

  static void report(detail::RuleContext& ctx, const catalog::QueryFacts& facts, const Judge& judge, const Said& said) {
    const std::string& key = judge.key.name;
    const std::string& consequence = said.consequence;
    if (!judge.culprit) {
      uint32_t at = facts.relations[judge.relation].location;
      ctx.report(schema::token_span(ctx, at), said.no_key_message).help(said.no_key_help);
      return;
    }
    const Culprit& c = *judge.culprit;
    uint32_t begin = schema::first_location(c.node).value_or(0);
    uint32_t limit = static_cast<uint32_t>(ctx.text().size());
    Span span = schema::expression_span(ctx.text(), begin, limit);
    if (auto last = schema::last_location(c.node)) span.end = std::max(span.end, sql::token_end(ctx.text(), *last));
    std::string text = written(ctx.text(), span);
    std::string what;
    switch (c.defeat) {
      case Defeat::function_on_key:
        what = fmt::format("`{}` wraps the partition key `{}` in {}", text, key, c.detail);
        break;
      case Defeat::cast_on_key:
        what = fmt::format("`{}` casts the partition key `{}` ({}) to {}", text, key, judge.key.type, c.detail);
        break;
      case Defeat::type_mismatch:
        what = fmt::format("`{}` compares the partition key `{}` ({}) with a value of type {}", text, key,
                           judge.key.type, c.detail);
        break;
      case Defeat::or_other_column:
        what = fmt::format("`{}` ORs the condition on the partition key `{}` with one on another column", text, key);
        break;
      case Defeat::negation: what = fmt::format("`{}` negates a condition on the partition key `{}`", text, key); break;
      case Defeat::volatile_value:
        what = fmt::format("`{}` compares the partition key `{}` with a volatile value", text, key);
        break;
      case Defeat::generic_parameter:
      case Defeat::no_key_condition: break;
    }
    std::string fix = rewrite(c, text, facts, judge).value_or(pruning::general_fix(c.defeat, "`" + key + "`"));
    ctx.report(span, fmt::format("{}: {}", what, consequence))
        .help(fmt::format("{}; {}", pruning::why_not_pruned(c.defeat), fix));
  }

  // The concrete pruning-friendly form of the culprit, where one is known.
  // The condition as the query writes it, on one line.
  static std::string written(std::string_view text, Span span) {
    std::string out;
    for (char ch : text.substr(span.begin, span.end - span.begin)) {
      bool space = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r';
      if (space && (out.empty() || out.back() == ' ')) continue;
      out += space ? ' ' : ch;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
  }

  static std::optional<std::string> rewrite(const Culprit& c, std::string text, const catalog::QueryFacts& facts,
                                            const Judge& judge) {
    const std::string& key = judge.key.name;
    if (c.defeat == Defeat::function_on_key || c.defeat == Defeat::cast_on_key) {
      for (const auto& cond : facts.conditions) {
        if (cond.node.location() != c.node.location() || cond.relation != judge.relation) continue;
        if (auto sargable = schema::sargable_rewrite(cond))
          return fmt::format("compare the bare key so PostgreSQL prunes: `{}`", *sargable);
        // A literal compared with the key cast to text: the literal alone is read as the key's type.
        sql::Node v = cond.value_side;
        while (v.is(pg::TypeCast)) v = v.field(pg::arg);
        if (c.defeat == Defeat::cast_on_key && pruning::type_family(c.detail) == "text" && v.is(pg::A_Const) &&
            v.has(pg::sval) &&
            (cond.op == "=" || cond.op == "<" || cond.op == ">" || cond.op == "<=" || cond.op == ">="))
          return fmt::format("compare the bare key so PostgreSQL prunes: `{} {} {}`", key, cond.op,
                             catalog::deparse(v));
      }
      return std::nullopt;
    }
    if (c.defeat == Defeat::volatile_value) {
      for (std::string_view f : {"clock_timestamp()", "timeofday()"})
        if (auto pos = text.find(f); pos != std::string::npos) {
          text.replace(pos, f.size(), "now()");
          return fmt::format("use the transaction's stable clock so PostgreSQL prunes when execution starts: `{}`",
                             text);
        }
    }
    return std::nullopt;
  }
};

}  // namespace

const detail::SqlRule& partition_pruning_miss() {
  static const PartitionPruningMiss rule;
  return rule;
}

}  // namespace pglens::rules
