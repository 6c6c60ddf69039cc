// PostgreSQL's property names (as JSON, YAML and XML print them) mapped onto the model.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "plan/internal.hpp"

namespace pglens::plan::detail {

std::string_view trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
  return s.substr(b, e - b);
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::optional<double> parse_double(std::string_view& s) {
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  const char* begin = s.data() + i;
  const char* end = s.data() + s.size();
  if (begin < end && *begin == '+') ++begin;
  double v = 0;
  auto [ptr, ec] = std::from_chars(begin, end, v);
  if (ec != std::errc() || !std::isfinite(v)) return std::nullopt;
  s.remove_prefix(static_cast<size_t>(ptr - s.data()));
  return v;
}

std::optional<double> to_double(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '"' && s.size() >= 2 && s.back() == '"') s = s.substr(1, s.size() - 2);
  auto v = parse_double(s);
  if (!v || !trim(s).empty()) return std::nullopt;
  return v;
}

std::optional<int64_t> to_int(std::string_view s) {
  auto d = to_double(s);
  if (!d || *d > 9.2e18 || *d < -9.2e18) return std::nullopt;
  return static_cast<int64_t>(std::llround(*d));
}

std::optional<int64_t> to_kb(std::string_view s) {
  s = trim(s);
  auto v = parse_double(s);
  if (!v) return std::nullopt;
  s = trim(s);
  double factor = 1;
  if (iequals(s, "MB")) factor = 1024;
  else if (iequals(s, "GB")) factor = 1024.0 * 1024;
  else if (iequals(s, "bytes") || iequals(s, "B")) factor = 1.0 / 1024;
  if (*v * factor > 9.2e18) return std::nullopt;
  return static_cast<int64_t>(std::llround(*v * factor));
}

bool truthy(std::string_view v) {
  v = trim(v);
  return iequals(v, "true") || iequals(v, "on") || v == "1" || iequals(v, "yes");
}

WorkerStats& worker_by_number(std::vector<WorkerStats>& workers, int number) {
  for (auto& w : workers)
    if (w.number == number) return w;
  workers.push_back({});
  workers.back().number = number;
  return workers.back();
}

