// EXPLAIN plans: one model whatever the input format (TEXT, JSON, YAML, XML; PostgreSQL 12-18),
// the readers that undo paste damage and fill it, and the derived figures (self time, shares,
// misestimates) that name the bottleneck.
//
// One truth: a node's identity is held in JSON terms — node_type is PostgreSQL's "Node Type"
// ("Aggregate", "Hash Join", "ModifyTable", "Seq Scan") plus the fields that qualify it
// (strategy, partial_mode, operation, join_type, parallel_aware, ...). The TEXT reader splits
// "Partial HashAggregate" into node_type "Aggregate", strategy "Hashed", partial_mode "Partial";
// name() and label() rebuild the text form for display.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pglens/catalog.hpp"
#include "pglens/config.hpp"
#include "pglens/diagnostic.hpp"
#include "pglens/source.hpp"

namespace pglens::plan {

enum class Format { text, json, yaml, xml };
std::string_view to_string(Format f);

// A property the model has no field for, as PostgreSQL names it ("Heap Blocks",
// "Tuplestore Name", ...). Structured values (arrays, objects) are kept as compact JSON.
struct Property {
  std::string key;
  std::string value;
  friend bool operator==(const Property&, const Property&) = default;
};

// 1-based, inclusive lines of the ORIGINAL input (before paste damage was undone).
struct LineRange {
  uint32_t first = 0;
  uint32_t last = 0;
  friend bool operator==(const LineRange&, const LineRange&) = default;
};

// Buffer counts in blocks. `present` says the input had a Buffers line/object.
struct Buffers {
  int64_t shared_hit = 0, shared_read = 0, shared_dirtied = 0, shared_written = 0;
  int64_t local_hit = 0, local_read = 0, local_dirtied = 0, local_written = 0;
  int64_t temp_read = 0, temp_written = 0;
  bool present = false;
  // Blocks not found in shared buffers (read from the OS cache or disk); temp files apart.
  int64_t blocks_read() const { return saturating_sum(shared_read, local_read); }
  int64_t temp_blocks() const { return saturating_sum(temp_read, temp_written); }
  int64_t total_hit() const { return shared_hit + local_hit; }
  friend bool operator==(const Buffers&, const Buffers&) = default;
  // Pasted counts can be absurd: a sum stops at the int64 range instead of wrapping around.
  static int64_t saturating_sum(int64_t a, int64_t b) {
    int64_t sum = 0;
    return __builtin_add_overflow(a, b, &sum) ? (b < 0 ? INT64_MIN : INT64_MAX) : sum;
  }
};

// I/O timings in milliseconds (before PostgreSQL 16 "read"/"write" were shared+local).
struct IoTimings {
  double shared_read_ms = 0, shared_write_ms = 0;
  double local_read_ms = 0, local_write_ms = 0;
  double temp_read_ms = 0, temp_write_ms = 0;
  bool present = false;
  friend bool operator==(const IoTimings&, const IoTimings&) = default;
};

struct Wal {
  int64_t records = 0, fpi = 0, bytes = 0, buffers_full = 0;
  bool present = false;
  friend bool operator==(const Wal&, const Wal&) = default;
};

// Figures one parallel worker reported for a node ("Worker 0:  actual time=... rows=...").
struct WorkerStats {
  int number = 0;
  std::optional<double> actual_startup_ms, actual_total_ms, actual_rows, actual_loops;
  std::string sort_method;
  std::optional<int64_t> sort_space_kb;
  std::string sort_space_type;  // Memory | Disk
  Buffers buffers;
  IoTimings io;
  Wal wal;
  std::vector<Property> properties;  // everything else (JIT, Hash Agg figures, ...)
};

// Figures computed from the node and its children (see docs/plan-metrics.md).
struct NodeMetrics {
  double total_time_ms = 0;             // actual total time x loops (per-worker average under Gather)
  double exclusive_time_ms = 0;         // total minus what the children spent, never below 0
  double share = 0;                     // exclusive time / execution time, 0..1
  double total_rows = 0;                // actual rows x loops
  double planned_total_rows = 0;        // plan rows x loops
  std::optional<double> misestimate;    // max(actual/planned, planned/actual) on rows x loops
  std::optional<double> removed_ratio;  // removed / (removed + returned), both x loops
  Buffers exclusive_buffers;            // buffers minus the children's, never below 0
  double exclusive_cost = 0;            // total cost minus the children's (plans without ANALYZE)
};

struct Node {
  int id = 0;                 // 1-based pre-order number: the same in every format
  int parent = -1;            // index into Plan::nodes, -1 for the root
  std::vector<int> children;  // indexes into Plan::nodes, in PostgreSQL's order
  int depth = 0;

