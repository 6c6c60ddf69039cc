// DDL from plans: the index requests of every finding, merged into one suggestion per table
// and written by the catalog's index advisor (equality columns, then one range column, then
// the sort keys; partial and INCLUDE where they pay; never an index that already exists).
#pragma once

#include <vector>

#include "rules/api/plan_rule.hpp"

namespace pglens::detail {

// Turns the drafts' index wishes into IndexAdvice (one per table) and appends each table's
// DDL to the findings that asked for it. The catalog may be empty: the plan's own
// conditions and relation names are enough for a suggestion; with a catalog the real
// columns and existing indexes are used. plan.query_text, when present, adds the columns the
// query reads (INCLUDE) and its ORDER BY.
std::vector<plan::IndexAdvice> advise_indexes(const plan::Plan& plan, const Catalog& catalog, sql::Parser& parser,
                                              std::vector<PlanFindingDraft>& drafts);

}  // namespace pglens::detail