namespace {

enum class K {
  node_type, strategy, partial_mode, operation, join_type, command, custom_provider, parallel_aware,
  async_capable, scan_direction, relation, schema, alias, index_name, function_name, cte_name,
  parent_relationship, subplan_name, startup_cost, total_cost, plan_rows, plan_width, actual_startup,
  actual_total, actual_rows, actual_loops, filter, index_cond, recheck_cond, hash_cond, merge_cond,
  join_filter, one_time_filter, tid_cond, sort_method, sort_space_used, sort_space_type, hash_buckets,
  original_hash_buckets, hash_batches, original_hash_batches, peak_memory, planned_partitions,
  hashagg_batches, disk_usage, removed_filter, removed_join_filter, removed_recheck, heap_fetches,
  exact_blocks, lossy_blocks, workers_planned, workers_launched, cache_hits, cache_misses,
  cache_evictions, cache_overflows, subplans_removed, index_searches, disabled,
};

const std::unordered_map<std::string_view, K>& node_keys() {
  static const std::unordered_map<std::string_view, K> keys = {
      {"Node Type", K::node_type}, {"Strategy", K::strategy}, {"Partial Mode", K::partial_mode},
      {"Operation", K::operation}, {"Join Type", K::join_type}, {"Command", K::command},
      {"Custom Plan Provider", K::custom_provider}, {"Parallel Aware", K::parallel_aware},
      {"Async Capable", K::async_capable}, {"Scan Direction", K::scan_direction},
      {"Relation Name", K::relation}, {"Schema", K::schema}, {"Alias", K::alias},
      {"Index Name", K::index_name}, {"Function Name", K::function_name}, {"CTE Name", K::cte_name},
      {"Parent Relationship", K::parent_relationship}, {"Subplan Name", K::subplan_name},
      {"Startup Cost", K::startup_cost}, {"Total Cost", K::total_cost}, {"Plan Rows", K::plan_rows},
      {"Plan Width", K::plan_width}, {"Actual Startup Time", K::actual_startup},
      {"Actual Total Time", K::actual_total}, {"Actual Rows", K::actual_rows}, {"Actual Loops", K::actual_loops},
      {"Filter", K::filter}, {"Index Cond", K::index_cond}, {"Recheck Cond", K::recheck_cond},
      {"Hash Cond", K::hash_cond}, {"Merge Cond", K::merge_cond}, {"Join Filter", K::join_filter},
      {"One-Time Filter", K::one_time_filter}, {"TID Cond", K::tid_cond}, {"Sort Method", K::sort_method},
      {"Sort Space Used", K::sort_space_used}, {"Sort Space Type", K::sort_space_type},
      {"Hash Buckets", K::hash_buckets}, {"Original Hash Buckets", K::original_hash_buckets},
      {"Hash Batches", K::hash_batches}, {"Original Hash Batches", K::original_hash_batches},
      {"Peak Memory Usage", K::peak_memory}, {"Planned Partitions", K::planned_partitions},
      {"HashAgg Batches", K::hashagg_batches}, {"Disk Usage", K::disk_usage},
      {"Rows Removed by Filter", K::removed_filter}, {"Rows Removed by Join Filter", K::removed_join_filter},
      {"Rows Removed by Index Recheck", K::removed_recheck}, {"Heap Fetches", K::heap_fetches},
      {"Exact Heap Blocks", K::exact_blocks}, {"Lossy Heap Blocks", K::lossy_blocks},
      {"Workers Planned", K::workers_planned}, {"Workers Launched", K::workers_launched},
      {"Cache Hits", K::cache_hits}, {"Cache Misses", K::cache_misses}, {"Cache Evictions", K::cache_evictions},
      {"Cache Overflows", K::cache_overflows}, {"Subplans Removed", K::subplans_removed},
      {"Index Searches", K::index_searches}, {"Disabled", K::disabled},
  };
  return keys;
}

enum class B {
  shared_hit, shared_read, shared_dirtied, shared_written, local_hit, local_read, local_dirtied,
  local_written, temp_read, temp_written, io_read, io_write, shared_io_read, shared_io_write, local_io_read,
  local_io_write, temp_io_read, temp_io_write, wal_records, wal_fpi, wal_bytes, wal_buffers_full,
};

const std::unordered_map<std::string_view, B>& buffer_keys() {
  static const std::unordered_map<std::string_view, B> keys = {
      {"Shared Hit Blocks", B::shared_hit}, {"Shared Read Blocks", B::shared_read},
      {"Shared Dirtied Blocks", B::shared_dirtied}, {"Shared Written Blocks", B::shared_written},
      {"Local Hit Blocks", B::local_hit}, {"Local Read Blocks", B::local_read},
      {"Local Dirtied Blocks", B::local_dirtied}, {"Local Written Blocks", B::local_written},
      {"Temp Read Blocks", B::temp_read}, {"Temp Written Blocks", B::temp_written},
      {"I/O Read Time", B::io_read}, {"I/O Write Time", B::io_write},
      {"Shared I/O Read Time", B::shared_io_read}, {"Shared I/O Write Time", B::shared_io_write},
      {"Local I/O Read Time", B::local_io_read}, {"Local I/O Write Time", B::local_io_write},
      {"Temp I/O Read Time", B::temp_io_read}, {"Temp I/O Write Time", B::temp_io_write},
      {"WAL Records", B::wal_records}, {"WAL FPI", B::wal_fpi}, {"WAL Bytes", B::wal_bytes},
      {"WAL Buffers Full", B::wal_buffers_full},
  };
  return keys;
}

void set_int(std::optional<int64_t>& field, std::string_view v) { field = to_int(v); }
void set_double(std::optional<double>& field, std::string_view v) { field = to_double(v); }
void set_text(std::string& field, std::string_view v) { field.assign(v); }

}  // namespace

