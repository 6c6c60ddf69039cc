#include "registry.hpp"

#include <vector>

namespace pglens {
namespace rules {

std::span<const detail::SqlRule* const> sql_rules() {
  static const detail::SqlRule* const list[] = {
      &syntax_error(),
      &select_star(),
      &unused_ignore(),
      &not_in_subquery(),
      &large_offset(),
      &single_row_inserts(),
      &missing_index_filter(),
      &missing_index_join(),
      &missing_index_sort(),
      &fk_without_index(),
      &non_sargable_predicate(),
  };
  return list;
}

}  // namespace rules

std::span<const RuleInfo* const> all_rules() {
  static const std::vector<const RuleInfo*> list = [] {
    std::vector<const RuleInfo*> v;
    for (const auto* r : rules::sql_rules()) v.push_back(&r->info());
    return v;
  }();
  return list;
}

}  // namespace pglens
