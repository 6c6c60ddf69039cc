// Shared by the two sides of partition-pruning-miss — the SQL side (a query whose WHERE
// cannot prune) and the plan side (an Append that scanned every partition): one id, one
// RuleInfo, one doc, and the same words for what defeated pruning and how to fix it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pglens/catalog.hpp"
#include "pglens/rule.hpp"

namespace pglens::rules::pruning {

// What kept PostgreSQL from pruning partitions.
enum class Defeat {
  no_key_condition,   // no condition on the partition key
  function_on_key,    // date_trunc('month', created) = ...
  cast_on_key,        // created::text = '2024-02-10'
  type_mismatch,      // an integer key compared with 5.0: PostgreSQL casts the key
  or_other_column,    // created = ... OR kind = 3
  negation,           // <>, NOT IN, NOT BETWEEN, IS NOT NULL, NOT (...)
  volatile_value,     // created > clock_timestamp() - ...
  generic_parameter,  // a generic plan: ($1 IS NULL OR created = $1)
};

// Why that defeats pruning, in a sentence.
std::string why_not_pruned(Defeat defeat);
// The pruning-friendly rewrite in general terms, for when no concrete one is known. `key` is
// shown as given ("`created`", "the partition key").
std::string general_fix(Defeat defeat, std::string_view key);

// "range (created)".
std::string partitioning_text(const Partitioning& partitioning);
// "6 partitions (events_2024_q1, events_2024_q2, events_2024_q3, events_2024_q4 and 2 more)":
// the first names, then the count of the rest up to `total`. Empty when the catalog knows none.
std::string partitions_text(const std::vector<std::string>& first_names, size_t total);
// The leaf partitions of `parent` (sub-partitions expanded), by name; the first `max_names`.
std::vector<std::string> partition_names(const Catalog& catalog, const Table& parent,
                                         size_t max_names = static_cast<size_t>(-1));
// How many names partition_names gives, without making them.
size_t partition_count(const Catalog& catalog, const Table& parent);
// The partitioned table at the top of `table`'s partition tree; nullptr when it is no partition.
const Table* partition_root(const Catalog& catalog, const Table& table);

// Type families that compare without a cast on the key: integer types among themselves,
// text types, date/time types. Returns the family, or the type itself.
std::string_view type_family(std::string_view type);
// Whether comparing a key of `key_type` with a value of `value_type` makes PostgreSQL cast
// the key (an integer key against a numeric or float value, a numeric key against a float).
bool casts_key(std::string_view key_type, std::string_view value_type);

}  // namespace pglens::rules::pruning