bool apply_buffers_scalar(Buffers& b, IoTimings& io, Wal& wal, std::string_view key, std::string_view value) {
  const auto& keys = buffer_keys();
  auto it = keys.find(key);
  if (it == keys.end()) return false;
  int64_t n = to_int(value).value_or(0);
  double d = to_double(value).value_or(0);
  switch (it->second) {
    case B::shared_hit: b.shared_hit = n; b.present = true; break;
    case B::shared_read: b.shared_read = n; b.present = true; break;
    case B::shared_dirtied: b.shared_dirtied = n; b.present = true; break;
    case B::shared_written: b.shared_written = n; b.present = true; break;
    case B::local_hit: b.local_hit = n; b.present = true; break;
    case B::local_read: b.local_read = n; b.present = true; break;
    case B::local_dirtied: b.local_dirtied = n; b.present = true; break;
    case B::local_written: b.local_written = n; b.present = true; break;
    case B::temp_read: b.temp_read = n; b.present = true; break;
    case B::temp_written: b.temp_written = n; b.present = true; break;
    case B::io_read: case B::shared_io_read: io.shared_read_ms = d; io.present = true; break;
    case B::io_write: case B::shared_io_write: io.shared_write_ms = d; io.present = true; break;
    case B::local_io_read: io.local_read_ms = d; io.present = true; break;
    case B::local_io_write: io.local_write_ms = d; io.present = true; break;
    case B::temp_io_read: io.temp_read_ms = d; io.present = true; break;
    case B::temp_io_write: io.temp_write_ms = d; io.present = true; break;
    case B::wal_records: wal.records = n; wal.present = true; break;
    case B::wal_fpi: wal.fpi = n; wal.present = true; break;
    case B::wal_bytes: wal.bytes = n; wal.present = true; break;
    case B::wal_buffers_full: wal.buffers_full = n; wal.present = true; break;
  }
  return true;
}

