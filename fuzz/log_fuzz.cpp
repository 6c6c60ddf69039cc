// Fuzzes `pglens log` as it reads a log: format detection, the stderr / csvlog / jsonlog /
// syslog readers, statement pairing, normalisation and fingerprinting, loops and their
// rewrites, the reports, and the JSON summary's round trip and merge.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "log/log.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pglens::log;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Summary summary;
  AnalysisOptions analysis;
  analysis.n_plus_one_min = 2;
  Analyzer analyzer(summary, analysis);
  ReadOptions options;
  // The first byte picks a given prefix for some inputs: the RE2 path.
  if (size > 0 && data[0] == '%') options.prefix = "%m [%p] %c ";
  (void)read_log_text(input, options, [&](const Entry& e) { analyzer.add(e); });
  analyzer.finish();
  ReportOptions report;
  report.repeat_min = 2;
  (void)report_text(summary, report);
  std::string json = report_json(summary, report);
  std::string error;
  auto back = summary_from_json(json, error);
  if (!back) __builtin_trap();
  if (report_json(*back, report) != json) __builtin_trap();
  back->merge(std::move(summary));
  (void)report_json(*back, report);
  return 0;
}
