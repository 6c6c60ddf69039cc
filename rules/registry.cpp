#include "registry.hpp"

#include <algorithm>
#include <vector>

namespace pglens {
namespace rules {

// Declared here rather than in registry.hpp, which every rule includes (a new plan rule
// then rebuilds only this file and its own).
const detail::PlanRule& index_walk();

std::span<const detail::SqlRule* const> sql_rules() {
  static const detail::SqlRule* const list[] = {
      &syntax_error(),           &too_deep_to_analyze(),    &needs_newer_postgres(), &select_star(),
      &unused_ignore(),          &not_in_subquery(),        &large_offset(),         &single_row_inserts(),
      &missing_index_filter(),   &missing_index_join(),     &missing_index_sort(),   &fk_without_index(),
      &non_sargable_predicate(), &partition_pruning_miss(), &unbounded_select(),     &in_app_aggregation(),
  };
  return list;
}

std::span<const detail::PlanRule* const> plan_rules() {
  static const detail::PlanRule* const list[] = {
      &seq_scan_large(),
      &filter_removes_most_rows(),
      &nested_loop_inner_scan(),
      &correlated_subplan(),
      &trigger_time(),
      &sort_spill(),
      &hash_spill(),
      &row_misestimate(),
      &lossy_bitmap(),
      &heap_fetches(),
      &cache_misses(),
      &workers_not_launched(),
      &jit_overhead(),
      &temp_spill(),
      &many_rows_returned(),
      &large_offset_plan(),
      &partition_pruning_miss_plan(),
      &merge_join_index_walk(),
      &index_walk(),
  };
  return list;
}

}  // namespace rules

std::span<const RuleInfo* const> all_rules() {
  static const std::vector<const RuleInfo*> list = [] {
    std::vector<const RuleInfo*> v;
    for (const auto* r : rules::sql_rules()) v.push_back(&r->info());
    // A rule covering SQL and plans shares its RuleInfo: listed once, under its SQL entry.
    for (const auto* r : rules::plan_rules())
      if (std::find(v.begin(), v.end(), &r->info()) == v.end()) v.push_back(&r->info());
    return v;
  }();
  return list;
}

const RuleInfo* find_rule(std::string_view id) {
  for (const RuleInfo* r : all_rules())
    if (r->id == id) return r;
  return nullptr;
}

}  // namespace pglens
