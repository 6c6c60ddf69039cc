// `pglens diff --format html`: the before/after page. The speed-up, the shape changes and the
// findings gone and new on top, then a table of every node's change, then both plans drawn as
// on the plan page with each changed, new and gone node marked.
#pragma once

#include <string>
#include <string_view>

#include "html/diff.hpp"

namespace pglens::html {

struct DiffSide {
  std::string_view name;   // file name as given
  std::string_view input;  // its bytes
  const plan::Plan& plan;
  const plan::Diagnosis& diagnosis;
};

std::string diff_page(const DiffSide& before, const DiffSide& after, const diff::PlanDiff& diff);

}  // namespace pglens::html