bool apply_node_scalar(Node& node, std::string_view key, std::string_view v) {
  const auto& keys = node_keys();
  auto it = keys.find(key);
  if (it == keys.end()) return apply_buffers_scalar(node.buffers, node.io, node.wal, key, v);
  switch (it->second) {
    case K::node_type: set_text(node.node_type, v); break;
    case K::strategy: set_text(node.strategy, v); break;
    case K::partial_mode: set_text(node.partial_mode, v); break;
    case K::operation: set_text(node.operation, v); break;
    case K::join_type: set_text(node.join_type, v); break;
    case K::command: set_text(node.command, v); break;
    case K::custom_provider: set_text(node.custom_provider, v); break;
    case K::parallel_aware: node.parallel_aware = truthy(v); break;
    case K::async_capable: node.async_capable = truthy(v); break;
    case K::scan_direction: set_text(node.scan_direction, v); break;
    case K::relation: set_text(node.relation, v); break;
    case K::schema: set_text(node.schema, v); break;
    case K::alias: set_text(node.alias, v); break;
    case K::index_name: set_text(node.index_name, v); break;
    case K::function_name: set_text(node.function_name, v); break;
    case K::cte_name: set_text(node.cte_name, v); break;
    case K::parent_relationship: set_text(node.parent_relationship, v); break;
    case K::subplan_name: set_text(node.subplan_name, v); break;
    case K::startup_cost: set_double(node.startup_cost, v); break;
    case K::total_cost: set_double(node.total_cost, v); break;
    case K::plan_rows: set_double(node.plan_rows, v); break;
    case K::plan_width: set_int(node.plan_width, v); break;
    case K::actual_startup: set_double(node.actual_startup_ms, v); break;
    case K::actual_total: set_double(node.actual_total_ms, v); break;
    case K::actual_rows: set_double(node.actual_rows, v); break;
    case K::actual_loops:
      set_double(node.actual_loops, v);
      // Structured formats say "never executed" with loops = 0.
      if (node.actual_loops && *node.actual_loops == 0) node.never_executed = true;
      break;
    case K::filter: set_text(node.filter, v); break;
    case K::index_cond: set_text(node.index_cond, v); break;
    case K::recheck_cond: set_text(node.recheck_cond, v); break;
    case K::hash_cond: set_text(node.hash_cond, v); break;
    case K::merge_cond: set_text(node.merge_cond, v); break;
    case K::join_filter: set_text(node.join_filter, v); break;
    case K::one_time_filter: set_text(node.one_time_filter, v); break;
    case K::tid_cond: set_text(node.tid_cond, v); break;
    case K::sort_method: set_text(node.sort_method, v); break;
    case K::sort_space_used: set_int(node.sort_space_kb, v); break;
    case K::sort_space_type: set_text(node.sort_space_type, v); break;
    case K::hash_buckets: set_int(node.hash_buckets, v); break;
    case K::original_hash_buckets: set_int(node.original_hash_buckets, v); break;
    case K::hash_batches: set_int(node.hash_batches, v); break;
    case K::original_hash_batches: set_int(node.original_hash_batches, v); break;
    case K::peak_memory: set_int(node.peak_memory_kb, v); break;
    case K::planned_partitions: set_int(node.planned_partitions, v); break;
    case K::hashagg_batches: set_int(node.hashagg_batches, v); break;
    case K::disk_usage: set_int(node.disk_usage_kb, v); break;
    case K::removed_filter: set_double(node.rows_removed_by_filter, v); break;
    case K::removed_join_filter: set_double(node.rows_removed_by_join_filter, v); break;
    case K::removed_recheck: set_double(node.rows_removed_by_index_recheck, v); break;
    case K::heap_fetches: set_double(node.heap_fetches, v); break;
    case K::exact_blocks: set_int(node.exact_heap_blocks, v); break;
    case K::lossy_blocks: set_int(node.lossy_heap_blocks, v); break;
    case K::workers_planned: set_int(node.workers_planned, v); break;
    case K::workers_launched: set_int(node.workers_launched, v); break;
    case K::cache_hits: set_int(node.cache_hits, v); break;
    case K::cache_misses: set_int(node.cache_misses, v); break;
    case K::cache_evictions: set_int(node.cache_evictions, v); break;
    case K::cache_overflows: set_int(node.cache_overflows, v); break;
    case K::subplans_removed: set_int(node.subplans_removed, v); break;
    case K::index_searches: set_int(node.index_searches, v); break;
    case K::disabled: node.disabled = truthy(v); break;
  }
  return true;
}

bool apply_worker_scalar(WorkerStats& w, std::string_view key, std::string_view v) {
  if (key == "Worker Number") w.number = static_cast<int>(to_int(v).value_or(0));
  else if (key == "Actual Startup Time") set_double(w.actual_startup_ms, v);
  else if (key == "Actual Total Time") set_double(w.actual_total_ms, v);
  else if (key == "Actual Rows") set_double(w.actual_rows, v);
  else if (key == "Actual Loops") set_double(w.actual_loops, v);
  else if (key == "Sort Method") set_text(w.sort_method, v);
  else if (key == "Sort Space Used") set_int(w.sort_space_kb, v);
  else if (key == "Sort Space Type") set_text(w.sort_space_type, v);
  else return apply_buffers_scalar(w.buffers, w.io, w.wal, key, v);
  return true;
}

std::vector<std::string>* node_list(Node& node, std::string_view key) {
  if (key == "Output") return &node.output;
  if (key == "Sort Key") return &node.sort_key;
  if (key == "Group Key") return &node.group_key;
  if (key == "Presorted Key") return &node.presorted_key;
  return nullptr;
}

}  // namespace pglens::plan::detail
