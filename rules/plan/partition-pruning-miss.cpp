#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>

#include "partition_pruning.hpp"
#include "registry.hpp"

namespace pglens::rules {
namespace {

using pruning::Defeat;

// The plan side of partition-pruning-miss (the RuleInfo, shared with the SQL side, is in
// rules/partition_pruning.cpp): an Append over the partitions of one table that read all or
// most of them, with the condition that kept PostgreSQL from pruning.
class PartitionPruningMissPlan final : public detail::PlanRule {
 public:
  const RuleInfo& info() const override { return partition_pruning_miss_info(); }

  void check(const plan::Plan& plan, detail::PlanRuleContext& ctx) const override {
    const auto min_partitions = static_cast<size_t>(std::max<int64_t>(1, ctx.int_option("min-partitions")));
    const double min_scanned = ctx.number_option("min-scanned-share");
    const double min_empty = ctx.number_option("min-empty-share");
    for (size_t i = 0; i < plan.nodes.size(); ++i) {
      const plan::Node& append = plan.nodes[i];
      if (append.node_type != "Append" && append.node_type != "Merge Append") continue;
      auto members = partitions_read(plan, append, ctx.catalog());
      if (!members) continue;
      size_t total =
          append.children.size() + static_cast<size_t>(std::max<int64_t>(0, append.subplans_removed.value_or(0)));
      if (members->root) total = std::max(total, pruning::partition_count(ctx.catalog(), *members->root));
      std::vector<int> scanned, empty;
      for (int scan : members->scans) {
        const plan::Node& s = plan.nodes[scan];
        if (s.never_executed) continue;  // pruned when execution started
        scanned.push_back(scan);
        if (detail::executed(s) && detail::rows_returned(s) == 0) empty.push_back(scan);
      }
      if (total < min_partitions || scanned.empty()) continue;
      if (static_cast<double>(scanned.size()) < min_scanned * static_cast<double>(total)) continue;
      bool mostly_empty = detail::executed(append) &&
          static_cast<double>(empty.size()) >= min_empty * static_cast<double>(scanned.size()) && !empty.empty();

      // The key: from the catalog, else the column every scanned partition filters on.
      const Column* key = nullptr;
      if (members->root && members->root->partitioning && !members->root->partitioning->keys.empty())
        key = members->root->column(members->root->partitioning->keys.front());
      std::vector<detail::ParsedCondition> conditions;
      for (int scan : scanned) conditions.push_back(ctx.parse(condition_of(plan.nodes[scan])));
      const std::string& printed = condition_of(plan.nodes[scanned.front()]);
      std::optional<Verdict> verdict = key ? judge_known_key(conditions.front(), printed, *key, mostly_empty)
                                           : judge_common_column(conditions, printed, mostly_empty);
      if (!verdict) continue;
      // No condition on the key costs what the empty partitions read: a few rows, or an
      // index probe each, is not worth a redesign of the query.
      if (verdict->defeat == Defeat::no_key_condition) {
        double read_for_nothing = 0;
        for (int scan : empty)
          read_for_nothing += detail::rows_returned(plan.nodes[scan]) + detail::rows_removed(plan.nodes[scan]);
        if (read_for_nothing < kMinRowsReadForNothing) continue;
      }

      std::string table = members->root ? members->root->name : members->base_alias;
      std::string partitioned = members->root && members->root->partitioning
          ? fmt::format(" (partitioned by {})", pruning::partitioning_text(*members->root->partitioning))
          : std::string();
      std::string read = scanned.size() == total ? fmt::format("all {} partitions", total)
                                                 : fmt::format("{} of {} partitions", scanned.size(), total);
      std::string outcome = empty.empty() ? std::string() : fmt::format(", {} of them returned no rows", empty.size());
      double impact = 0;
      for (int scan : empty) impact += detail::subtree_share(plan, scan);
      if (impact <= 0) impact = detail::subtree_share(plan, static_cast<int>(i));
      ctx.report(static_cast<int>(i),
                 fmt::format("{} read {} of `{}`{}{}: {}", append.node_type, read, table, partitioned, outcome,
                             verdict->what),
                 impact)
          .why(fmt::format("{}; {}{}", pruning::why_not_pruned(verdict->defeat),
                           pruning::general_fix(verdict->defeat, verdict->key_shown),
                           verdict->rewrite.empty() ? std::string() : fmt::format(": `{}`", verdict->rewrite)));
    }
  }

 private:
  // Rows the empty partitions must have read (returned nothing, filtered the rest) for a
  // missing key condition to be reported: about ten heap pages of narrow rows.
  static constexpr double kMinRowsReadForNothing = 1000;

  struct Members {
    std::vector<int> scans;       // the scan of each member, in order
    const Table* root = nullptr;  // the partitioned table, when the catalog knows it
    std::string base_alias;       // "events" of events_1, events_2 ...
  };

  struct Verdict {
    Defeat defeat;
    std::string what;       // the predicate and what it does to the key
    std::string key_shown;  // "`created`", or "the partition key"
    std::string rewrite;    // the same condition on the bare key, when pglens can write it
  };

