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
  auto before = [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); };
  // Findings gathered statement by statement mostly come in order already (an editor's
  // re-lint of a 50,000-line file has thousands): a check is cheaper than moving them all.
  if (!std::is_sorted(ds.begin(), ds.end(), before)) std::stable_sort(ds.begin(), ds.end(), before);
  ds.erase(
      std::unique(ds.begin(), ds.end(), [&](const Diagnostic& a, const Diagnostic& b) { return key(a) == key(b); }),
      ds.end());
}

}  // namespace pglens

namespace pglens {

AppliedFixes apply_fixes(std::string_view text, const std::vector<Diagnostic>& diagnostics, bool include_unsafe) {
  struct Edit {
    Span span;
    const std::string* replacement;
  };
  std::vector<Edit> chosen;
  AppliedFixes out;
  for (const auto& d : diagnostics) {
    if (!d.fix_value || d.fix_value->edits.empty()) continue;
    if (!d.fix_value->safe && !include_unsafe) {
      ++out.skipped;
      continue;
    }
    bool clash = false;
    for (const auto& e : d.fix_value->edits) {
      if (e.span.end > text.size() || e.span.begin > e.span.end) clash = true;
      for (const auto& c : chosen)
        if (e.span.begin < c.span.end && c.span.begin < e.span.end) clash = true;
        else if (e.span.begin == c.span.begin && (e.span.begin == e.span.end || c.span.begin == c.span.end))
          clash = true;
    }
    if (clash) {
      ++out.skipped;
      continue;
    }
    for (const auto& e : d.fix_value->edits) chosen.push_back({e.span, &e.replacement});
    ++out.applied;
  }
  std::sort(chosen.begin(), chosen.end(), [](const Edit& a, const Edit& b) { return a.span.begin < b.span.begin; });
  size_t at = 0;
  for (const auto& e : chosen) {
    out.text.append(text.substr(at, e.span.begin - at));
    out.text += *e.replacement;
    at = e.span.end;
  }
  out.text.append(text.substr(at));
  return out;
}

}  // namespace pglens
