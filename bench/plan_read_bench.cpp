// Read speed of the plan readers (MB/s) and memory per node, on generated EXPLAIN ANALYZE
// plans of 10 to 1,000,000 nodes: a balanced binary tree of joins over scans, each node with
// the detail lines a real plan has (Filter, Rows Removed, Buffers), indented the way
// PostgreSQL indents it (so bytes per node grow with depth). Targets (warm heap): TEXT >= 100
// MB/s, JSON >= 300 MB/s at every size, and time growing linearly.
//
//   bench_plan_read [--format text|json] [--sizes 10,100,...] [--profile N]
//
// Prints one table per format: nodes, input bytes, MB/s, ns per node and per input byte with
// the heap kept warm from the run before (a long-lived process such as the language server),
// MB/s and ns per node with the heap handed back to the system before each run (a fresh
// `pglens explain`, where every page is touched for the first time), heap bytes the result
// holds per node; then the linearity ratios (time per node and per byte at the largest size
// against 10,000 nodes; 1.0 is perfectly linear). Each figure is the best of several runs in
// process CPU time, so other load on the machine disturbs it little.
// `--profile N` reads an N-node plan over and over (for perf), printing nothing else.
#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

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
      out +=
          detail + "Hash Cond: (t" + std::to_string(2 * n.id) + ".id = t" + std::to_string(2 * n.id + 1) + ".ref_id)\n";
    }
    out += detail + "Buffers: shared hit=1200 read=34\n";
  });
  out += "Planning Time: 1.234 ms\nExecution Time: 4567.890 ms\n";
  return out;
}

std::string json_plan(int count) {
  std::string out = "[\n  {\n    \"Plan\": ";
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

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Heap in use (small chunks + mmap'ed large blocks).
size_t heap_in_use() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

struct Row {
  int nodes = 0;
  size_t bytes = 0;
  double warm = 1e300;  // best run, the heap kept from the run before (a long-lived process)
  double cold = 1e300;  // best run, the heap handed back to the system first (a fresh process)
  size_t heap = 0;      // held by the result
};

// Best of several runs each way: at least 3, and enough to spend about a second on small
// inputs. Freeing the result is part of the cost of reading it.
Row measure(const std::string& input, int nodes) {
  Row row{nodes, input.size()};
  for (bool cold : {false, true}) {
    double spent = 0;
    for (int run = 0; run < 3 || (spent < 1.0 && run < 100000); ++run) {
      if (cold) malloc_trim(0);
      size_t before = heap_in_use();
      double start = cpu_seconds();
      auto result = pglens::plan::read_plans(input);
      double read = cpu_seconds() - start;
      row.heap = heap_in_use() - before;
      if (result.plans.size() != 1 || result.plans.front().nodes.size() != static_cast<size_t>(nodes) ||
          !result.errors.empty()) {
        fmt::print(stderr, "plan of {} nodes not read whole\n", nodes);
        std::exit(1);
      }
      double free_start = cpu_seconds();
      result = {};
      double total = read + (cpu_seconds() - free_start);
      double& best = cold ? row.cold : row.warm;
      best = std::min(best, total);
      spent += total;
    }
  }
  return row;
}

std::vector<int> parse_sizes(const char* s) {
  std::vector<int> out;
  for (const char* p = s; *p;) {
    out.push_back(std::atoi(p));
    while (*p && *p != ',') ++p;
    if (*p == ',') ++p;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> formats{"text", "json"};
  std::vector<int> sizes{10, 100, 1000, 10000, 100000, 1000000};
  int profile = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--format") formats = {argv[i + 1]};
    else if (flag == "--sizes") sizes = parse_sizes(argv[i + 1]);
    else if (flag == "--profile") profile = std::atoi(argv[i + 1]);
    else {
      fmt::print(stderr, "usage: bench_plan_read [--format text|json] [--sizes 10,100,...] [--profile N]\n");
      return 2;
    }
  }
  if (profile > 0) {
    std::string input = formats.front() == "json" ? json_plan(profile) : text_plan(profile);
    double start = cpu_seconds();
    size_t nodes = 0;
    while (cpu_seconds() - start < 20) nodes += pglens::plan::read_plans(input).plans.front().nodes.size();
    fmt::print("{} nodes read\n", nodes);
    return 0;
  }
  for (const auto& format : formats) {
    double target = format == "json" ? 300 : 100;
    fmt::print("{} (target {} MB/s)\n", format, target);
    fmt::print("{:>9} {:>14} {:>9} {:>9} {:>9} {:>9} {:>9} {:>12}\n", "nodes", "bytes", "MB/s", "ns/node", "ns/byte",
               "cold MB/s", "ns/node", "heap B/node");
    std::vector<Row> rows;
    for (int n : sizes) {
      std::string input = format == "json" ? json_plan(n) : text_plan(n);
      Row r = measure(input, n);
      rows.push_back(r);
      auto bytes = static_cast<double>(r.bytes);
      double warm_mbps = bytes / r.warm / 1e6, cold_mbps = bytes / r.cold / 1e6;
      fmt::print("{:>9} {:>14} {:>9.1f} {:>9.1f} {:>9.2f} {:>9.1f} {:>9.1f} {:>12.0f}{}\n", r.nodes, r.bytes, warm_mbps,
                 r.warm * 1e9 / n, r.warm * 1e9 / bytes, cold_mbps, r.cold * 1e9 / n, static_cast<double>(r.heap) / n,
                 warm_mbps < target ? "  below target" : "");
    }
    auto base = std::find_if(rows.begin(), rows.end(), [](const Row& r) { return r.nodes == 10000; });
    if (base != rows.end() && rows.back().nodes > base->nodes) {
      const Row& big = rows.back();
      auto ratio = [&](double big_time, double base_time, double big_units, double base_units) {
        return (big_time / big_units) / (base_time / base_units);
      };
      double nodes_big = big.nodes, nodes_base = base->nodes;
      double bytes_big = static_cast<double>(big.bytes), bytes_base = static_cast<double>(base->bytes);
      fmt::print(
          "linearity {} vs 10000 nodes: time per node x{:.2f} (cold x{:.2f}), time per byte x{:.2f} (cold x{:.2f})\n",
          big.nodes, ratio(big.warm, base->warm, nodes_big, nodes_base),
          ratio(big.cold, base->cold, nodes_big, nodes_base), ratio(big.warm, base->warm, bytes_big, bytes_base),
          ratio(big.cold, base->cold, bytes_big, bytes_base));
    }
    fmt::print("\n");
  }
  return 0;
}
