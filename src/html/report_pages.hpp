// `pglens log --format html` and `pglens advise --format html`: the workload report and the
// index advice as self-contained pages, in the style of the plan page (one file, CSP by hash,
// light and dark themes, print, keyboard). Rendered from what the commands already compute:
// the log report's JSON (src/log: log::report_json) and the advise report (src/advise).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "advise/advise.hpp"

namespace pglens::html {

// A latency distribution as an SVG histogram on a log axis: `buckets` are {value in µs,
// calls} (value 0: calls logged as 0 ms), the percentiles (ms) marked as lines. `id` names
// the figure (unique in the page).
struct Distribution {
  std::vector<std::pair<double, uint64_t>> buckets;
  double p50_ms = 0, p95_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
};
void append_histogram(std::string& out, const Distribution& d, std::string_view id);

struct LogPageInput {
  std::string_view title;        // the files read ("postgresql.log, +2 more")
  std::string_view report_json;  // log::report_json's text
  size_t top = 10;               // queries drawn in full (the table lists every one)
};
// The page; on JSON that is no log report, a page that says so.
std::string log_page(const LogPageInput& input);

std::string advise_page(const advise::Report& report, const advise::Options& options);

}  // namespace pglens::html
