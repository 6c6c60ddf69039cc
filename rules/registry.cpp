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
