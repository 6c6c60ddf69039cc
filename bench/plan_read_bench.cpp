// Read speed of the plan readers (MB/s) and memory per node, on generated EXPLAIN ANALYZE
// plans of 10 to 1,000,000 nodes: a balanced binary tree of joins over scans, each node with
// the detail lines a real plan has (Filter, Rows Removed, Buffers). Time should grow
// linearly with size. Targets: TEXT >= 100 MB/s, JSON >= 300 MB/s.
//
//   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DPGLENS_BENCH=ON -DPGLENS_TESTS=OFF
//   ninja -C build-bench bench_plan_read && ./build-bench/bench_plan_read
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <string>
#include <vector>

#include "pglens/plan.hpp"

namespace {

struct GenNode {
  int depth;
  bool leaf;
  int id;
};

// Pre-order of a balanced binary tree with `count` nodes (heap numbering).
template <class F>
void each_node(int count, F&& f) {
  std::vector<std::pair<int, int>> stack{{1, 0}};
  while (!stack.empty()) {
    auto [index, depth] = stack.back();
    stack.pop_back();
    bool leaf = 2 * index > count;
    f(GenNode{depth, leaf, index});
    if (2 * index + 1 <= count) stack.emplace_back(2 * index + 1, depth + 1);
    if (2 * index <= count) stack.emplace_back(2 * index, depth + 1);
  }
}

std::string text_plan(int count) {
  std::string out;
  out.reserve(static_cast<size_t>(count) * 260);
  each_node(count, [&](GenNode n) {
    size_t indent = n.depth == 0 ? 0 : static_cast<size_t>(6 * n.depth - 4);
    std::string pad(indent, ' ');
    std::string detail(n.depth == 0 ? 2 : indent + 6, ' ');
    if (n.depth > 0) out += pad + "->  ";
    if (n.leaf) {
      out += "Seq Scan on table_" + std::to_string(n.id) + " t" + std::to_string(n.id) +
             "  (cost=0.00..1834.00 rows=1000 width=44) (actual time=0.011..12.345 rows=998 loops=1)\n";
      out += detail + "Filter: ((status = 'open'::text) AND (amount > '100'::numeric))\n";
      out += detail + "Rows Removed by Filter: 99002\n";
    } else {
      out += "Hash Join  (cost=2034.00..4100.50 rows=1000 width=88) (actual time=15.100..40.250 rows=998 loops=1)\n";
      out += detail + "Hash Cond: (t" + std::to_string(2 * n.id) + ".id = t" + std::to_string(2 * n.id + 1) + ".ref_id)\n";
    }
    out += detail + "Buffers: shared hit=1200 read=34\n";
  });
  out += "Planning Time: 1.234 ms\nExecution Time: 4567.890 ms\n";
  return out;
}

std::string json_plan(int count) {
  std::string out = "[\n  {\n    \"Plan\": ";
  out.reserve(static_cast<size_t>(count) * 900);
  std::vector<int> open_children;  // per open node: children still to come
  each_node(count, [&](GenNode n) {
    std::string pad(static_cast<size_t>(n.depth) * 4 + 6, ' ');
    out += "{\n";
    out += pad + (n.leaf ? "\"Node Type\": \"Seq Scan\",\n" : "\"Node Type\": \"Hash Join\",\n");
    if (n.depth > 0) out += pad + "\"Parent Relationship\": \"" + (n.id % 2 == 0 ? "Outer" : "Inner") + "\",\n";
    out += pad + "\"Parallel Aware\": false,\n" + pad + "\"Async Capable\": false,\n";
    if (n.leaf) {
      out += pad + "\"Relation Name\": \"table_" + std::to_string(n.id) + "\",\n";
      out += pad + "\"Alias\": \"t" + std::to_string(n.id) + "\",\n";
    } else {
      out += pad + "\"Join Type\": \"Inner\",\n";
    }
    out += pad + "\"Startup Cost\": 2034.00,\n" + pad + "\"Total Cost\": 4100.50,\n" + pad + "\"Plan Rows\": 1000,\n" +
           pad + "\"Plan Width\": 88,\n" + pad + "\"Actual Startup Time\": 15.100,\n" + pad +
           "\"Actual Total Time\": 40.250,\n" + pad + "\"Actual Rows\": 998,\n" + pad + "\"Actual Loops\": 1,\n";
    if (n.leaf) {
      out += pad + "\"Filter\": \"((status = 'open'::text) AND (amount > '100'::numeric))\",\n";
      out += pad + "\"Rows Removed by Filter\": 99002,\n";
    } else {
      out += pad + "\"Hash Cond\": \"(t" + std::to_string(2 * n.id) + ".id = t" + std::to_string(2 * n.id + 1) +
             ".ref_id)\",\n";
    }
    out += pad + "\"Shared Hit Blocks\": 1200,\n" + pad + "\"Shared Read Blocks\": 34,\n" + pad +
           "\"Shared Dirtied Blocks\": 0,\n" + pad + "\"Shared Written Blocks\": 0";
    // Children follow in "Plans"; close what is finished.
    int children = (2 * n.id <= count) + (2 * n.id + 1 <= count);
    if (children > 0) {
      out += ",\n" + pad + "\"Plans\": [";
      open_children.push_back(children);
      return;
    }
    out += "\n" + std::string(pad.size() - 2, ' ') + "}";
    while (!open_children.empty()) {
      if (--open_children.back() > 0) {
        out += ", ";
        return;
      }
      open_children.pop_back();
      out += "]\n}";
    }
  });
  out += ",\n    \"Planning Time\": 1.234,\n    \"Triggers\": [],\n    \"Execution Time\": 4567.890\n  }\n]\n";
  return out;
}

void run(benchmark::State& state, const std::string& input) {
  size_t nodes = 0;
  size_t heap = 0;
  for (auto _ : state) {
    // Heap in use (small chunks + mmap'ed large blocks) held by the result.
    auto in_use = [] {
      struct mallinfo2 mi = mallinfo2();
      return mi.uordblks + mi.hblkhd;
    };
    size_t before = in_use();
    auto result = pglens::plan::read_plans(input);
    heap = in_use() - before;
    nodes = result.plans.empty() ? 0 : result.plans.front().nodes.size();
    if (nodes != static_cast<size_t>(state.range(0)) || !result.errors.empty()) state.SkipWithError("plan not read whole");
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(input.size()));
  state.counters["nodes"] = static_cast<double>(nodes);
  state.counters["input_bytes_per_node"] = static_cast<double>(input.size()) / static_cast<double>(nodes);
  state.counters["heap_bytes_per_node"] = static_cast<double>(heap) / static_cast<double>(nodes);
  state.counters["ns_per_node"] = benchmark::Counter(static_cast<double>(nodes),
                                                     benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}

void BM_ReadText(benchmark::State& state) {
  std::string input = text_plan(static_cast<int>(state.range(0)));
  run(state, input);
}

void BM_ReadJson(benchmark::State& state) {
  std::string input = json_plan(static_cast<int>(state.range(0)));
  run(state, input);
}

BENCHMARK(BM_ReadText)->RangeMultiplier(10)->Range(10, 1000000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReadJson)->RangeMultiplier(10)->Range(10, 1000000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
