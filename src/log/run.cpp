// -j: files, and chunks of one file, read by threads; their analyses joined in order.
#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

#include "log/log.hpp"

namespace pglens::log {

Summary analyze_logs(const std::vector<std::string>& inputs, const ReadOptions& read, const AnalysisOptions& analysis,
                     unsigned jobs, std::vector<ReadResult>& results) {
  jobs = std::max(1u, jobs);
  // The work: each input whole, or its chunks when there are jobs to spare.
  struct Part {
    size_t input = 0;
    uint64_t begin = 0, end = 0;
    ReadOptions options;
    Summary summary;
    std::unique_ptr<Analyzer> analyzer;
    ReadResult result;
  };
  std::vector<std::unique_ptr<Part>> parts;
  size_t per_input = inputs.empty() ? 1 : std::max<size_t>(1, jobs / inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::vector<uint64_t> starts{0};
    ReadOptions options = read;
    if (per_input > 1 && inputs[i] != "-") {
      Format format = read.format;
      starts = chunk_starts(inputs[i], read, per_input, format);
      options.format = format;
    }
    for (size_t k = 0; k < starts.size(); ++k) {
      auto part = std::make_unique<Part>();
      part->input = i;
      part->begin = starts[k];
      part->end = k + 1 < starts.size() ? starts[k + 1] : 0;
      part->options = options;
      AnalysisOptions a = analysis;
      a.continuation = k > 0;
      part->analyzer = std::make_unique<Analyzer>(part->summary, a);
      parts.push_back(std::move(part));
    }
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next++) < parts.size();) {
      Part& p = *parts[i];
      Analyzer& analyzer = *p.analyzer;
      auto add = [&](const Entry& e) { analyzer.add(e); };
      p.result = p.begin == 0 && p.end == 0 ? read_log(inputs[p.input], p.options, add)
                                            : read_log_range(inputs[p.input], p.begin, p.end, p.options, add);
    }
  };
  unsigned threads = std::min<unsigned>(jobs, static_cast<unsigned>(parts.size()));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();

  // Join each input's chunks in order, then the inputs in order.
  Summary total;
  results.assign(inputs.size(), ReadResult{});
  for (size_t k = 0; k < parts.size();) {
    Part& first = *parts[k];
    ReadResult& r = results[first.input];
    r = first.result;
    size_t j = k + 1;
    for (; j < parts.size() && parts[j]->input == first.input; ++j) {
      Part& p = *parts[j];
      first.analyzer->absorb(*p.analyzer);
      p.analyzer.reset();
      const ReadResult& c = p.result;
      if (r.error.empty() && !c.error.empty()) r.error = c.error;
      if (c.unrecognised_lines && !r.unrecognised_lines) r.first_unrecognised = r.lines + c.first_unrecognised;
      r.unrecognised_lines += c.unrecognised_lines;
      r.lines += c.lines;
      r.entries += c.entries;
      r.bytes += c.bytes;
      r.cut_lines += c.cut_lines;
      r.has_session_ids |= c.has_session_ids;
      r.has_pids |= c.has_pids;
      if (!r.year_assumed) r.year_assumed = c.year_assumed, r.year_from = c.year_from;
    }
    first.analyzer->finish();
    first.analyzer.reset();
    first.summary.lines = r.lines;
    total.merge(std::move(first.summary));
    k = j;
  }
  return total;
}

}  // namespace pglens::log