  // `key::date = 'D'` and `date_trunc('day'|'month'|'year', key) = 'D'` as a range on the bare
  // key: [D, next D). The literals are untyped, so PostgreSQL reads them in the key's type at
  // the session's time zone, as the cast and date_trunc did.
  static std::string bare_key_rewrite(const detail::Conjunct& c) {
    if (c.operator_text != "=" || c.constant.size() < 12 || c.constant.front() != '\'') return {};
    std::string unit;
    if (c.wrapper == "::date") {
      unit = "day";
    } else if (c.wrapper == "date_trunc()") {
      size_t open = c.expression.find('\'');
      size_t close = open == std::string::npos ? open : c.expression.find('\'', open + 1);
      if (close == std::string::npos) return {};
      unit = c.expression.substr(open + 1, close - open - 1);
    } else {
      return {};
    }
    std::string_view value = std::string_view(c.constant).substr(1, c.constant.size() - 2);
    std::string_view time = value.size() > 10 ? value.substr(10) : std::string_view();
    if (!time.empty() && !time.starts_with(" 00:00:00")) return {};
    int y = 0, m = 0, d = 0;
    if (std::sscanf(std::string(value.substr(0, 10)).c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3) return {};
    std::chrono::year_month_day from{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                                     std::chrono::day{static_cast<unsigned>(d)}};
    if (!from.ok()) return {};
    std::chrono::year_month_day to;
    if (unit == "day") to = std::chrono::sys_days{from} + std::chrono::days{1};
    else if (unit == "month" && d == 1) to = from + std::chrono::months{1};
    else if (unit == "year" && d == 1 && m == 1) to = from + std::chrono::years{1};
    else return {};
    auto text = [](const std::chrono::year_month_day& v) {
      return fmt::format("'{:04d}-{:02d}-{:02d}'", static_cast<int>(v.year()), static_cast<unsigned>(v.month()),
                         static_cast<unsigned>(v.day()));
    };
    return fmt::format("{} >= {} AND {} < {}", c.column.column, text(from), c.column.column, text(to));
  }

  // The scans of the Append's members when they read the partitions of one table: the
  // catalog says they share a partitioned root, or (without it) their aliases are the
  // planner's numbering of one alias (events_1, events_2 ...) over distinct relations.
  static std::optional<Members> partitions_read(const plan::Plan& plan, const plan::Node& append,
                                                const Catalog& catalog) {
    Members m;
    std::vector<std::string> relations;
    bool same_root = !catalog.empty();
    bool same_alias = true;
    for (int c : append.children) {
      const auto& rel = plan.nodes[c].parent_relationship;
      if (rel == "InitPlan" || rel == "SubPlan") continue;
      int scan = detail::scan_below(plan, c);
      if (scan < 0) return std::nullopt;
      const plan::Node& s = plan.nodes[scan];
      m.scans.push_back(scan);
      relations.push_back(detail::relation_ref(s));
      if (same_root) {
        const Table* t = catalog.find_table(s.schema, s.relation);
        const Table* root = t ? pruning::partition_root(catalog, *t) : nullptr;
        if (!root || (m.root && root != m.root)) same_root = false;
        else m.root = root;
      }
      std::string base = detail::numbered_alias_base(s.alias);
      if (base.empty() || (!m.base_alias.empty() && base != m.base_alias)) same_alias = false;
      else m.base_alias = base;
    }
    if (!same_root) m.root = nullptr;
    std::sort(relations.begin(), relations.end());
    bool distinct = std::adjacent_find(relations.begin(), relations.end()) == relations.end();
    if (m.scans.empty() || !distinct || (!m.root && !same_alias)) return std::nullopt;
    return m;
  }

  static const std::string& condition_of(const plan::Node& scan) {
    for (const std::string* c : {&scan.filter, &scan.index_cond, &scan.recheck_cond})
      if (!c->empty()) return *c;
    return scan.filter;
  }

  static bool mentions(const detail::Conjunct& c, std::string_view column) {
    return std::any_of(c.columns.begin(), c.columns.end(),
                       [&](const detail::ColumnName& n) { return n.column == column; });
  }

  // Whether a cast of the key to `cast_type` leaves it comparable for pruning: the same type
  // family, and for dates and times the very same type (date, timestamp and timestamptz
  // compare through casts that depend on the time zone).
  static bool same_type_for_pruning(std::string_view key_type, std::string_view cast_type) {
    if (pruning::type_family(key_type) != pruning::type_family(cast_type)) return false;
    if (pruning::type_family(key_type) != "datetime") return true;
    auto normal = [](std::string_view t) {
      if (auto paren = t.find('('); paren != std::string_view::npos) t = t.substr(0, paren);
      while (t.ends_with(' ')) t.remove_suffix(1);
      if (t == "timestamptz" || t == "timestamp with time zone") return std::string("timestamptz");
      if (t == "timestamp" || t == "timestamp without time zone") return std::string("timestamp");
      return std::string(t);
    };
    return normal(key_type) == normal(cast_type);
  }

  // What a conjunct on the key does to it; nullopt when it is a plain comparison pruning can use.
  // `printed` is the condition as the plan prints it: the conjunct's canonical text leaves
  // out the casts PostgreSQL adds, which is no way to show a cast.
  static std::optional<Verdict> classify(const detail::Conjunct& c, std::string_view printed, std::string_view key,
                                         std::optional<std::string_view> key_type) {
    std::string shown = fmt::format("`{}`", key);
    if (c.has_or && c.has_param)
      return Verdict{Defeat::generic_parameter,
                     fmt::format("`{}` lets a generic plan's parameter switch the condition on {} off", c.text, shown),
                     shown};
    if (c.has_or && c.operator_text == "OR")
      return Verdict{Defeat::or_other_column, fmt::format("`{}` ORs the condition on {} with another", c.text, shown),
                     shown};
    if (c.has_or || c.operator_text == "<>" || c.operator_text == "NOT IN" || c.operator_text == "IS NOT NULL")
      return Verdict{Defeat::negation, fmt::format("`{}` negates the condition on {}", c.text, shown), shown};
    if (!c.wrapper.empty() && c.wrapper.ends_with("()"))
      return Verdict{Defeat::function_on_key, fmt::format("`{}` wraps {} in {}", c.text, shown, c.wrapper), shown,
                     bare_key_rewrite(c)};
    std::string cast = !c.wrapper.empty() ? c.wrapper : c.cast;
    if (!cast.empty()) {
      std::string_view type = std::string_view(cast).substr(2);
      if (key_type && same_type_for_pruning(*key_type, type)) return std::nullopt;
      std::string_view text = c.wrapper.empty() ? printed : std::string_view(c.text);
      if (!key_type && pruning::type_family(type) == "text")  // PostgreSQL prints varchar columns cast to text too
        return Verdict{Defeat::cast_on_key,
                       fmt::format("`{}` compares {} as {}: unless {} is a text column, the cast defeats pruning", text,
                                   shown, type, shown),
                       shown};
      return Verdict{Defeat::cast_on_key,
                     fmt::format("`{}` casts {}{} to {}", text, shown,
                                 key_type ? fmt::format(" ({})", *key_type) : std::string(), type),
                     shown, bare_key_rewrite(c)};
    }
    if (!c.param.empty())
      return Verdict{Defeat::generic_parameter,
                     fmt::format("`{}` compares {} with a generic plan's parameter that did not prune", c.text, shown),
                     shown};
    return std::nullopt;
  }

  // The catalog names the key: a condition on it that pruning cannot use reports at once;
  // no condition on it reports when most partitions read came back empty.
  static std::optional<Verdict> judge_known_key(const detail::ParsedCondition& condition, std::string_view printed,
                                                const Column& key, bool mostly_empty) {
    bool on_key = false;
    for (const auto& c : condition.conjuncts) {
      if (!mentions(c, key.name)) continue;
      on_key = true;
      if (auto v = classify(c, printed, key.name, key.type)) return v;
    }
    if (on_key || !mostly_empty) return std::nullopt;
    std::string shown = fmt::format("`{}`", key.name);
    std::string what = condition.conjuncts.empty()
        ? fmt::format("no condition on the partition key {}", shown)
        : fmt::format("the filter `{}` has no condition on the partition key {}", condition.conjuncts.front().text,
                      shown);
    return Verdict{Defeat::no_key_condition, what, shown};
  }

  // Without the catalog: most partitions returned nothing while every one filtered on the
  // same column, so the rows sat in few partitions and pruning would have found them.
  static std::optional<Verdict> judge_common_column(const std::vector<detail::ParsedCondition>& conditions,
                                                    std::string_view printed, bool mostly_empty) {
    if (!mostly_empty || conditions.empty() || !conditions.front().parsed) return std::nullopt;
    std::vector<std::string> common;
    for (const auto& col : conditions.front().columns) {
      bool everywhere = std::all_of(conditions.begin(), conditions.end(), [&](const detail::ParsedCondition& p) {
        return std::any_of(p.columns.begin(), p.columns.end(),
                           [&](const detail::ColumnName& n) { return n.column == col.column; });
      });
      if (everywhere && std::find(common.begin(), common.end(), col.column) == common.end())
        common.push_back(col.column);
    }
    if (common.empty()) return std::nullopt;
    for (const auto& c : conditions.front().conjuncts)
      for (const auto& column : common)
        if (mentions(c, column))
          if (auto v = classify(c, printed, column, std::nullopt)) {
            // An OR over several columns: which of them is the key, the plan does not say.
            if (c.columns.size() > 1) v->key_shown = "the partition key";
            return v;
          }
    return Verdict{
        Defeat::no_key_condition,
        fmt::format("each partition filters on `{}`, which gave pruning nothing to use: no condition on the "
                    "partition key",
                    conditions.front().conjuncts.empty() ? common.front() : conditions.front().conjuncts.front().text),
        "the partition key"};
  }
};

}  // namespace

const detail::PlanRule& partition_pruning_miss_plan() {
  static const PartitionPruningMissPlan rule;
  return rule;
}

}  // namespace pglens::rules
