// The share of a table's rows a condition keeps, from the column statistics the catalog holds
// (pg_stats under --db, or a snapshot of them), the way PostgreSQL's planner estimates an
// equality: a most common value's own frequency, else the rest of the rows spread evenly
// over the other distinct values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalog/query_facts.hpp"
#include "pglens/catalog.hpp"

namespace pglens::catalog {

struct Selectivity {
  double fraction = 1;  // of the table's rows, 0..1
  std::string source;   // where the statistics came from: "pg_stats of live 127.0.0.1:5432/shop"
};

// For an equality (`=`, IN, IS NULL) on a bare column with constants or parameters, when the
// table has statistics for the column; nullopt otherwise (ranges, LIKE, expressions, `=
// ANY($1)`, no statistics).
std::optional<Selectivity> estimate_selectivity(const Table& table, const Condition& condition);

// For an equality on `columns` (AND-ed) with values not known when planning: a parameter, a
// joined row's key (each outer row's lookup of a nested loop), a foreign key's check. The
// planner's var_eq_non_const: per column the non-NULL rows over its distinct values,
// multiplied. nullopt when no column of them has statistics.
std::optional<Selectivity> estimate_lookup(const Table& table, const std::vector<std::string>& columns);

// A share of rows at or below which an index pays for itself over a scan of the table: above
// it, a bitmap heap scan visits nearly every page anyway.
inline constexpr double kSelectiveFraction = 0.05;

// "0.4%", "12%", "<0.01%": a fraction as a user reads it.
std::string percent_text(double fraction);

}  // namespace pglens::catalog