  // Identity.
  std::string node_type;        // "Seq Scan", "Aggregate", "Hash Join", "ModifyTable", ...
  std::string strategy;         // Aggregate / SetOp: Plain | Sorted | Hashed | Mixed
  std::string partial_mode;     // Aggregate: Simple | Partial | Finalize
  std::string operation;        // ModifyTable / Foreign Scan: Insert | Update | Delete | Merge | Select
  std::string join_type;        // joins: Inner | Left | Full | Right | Semi | Anti | Right Semi | Right Anti
  std::string command;          // SetOp: Intersect | Intersect All | Except | Except All
  std::string custom_provider;  // Custom Scan (provider)
  bool parallel_aware = false;
  bool async_capable = false;
  std::string scan_direction;  // index scans: Forward | Backward | NoMovement

  // What it reads.
  std::string relation, schema, alias, index_name;
  std::string function_name;  // Function Scan
  std::string cte_name;       // CTE Scan, WorkTable Scan

  // Where it hangs.
  std::string parent_relationship;  // Outer | Inner | Member | Subquery | InitPlan | SubPlan
  std::string subplan_name;         // "InitPlan 1 (returns $0)", "SubPlan 2", "CTE name"

  // Estimates.
  std::optional<double> startup_cost, total_cost, plan_rows;
  std::optional<int64_t> plan_width;

  // Actuals (EXPLAIN ANALYZE). Times in milliseconds, per loop; rows per loop (fractional in 18).
  std::optional<double> actual_startup_ms, actual_total_ms, actual_rows, actual_loops;
  bool never_executed = false;

  // Conditions as PostgreSQL printed them.
  std::string filter, index_cond, recheck_cond, hash_cond, merge_cond, join_filter, one_time_filter, tid_cond;
  std::vector<std::string> sort_key, group_key, presorted_key, output;

  // Sort.
  std::string sort_method;  // quicksort | top-N heapsort | external merge | external sort
  std::optional<int64_t> sort_space_kb;
  std::string sort_space_type;  // Memory | Disk

  // Hash (Hash node) and HashAggregate.
  std::optional<int64_t> hash_buckets, original_hash_buckets, hash_batches, original_hash_batches;
  std::optional<int64_t> peak_memory_kb;  // Hash "Memory Usage", HashAgg / Memoize "Memory Usage"
  std::optional<int64_t> planned_partitions, disk_usage_kb;
  std::optional<int64_t> hashagg_batches;

  // Rows thrown away (per loop, as PostgreSQL prints them).
  std::optional<double> rows_removed_by_filter, rows_removed_by_join_filter, rows_removed_by_index_recheck;
  std::optional<double> heap_fetches;  // the total over all loops (PostgreSQL does not divide it)
  std::optional<int64_t> exact_heap_blocks, lossy_heap_blocks;

  // Parallelism.
  std::optional<int64_t> workers_planned, workers_launched;
  std::vector<WorkerStats> workers;

  Buffers buffers;
  IoTimings io;
  Wal wal;

  // Memoize.
  std::optional<int64_t> cache_hits, cache_misses, cache_evictions, cache_overflows;

  std::optional<int64_t> subplans_removed;  // partition pruning at executor start
  std::optional<int64_t> index_searches;    // 18
  bool disabled = false;                    // 18

  std::vector<Property> properties;  // every other line / key, in input order
  LineRange lines;                   // lines of the original input this node came from
  Span span;                         // the same, as bytes of the original input

  NodeMetrics metrics;  // filled by compute_metrics (read_plans does it)

