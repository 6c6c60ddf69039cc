// `pglens diff --format html`: the before/after page. The speed-up, the shape changes and the
// findings gone and new on top, then a table of every node's change, then both plans drawn as
// on the plan page with each changed, new and gone node marked.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "html/diff.hpp"

namespace pglens::html {

struct DiffSide {
  std::string_view name;   // file name as given
  std::string_view input;  // its bytes
  const plan::Plan& plan;
  const plan::Diagnosis& diagnosis;
};

std::string diff_page(const DiffSide& before, const DiffSide& after, const diff::PlanDiff& diff);

// Files with several plans (auto_explain logs, a script's EXPLAINs): plan i of BEFORE is
// compared with plan i of AFTER. Each pair is one section; the first keeps the ids of a
// one-pair page ("a-n3", "b-n3"), pair k > 1 prefixes them "a<k>" / "b<k>". `unpaired` lists
// the plans of the longer file that have no counterpart (already escaped text is not expected:
// plain text).
struct DiffPair {
  DiffSide before;
  DiffSide after;
  const diff::PlanDiff& diff;
};
std::string diff_page(std::string_view before_name, std::string_view after_name, const std::vector<DiffPair>& pairs,
                      const std::vector<std::string>& unpaired);

}  // namespace pglens::html
