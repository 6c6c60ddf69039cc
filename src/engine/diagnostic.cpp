#include "pglens/diagnostic.hpp"

#include <algorithm>
#include <tuple>

namespace pglens {

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
  }
  return "warning";
}

std::optional<Severity> parse_severity(std::string_view s) {
  if (s == "info") return Severity::info;
  if (s == "warning") return Severity::warning;
  if (s == "error") return Severity::error;
  return std::nullopt;
}

void sort_and_dedup(std::vector<Diagnostic>& ds) {
  auto key = [](const Diagnostic& d) { return std::tie(d.span.begin, d.span.end, d.rule, d.message); };
  std::stable_sort(ds.begin(), ds.end(), [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
  ds.erase(std::unique(ds.begin(), ds.end(), [&](const Diagnostic& a, const Diagnostic& b) { return key(a) == key(b); }),
           ds.end());
}

}  // namespace pglens