  // "Partial HashAggregate", "Parallel Index Only Scan Backward", "Hash Left Join", "Insert".
  std::string name() const;
  // name() plus its target, as the TEXT headline has it: "Seq Scan on orders o",
  // "Index Scan using orders_pkey on orders".
  std::string label() const;
  // A property by key, or nullptr.
  const std::string* property(std::string_view key) const;
};

struct Trigger {
  std::string name;
  std::string constraint_name;  // "for constraint fk" in text
  std::string relation;
  std::optional<double> time_ms;
  std::optional<double> calls;
};

struct Jit {
  bool present = false;
  std::optional<int64_t> functions;
  std::vector<Property> options;  // Inlining=true, Optimization=true, ...
  std::optional<double> generation_ms, inlining_ms, optimization_ms, emission_ms, total_ms;
  std::vector<Property> properties;  // other JIT figures (deform time, ...)
};

struct Plan {
  std::vector<Node> nodes;  // pre-order; nodes[0] is the root when the plan has any node
  Format format = Format::text;

  std::optional<double> planning_time_ms, execution_time_ms;
  Buffers planning_buffers;
  std::optional<int64_t> planning_memory_used_kb, planning_memory_allocated_kb;  // MEMORY (17)
  std::optional<double> serialization_time_ms;                                   // SERIALIZE (17)
  std::vector<Property> serialization;
  std::vector<Trigger> triggers;
  std::vector<Property> settings;  // SETTINGS: name and value as printed
  Jit jit;
  std::string query_text;                 // auto_explain "Query Text", or --sql
  std::optional<double> log_duration_ms;  // auto_explain "duration:"
  std::vector<Property> properties;       // other plan-level lines / keys
  LineRange lines;

  // Derived (compute_metrics).
  double total_time_ms = 0;  // execution time, or the root's total time when absent
  int bottleneck = -1;       // index into nodes of the largest exclusive time, -1 when unknown
                             // (without ANALYZE: of the largest exclusive cost)
  // When the bottleneck was found by counting an Append's members together (the partitions of
  // one scan, under a Gather or as the largest node): that Append, and the share of the time
  // the Append and all its members took. The bottleneck is the largest member; its own share
  // alone would understate the work (one partition of 55: 4 %).
  int bottleneck_append = -1;
  double bottleneck_append_share = 0;

  bool analyzed() const;  // true when actual figures are present
  bool timed() const;     // true when actual times are present (not EXPLAIN (ANALYZE, TIMING OFF))
  const Node& root() const { return nodes.front(); }
};

// A problem found while reading; the reader still returns what it could read.
struct ReadError {
  uint32_t line = 0;  // 1-based line of the original input, 0 when not known
  std::string message;
};

struct ReadResult {
  std::vector<Plan> plans;
  std::vector<ReadError> errors;
  std::optional<Format> format;  // detected format, empty when nothing looked like a plan
};

// Reads every plan in `input`, whatever the format and paste damage; never throws on bad
// input. Metrics are computed for every plan.
ReadResult read_plans(std::string_view input);
// The format `input` looks like, or nullopt.
std::optional<Format> detect_format(std::string_view input);

// Fills Node::metrics, Plan::total_time_ms and Plan::bottleneck (idempotent).
void compute_metrics(Plan& plan);
// The rows `node` consumed: what its first child that is not an InitPlan, SubPlan or CTE
// produced, x loops (a Sort under a Limit emits 20,000 of the 1,000,000 it sorted); 0 for a
// leaf. Needs the metrics.
double input_rows(const Plan& plan, const Node& node);

// A duration as pglens prints it: 1.23 s, 123 ms, 12.3 ms, 0.123 ms.
std::string format_ms(double ms);
// A node's own time as `pglens explain` and the editor show it, in an analyzed plan: "never"
// (not executed), "no timing" (EXPLAIN (ANALYZE, TIMING OFF) counted rows, not times: 0 ms
// would be a lie), else its exclusive time. `timed`: Plan::timed() of its plan.
std::string node_time_text(const Node& node, bool timed);

// A stable line-per-field description of a plan (for tests and debugging). The options
// leave out what legitimately differs between formats or runs.
struct DescribeOptions {
  bool costs = true;        // estimates
  bool timings = true;      // actual times
  bool actual_rows = true;  // actual rows, loops, never executed
  bool runtime = true;      // sort/hash/buffer/worker figures
  bool properties = true;   // the key/value leftovers
  bool summary = true;      // plan-level lines
  bool lines = false;       // each node's input line range
};
std::string describe(const Plan& plan, const DescribeOptions& options = {});

// The seam for the plan rules: diagnoses of one plan (spans point into the original input),
// with the catalog's columns, partition keys and existing indexes.
std::vector<Diagnostic> plan_findings(const Plan& plan, const Config& config, const Catalog& catalog);

}  // namespace pglens::plan
