#include "partition_pruning.hpp"

#include <fmt/format.h>

#include "registry.hpp"

namespace pglens::rules {

const RuleInfo& partition_pruning_miss_info() {
  static const RuleInfo info{
      .id = "partition-pruning-miss",
      .category = RuleCategory::performance,
      .targets = {.sql = true, .plan = true},
      .default_severity = Severity::warning,
      .options =
          {
              {"min-partitions", int64_t{3},
               "Report a partitioned table only from this many partitions (known to the catalog, or scanned in a "
               "plan)"},
              {"min-scanned-share", 0.75,
               "In a plan, report an Append that scans at least this share of the table's partitions"},
              {"min-empty-share", 0.5,
               "In a plan whose partition key is not known (no catalog), report when at least this share of the "
               "scanned partitions returned no rows"},
          },
      .docs =
          {
              .what_it_does =
                  "Reports a query on a partitioned table whose WHERE cannot prune partitions: no condition on the "
                  "partition key; the key wrapped in a function or cast; the key compared with a value of another "
                  "type; an OR with a condition on another column; `<>` or NOT on the key; a volatile value "
                  "(`random()`, `clock_timestamp()`). It names the key, the partitions at stake and the "
                  "pruning-friendly rewrite. In an EXPLAIN plan it reports an Append or MergeAppend over the "
                  "partitions of one table that scans all or most of them (`min-scanned-share`) while the key is "
                  "compared in a way pruning cannot use (the catalog names the key), or while each partition filters "
                  "on the same column and most return no rows (`min-empty-share`); it says which predicate defeated "
                  "pruning, generic plan parameters included. Plans where pruning worked stay quiet: `Subplans "
                  "Removed`, partitions `(never executed)`, only the matching partitions present.",
              .why_is_this_bad =
                  "Pruning is what makes a partitioned table fast: PostgreSQL compares the key condition with each "
                  "partition's bounds and reads only the partitions that can hold matching rows. A condition it "
                  "cannot compare with the bounds makes it read every partition — often years of data for one "
                  "day's rows — and each partition's indexes are searched too.",
              .example = "-- events is PARTITION BY RANGE (created), one partition per quarter\n"
                         "SELECT count(*) FROM events WHERE date_trunc('month', created) = '2024-02-01';\n"
                         "-- in its plan: Append over all 4 partitions, 3 of them returning no rows",
              .use_instead = "SELECT count(*) FROM events\n"
                             "WHERE created >= '2024-02-01' AND created < '2024-03-01';  -- reads events_2024_q1 only",
              .references = "https://www.postgresql.org/docs/current/ddl-partitioning.html#DDL-PARTITION-PRUNING\n"
                            "https://www.postgresql.org/docs/current/runtime-config-query.html#GUC-PLAN-CACHE-MODE",
          },
      .summary = "a condition that keeps PostgreSQL from pruning partitions: every partition is read",
  };
  return info;
}

namespace pruning {

std::string why_not_pruned(Defeat defeat) {
  switch (defeat) {
    case Defeat::no_key_condition:
      return "without a condition on the partition key PostgreSQL cannot tell which partitions hold the rows, so it "
             "reads every one";
    case Defeat::function_on_key:
      return "PostgreSQL prunes by comparing the key itself with each partition's bounds; a function of the key says "
             "nothing about those bounds, so every partition is read and the function computed on every row";
    case Defeat::cast_on_key:
      return "a cast turns the key into another value than the one the partitions are bounded by, so PostgreSQL "
             "cannot compare it with the bounds and reads every partition";
    case Defeat::type_mismatch:
      return "the key is compared with a value of another type, so PostgreSQL casts the key to that type and can no "
             "longer compare it with the partition bounds";
    case Defeat::or_other_column:
      return "an OR with a condition on another column can match rows in any partition, so no partition can be "
             "skipped";
    case Defeat::negation:
      return "`<>`, NOT IN and NOT exclude values without saying where the wanted rows are: every partition may hold "
             "some";
    case Defeat::volatile_value:
      return "a volatile function may return another value for every row, so PostgreSQL prunes neither when it "
             "plans nor when execution starts";
    case Defeat::generic_parameter:
      return "a generic plan must serve every value of its parameters; a condition on the key that a parameter can "
             "switch off (`$1 IS NULL OR key = $1`) cannot prune in it";
  }
  return {};
}

std::string general_fix(Defeat defeat, std::string_view key) {
  // `key` comes formatted: "`created`", or "the partition key" when the plan does not say.
  switch (defeat) {
    case Defeat::no_key_condition:
      return fmt::format(
          "add a condition on {} (an equality, IN list or range with constants or parameters) so "
          "only the partitions holding those rows are read",
          key);
    case Defeat::function_on_key:
    case Defeat::cast_on_key:
      return fmt::format("compare the bare key {} with a value or a range of its own type", key);
    case Defeat::type_mismatch:
      return fmt::format("write the value in the type of {}, so the value is cast instead of the key", key);
    case Defeat::or_other_column:
      return fmt::format(
          "split the OR into a UNION ALL of one query per arm (the arm on {} prunes), or bound "
          "every arm by {}",
          key, key);
    case Defeat::negation: return fmt::format("say which values of {} you want, as a range or an IN list", key);
    case Defeat::volatile_value:
      return "compare with a stable value instead — now(), CURRENT_TIMESTAMP, CURRENT_DATE, or a parameter the "
             "application computes once — and PostgreSQL prunes when execution starts";
    case Defeat::generic_parameter:
      return fmt::format(
          "send a statement with and one without the condition on {} instead of switching it off "
          "with a parameter, or give each execution a custom plan (SET plan_cache_mode = "
          "force_custom_plan)",
          key);
  }
  return {};
}

std::string partitioning_text(const Partitioning& partitioning) {
  return fmt::format("{} ({})", partitioning.strategy, fmt::join(partitioning.keys, ", "));
}

namespace {
// Calls `leaf` for every partition under `table` that is not itself partitioned.
template <class Leaf>
void for_each_leaf(const Catalog& catalog, const Table& table, const Leaf& leaf, int depth) {
  for (const Table* p : catalog.partitions_of(table)) {
    if (p->is_partitioned() && depth < 16) for_each_leaf(catalog, *p, leaf, depth + 1);
    else leaf(*p);
  }
}
}  // namespace

std::vector<std::string> partition_names(const Catalog& catalog, const Table& parent, size_t max_names) {
  std::vector<std::string> out;
  for_each_leaf(
      catalog, parent,
      [&](const Table& p) {
        if (out.size() < max_names) out.push_back(p.schema == parent.schema ? p.name : p.qualified_name());
      },
      0);
  return out;
}

size_t partition_count(const Catalog& catalog, const Table& parent) {
  size_t n = 0;
  for_each_leaf(
      catalog, parent, [&](const Table&) { ++n; }, 0);
  return n;
}

const Table* partition_root(const Catalog& catalog, const Table& table) {
  const Table* root = nullptr;
  const Table* at = &table;
  for (int depth = 0; depth < 16; ++depth) {
    const Table* parent = catalog.parent_of(*at);
    if (!parent) break;
    root = at = parent;
  }
  return root;
}

std::string partitions_text(const std::vector<std::string>& first_names, size_t total) {
  if (total == 0) return {};
  std::string list = fmt::format("{}", fmt::join(first_names, ", "));
  if (total > first_names.size()) list += fmt::format(" and {} more", total - first_names.size());
  return fmt::format("{} partition{} ({})", total, total == 1 ? "" : "s", list);
}

std::string_view type_family(std::string_view type) {
  if (auto paren = type.find('('); paren != std::string_view::npos) type = type.substr(0, paren);
  while (type.ends_with(' ')) type.remove_suffix(1);
  for (std::string_view t : {"smallint", "integer", "bigint", "int2", "int4", "int8", "int"})
    if (type == t) return "integer";
  for (std::string_view t : {"numeric", "decimal"})
    if (type == t) return "numeric";
  for (std::string_view t : {"real", "double precision", "float4", "float8"})
    if (type == t) return "float";
  for (std::string_view t : {"text", "character varying", "varchar", "character", "char", "bpchar", "name"})
    if (type == t) return "text";
  if (type == "date" || type.starts_with("timestamp")) return "datetime";
  return type;
}

bool casts_key(std::string_view key_type, std::string_view value_type) {
  // The numeric tower: a comparison happens in the wider type, so the narrower side is cast.
  auto rank = [](std::string_view family) {
    if (family == "integer") return 1;
    if (family == "numeric") return 2;
    if (family == "float") return 3;
    return 0;
  };
  int key = rank(type_family(key_type)), value = rank(type_family(value_type));
  return key > 0 && value > key;
}

}  // namespace pruning
}  // namespace pglens::rules
