// The explicit list of every rule, which the engine runs (DuckDB-style): the engine and the
// rules know only the rule API (rules/api/), never each other's files. Adding a rule: write
// rules/<target>/<id>.cpp defining the factory below, add it here and to registry.cpp, its
// docs come from its RuleInfo, its fixtures go in testdata/<target>/<id>/.
#pragma once

#include <span>

#include "rules/api/plan_rule.hpp"
#include "rules/api/sql_rule.hpp"

namespace pglens::rules {

const detail::SqlRule& syntax_error();
const detail::SqlRule& too_deep_to_analyze();
const detail::SqlRule& needs_newer_postgres();
const detail::SqlRule& select_star();
const detail::SqlRule& unused_ignore();
const detail::SqlRule& not_in_subquery();
const detail::SqlRule& large_offset();
// The RuleInfo of a rule with a SQL and a plan side, shared by both (one id, one doc).
const RuleInfo& large_offset_info();
const RuleInfo& partition_pruning_miss_info();
const detail::SqlRule& single_row_inserts();
const detail::SqlRule& missing_index_filter();
const detail::SqlRule& missing_index_join();
const detail::SqlRule& missing_index_sort();
const detail::SqlRule& fk_without_index();
const detail::SqlRule& non_sargable_predicate();
const detail::SqlRule& partition_pruning_miss();
const detail::SqlRule& unbounded_select();
const detail::SqlRule& in_app_aggregation();

std::span<const detail::SqlRule* const> sql_rules();

// Plan rules (rules/plan/<id>.cpp).
const detail::PlanRule& seq_scan_large();
const detail::PlanRule& filter_removes_most_rows();
const detail::PlanRule& nested_loop_inner_scan();
const detail::PlanRule& correlated_subplan();
const detail::PlanRule& trigger_time();
const detail::PlanRule& sort_spill();
const detail::PlanRule& hash_spill();
const detail::PlanRule& row_misestimate();
const detail::PlanRule& lossy_bitmap();
const detail::PlanRule& heap_fetches();
const detail::PlanRule& cache_misses();
const detail::PlanRule& workers_not_launched();
const detail::PlanRule& jit_overhead();
const detail::PlanRule& temp_spill();
const detail::PlanRule& many_rows_returned();
const detail::PlanRule& large_offset_plan();
const detail::PlanRule& partition_pruning_miss_plan();
const detail::PlanRule& merge_join_index_walk();

std::span<const detail::PlanRule* const> plan_rules();

}  // namespace pglens::rules
