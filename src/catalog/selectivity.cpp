#include "catalog/selectivity.hpp"
#include "sql/pg_names.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace pg = pglens::sql::pg;

namespace pglens::catalog {
namespace {

// A constant as pg_stats prints a value of the column: booleans as t / f, numbers and
// strings as written. nullopt for a constant it cannot compare (NULL, a bit string).
std::optional<std::string> stats_text(const sql::Node& value) {
  sql::Node v = value;
  while (v.is(pg::TypeCast)) v = v.field(pg::arg);
  if (!v.is(pg::A_Const) || v.boolean(pg::isnull)) return std::nullopt;
  if (v.has(pg::ival)) return fmt::format("{}", v.field(pg::ival).integer(pg::ival));
  if (v.has(pg::fval)) return std::string(v.field(pg::fval).str(pg::fval));
  if (v.has(pg::boolval)) return std::string(v.field(pg::boolval).boolean(pg::boolval) ? "t" : "f");
  if (v.has(pg::sval)) return std::string(v.field(pg::sval).str(pg::sval));
  return std::nullopt;
}

class Estimate {
 public:
  Estimate(const ColumnStats& stats, const Table& table) : stats_(stats) {
    const Column* column = table.column(stats.column);
    boolean_ = column && column->type == "boolean";
    if (stats.n_distinct > 0) distinct_ = stats.n_distinct;
    else if (stats.n_distinct < 0 && table.size.rows && *table.size.rows > 0)
      distinct_ = -stats.n_distinct * *table.size.rows;
  }

  // The share one value keeps: its frequency when it is a common value, else the rows left by
  // the common values and NULLs, spread over the other distinct values (PostgreSQL's
  // var_eq_const). A parameter: the non-NULL rows over the distinct values (var_eq_non_const).
  std::optional<double> one(const sql::Node& value, bool parameter) const {
    if (parameter) {
      if (!distinct_) return std::nullopt;
      return (1 - stats_.null_frac) / std::max(*distinct_, 1.0);
    }
    auto text = stats_text(value);
    if (!text) return std::nullopt;
    if (boolean_) {
      // 'true', 'yes', 'on', '1' as a boolean column reads them.
      std::string lower;
      for (char ch : *text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lower == "true" || lower == "yes" || lower == "on" || lower == "1" || lower == "y") *text = "t";
      else if (lower == "false" || lower == "no" || lower == "off" || lower == "0" || lower == "n") *text = "f";
    }
    for (size_t i = 0; i < stats_.common_values.size(); ++i)
      if (stats_.common_values[i] == *text) return stats_.common_freqs[i];
    double rest = std::max(0.0, 1 - stats_.null_frac - stats_.common_total);
    // A common value the list left out (rarer than kKeptFrequency): their average share.
    size_t dropped = stats_.common_count - std::min<size_t>(stats_.common_count, stats_.common_values.size());
    if (dropped) {
      double kept = 0;
      for (double f : stats_.common_freqs) kept += f;
      double average = std::max(0.0, stats_.common_total - kept) / static_cast<double>(dropped);
      return std::min(average, ColumnStats::kKeptFrequency);
    }
    if (!distinct_)
      return stats_.common_count ? std::optional<double>(std::min(rest, ColumnStats::kKeptFrequency)) : std::nullopt;
    double others = *distinct_ - stats_.common_count;
    return others >= 1 ? rest / others : rest;
  }

 private:
  const ColumnStats& stats_;
  std::optional<double> distinct_;
  bool boolean_ = false;
};

}  // namespace

std::optional<Selectivity> estimate_selectivity(const Table& table, const Condition& c) {
  if (!c.predicate.is_column() || c.predicate.op != PredicateOp::equality || c.other_relation) return std::nullopt;
  const ColumnStats* stats = table.stats.column(c.predicate.column);
  if (!stats) return std::nullopt;
  Estimate estimate(*stats, table);
  std::optional<double> fraction;
  if (c.predicate.is_null_test) {
    fraction = stats->null_frac;
  } else if (c.op == "=") {
    fraction = estimate.one(c.value_side, c.value == ValueKind::parameter);
  } else if (c.op == "IN") {
    double sum = 0;
    for (sql::Node item : c.value_side.list(pg::items)) {
      auto one = estimate.one(item, !stats_text(item));
      if (!one) return std::nullopt;
      sum += *one;
    }
    fraction = std::min(sum, 1 - stats->null_frac);
  }
  if (!fraction) return std::nullopt;
  return Selectivity{std::clamp(*fraction, 0.0, 1.0), table.stats.source};
}

std::optional<Selectivity> estimate_lookup(const Table& table, const std::vector<std::string>& columns) {
  std::optional<double> fraction;
  for (const auto& column : columns) {
    const ColumnStats* stats = table.stats.column(column);
    if (!stats) continue;
    if (auto one = Estimate(*stats, table).one({}, true)) fraction = fraction.value_or(1) * *one;
  }
  if (!fraction) return std::nullopt;
  return Selectivity{std::clamp(*fraction, 0.0, 1.0), table.stats.source};
}

std::string percent_text(double fraction) {
  double p = fraction * 100;
  if (p < 0.01) return "<0.01%";
  if (p < 1) return fmt::format("{:.2g}%", p);
  if (p < 10) return fmt::format("{:.1f}%", p);
  return fmt::format("{:.0f}%", p);
}

}  // namespace pglens::catalog
