// PostgreSQL's property names (as JSON, YAML and XML print them) mapped onto the model.
#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>

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

namespace {
// The nearest int64, or nothing when out of its range.
std::optional<int64_t> round_to_int(std::optional<double> d) {
  if (!d || *d > 9.2e18 || *d < -9.2e18) return std::nullopt;
  return static_cast<int64_t>(std::llround(*d));
}
}  // namespace

std::optional<int64_t> to_int(std::string_view s) { return round_to_int(to_double(s)); }

std::optional<int64_t> to_kb(std::string_view s) {
  s = trim(s);
  auto v = parse_double(s);
  if (!v) return std::nullopt;
  s = trim(s);
  double factor = 1;
  if (iequals(s, "MB")) factor = 1024;
  else if (iequals(s, "GB")) factor = 1024.0 * 1024;
  else if (iequals(s, "bytes") || iequals(s, "B")) factor = 1.0 / 1024;
  return round_to_int(*v * factor);
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

// A fixed open-addressing table from PostgreSQL's property names to fields: every key of
// every node goes through it, and std::unordered_map's hashing of the whole key cost more
// than the rest of the lookup (length and three characters tell these names apart well).
template <class E>
class KeyTable {
 public:
  KeyTable(std::initializer_list<std::pair<std::string_view, E>> entries) {
    for (const auto& [key, value] : entries) {
      size_t i = slot(key);
      while (!slots_[i].key.empty()) i = (i + 1) % kSlots;
      slots_[i] = {key, value};
    }
  }
  const E* find(std::string_view key) const {
    if (key.empty()) return nullptr;
    for (size_t i = slot(key);; i = (i + 1) % kSlots) {
      const Slot& s = slots_[i];
      if (s.key.empty()) return nullptr;
      if (s.key == key) return &s.value;
    }
  }

 private:
  static constexpr size_t kSlots = 256;  // at most a quarter full: probes stay short
  struct Slot {
    std::string_view key;
    E value{};
  };
  static size_t slot(std::string_view k) {
    auto at = [&](size_t i) { return static_cast<size_t>(static_cast<unsigned char>(k[i])); };
    return (k.size() * 131 + at(0) * 31 + at(k.size() / 2) * 7 + at(k.size() - 1)) % kSlots;
  }
  std::array<Slot, kSlots> slots_{};
};

// A scalar given as text (TEXT, YAML, XML, JSON strings) ...
struct TextValue {
  static constexpr bool has_text = true;
  std::string_view text;
  std::optional<double> number() const { return to_double(text); }
  std::optional<int64_t> integer() const { return to_int(text); }
};
// ... or as a JSON number, which needs no round trip through text. Text fields and flags
// do not take it (the caller then passes the number's text).
struct NumberValue {
  static constexpr bool has_text = false;
  double value = 0;
  std::optional<double> number() const { return std::isfinite(value) ? std::optional<double>(value) : std::nullopt; }
  std::optional<int64_t> integer() const { return round_to_int(number()); }
};

enum class K {
  node_type,
  strategy,
  partial_mode,
  operation,
  join_type,
  command,
  custom_provider,
  parallel_aware,
  async_capable,
  scan_direction,
  relation,
  schema,
  alias,
  index_name,
  function_name,
  cte_name,
  parent_relationship,
  subplan_name,
  startup_cost,
  total_cost,
  plan_rows,
  plan_width,
  actual_startup,
  actual_total,
  actual_rows,
  actual_loops,
  filter,
  index_cond,
  recheck_cond,
  hash_cond,
  merge_cond,
  join_filter,
  one_time_filter,
  tid_cond,
  sort_method,
  sort_space_used,
  sort_space_type,
  hash_buckets,
  original_hash_buckets,
  hash_batches,
  original_hash_batches,
  peak_memory,
  planned_partitions,
  hashagg_batches,
  disk_usage,
  removed_filter,
  removed_join_filter,
  removed_recheck,
  heap_fetches,
  exact_blocks,
  lossy_blocks,
  workers_planned,
  workers_launched,
  cache_hits,
  cache_misses,
  cache_evictions,
  cache_overflows,
  subplans_removed,
  index_searches,
  disabled,
};

const KeyTable<K>& node_keys() {
  static const KeyTable<K> keys = {
      {"Node Type", K::node_type},
      {"Strategy", K::strategy},
      {"Partial Mode", K::partial_mode},
      {"Operation", K::operation},
      {"Join Type", K::join_type},
      {"Command", K::command},
      {"Custom Plan Provider", K::custom_provider},
      {"Parallel Aware", K::parallel_aware},
      {"Async Capable", K::async_capable},
      {"Scan Direction", K::scan_direction},
      {"Relation Name", K::relation},
      {"Schema", K::schema},
      {"Alias", K::alias},
      {"Index Name", K::index_name},
      {"Function Name", K::function_name},
      {"CTE Name", K::cte_name},
      {"Parent Relationship", K::parent_relationship},
      {"Subplan Name", K::subplan_name},
      {"Startup Cost", K::startup_cost},
      {"Total Cost", K::total_cost},
      {"Plan Rows", K::plan_rows},
      {"Plan Width", K::plan_width},
      {"Actual Startup Time", K::actual_startup},
      {"Actual Total Time", K::actual_total},
      {"Actual Rows", K::actual_rows},
      {"Actual Loops", K::actual_loops},
      {"Filter", K::filter},
      {"Index Cond", K::index_cond},
      {"Recheck Cond", K::recheck_cond},
      {"Hash Cond", K::hash_cond},
      {"Merge Cond", K::merge_cond},
      {"Join Filter", K::join_filter},
      {"One-Time Filter", K::one_time_filter},
      {"TID Cond", K::tid_cond},
      {"Sort Method", K::sort_method},
      {"Sort Space Used", K::sort_space_used},
      {"Sort Space Type", K::sort_space_type},
      {"Hash Buckets", K::hash_buckets},
      {"Original Hash Buckets", K::original_hash_buckets},
      {"Hash Batches", K::hash_batches},
      {"Original Hash Batches", K::original_hash_batches},
      {"Peak Memory Usage", K::peak_memory},
      {"Planned Partitions", K::planned_partitions},
      {"HashAgg Batches", K::hashagg_batches},
      {"Disk Usage", K::disk_usage},
      {"Rows Removed by Filter", K::removed_filter},
      {"Rows Removed by Join Filter", K::removed_join_filter},
      {"Rows Removed by Index Recheck", K::removed_recheck},
      {"Heap Fetches", K::heap_fetches},
      {"Exact Heap Blocks", K::exact_blocks},
      {"Lossy Heap Blocks", K::lossy_blocks},
      {"Workers Planned", K::workers_planned},
      {"Workers Launched", K::workers_launched},
      {"Cache Hits", K::cache_hits},
      {"Cache Misses", K::cache_misses},
      {"Cache Evictions", K::cache_evictions},
      {"Cache Overflows", K::cache_overflows},
      {"Subplans Removed", K::subplans_removed},
      {"Index Searches", K::index_searches},
      {"Disabled", K::disabled},
  };
  return keys;
}

enum class B {
  shared_hit,
  shared_read,
  shared_dirtied,
  shared_written,
  local_hit,
  local_read,
  local_dirtied,
  local_written,
  temp_read,
  temp_written,
  io_read,
  io_write,
  shared_io_read,
  shared_io_write,
  local_io_read,
  local_io_write,
  temp_io_read,
  temp_io_write,
  wal_records,
  wal_fpi,
  wal_bytes,
  wal_buffers_full,
};

const KeyTable<B>& buffer_keys() {
  static const KeyTable<B> keys = {
      {"Shared Hit Blocks", B::shared_hit},
      {"Shared Read Blocks", B::shared_read},
      {"Shared Dirtied Blocks", B::shared_dirtied},
      {"Shared Written Blocks", B::shared_written},
      {"Local Hit Blocks", B::local_hit},
      {"Local Read Blocks", B::local_read},
      {"Local Dirtied Blocks", B::local_dirtied},
      {"Local Written Blocks", B::local_written},
      {"Temp Read Blocks", B::temp_read},
      {"Temp Written Blocks", B::temp_written},
      {"I/O Read Time", B::io_read},
      {"I/O Write Time", B::io_write},
      {"Shared I/O Read Time", B::shared_io_read},
      {"Shared I/O Write Time", B::shared_io_write},
      {"Local I/O Read Time", B::local_io_read},
      {"Local I/O Write Time", B::local_io_write},
      {"Temp I/O Read Time", B::temp_io_read},
      {"Temp I/O Write Time", B::temp_io_write},
      {"WAL Records", B::wal_records},
      {"WAL FPI", B::wal_fpi},
      {"WAL Bytes", B::wal_bytes},
      {"WAL Buffers Full", B::wal_buffers_full},
  };
  return keys;
}

template <class Value>
bool set_int(std::optional<int64_t>& field, const Value& v) {
  field = v.integer();
  return true;
}
template <class Value>
bool set_double(std::optional<double>& field, const Value& v) {
  field = v.number();
  return true;
}
template <class Value>
bool set_text(std::string& field, const Value& v) {
  if constexpr (Value::has_text) {
    field.assign(v.text);
    return true;
  } else {
    return false;
  }
}
template <class Value>
bool set_flag(bool& field, const Value& v) {
  if constexpr (Value::has_text) {
    field = truthy(v.text);
    return true;
  } else {
    return false;
  }
}

template <class Value>
bool apply_buffers(Buffers& b, IoTimings& io, Wal& wal, std::string_view key, const Value& value) {
  const B* field = buffer_keys().find(key);
  if (!field) return false;
  int64_t n = value.integer().value_or(0);
  double d = value.number().value_or(0);
  switch (*field) {
    case B::shared_hit:
      b.shared_hit = n;
      b.present = true;
      break;
    case B::shared_read:
      b.shared_read = n;
      b.present = true;
      break;
    case B::shared_dirtied:
      b.shared_dirtied = n;
      b.present = true;
      break;
    case B::shared_written:
      b.shared_written = n;
      b.present = true;
      break;
    case B::local_hit:
      b.local_hit = n;
      b.present = true;
      break;
    case B::local_read:
      b.local_read = n;
      b.present = true;
      break;
    case B::local_dirtied:
      b.local_dirtied = n;
      b.present = true;
      break;
    case B::local_written:
      b.local_written = n;
      b.present = true;
      break;
    case B::temp_read:
      b.temp_read = n;
      b.present = true;
      break;
    case B::temp_written:
      b.temp_written = n;
      b.present = true;
      break;
    case B::io_read:
    case B::shared_io_read:
      io.shared_read_ms = d;
      io.present = true;
      break;
    case B::io_write:
    case B::shared_io_write:
      io.shared_write_ms = d;
      io.present = true;
      break;
    case B::local_io_read:
      io.local_read_ms = d;
      io.present = true;
      break;
    case B::local_io_write:
      io.local_write_ms = d;
      io.present = true;
      break;
    case B::temp_io_read:
      io.temp_read_ms = d;
      io.present = true;
      break;
    case B::temp_io_write:
      io.temp_write_ms = d;
      io.present = true;
      break;
    case B::wal_records:
      wal.records = n;
      wal.present = true;
      break;
    case B::wal_fpi:
      wal.fpi = n;
      wal.present = true;
      break;
    case B::wal_bytes:
      wal.bytes = n;
      wal.present = true;
      break;
    case B::wal_buffers_full:
      wal.buffers_full = n;
      wal.present = true;
      break;
  }
  return true;
}

template <class Value>
bool apply_node(Node& node, std::string_view key, const Value& v) {
  const K* field = node_keys().find(key);
  if (!field) return apply_buffers(node.buffers, node.io, node.wal, key, v);
  switch (*field) {
    case K::node_type: return set_text(node.node_type, v);
    case K::strategy: return set_text(node.strategy, v);
    case K::partial_mode: return set_text(node.partial_mode, v);
    case K::operation: return set_text(node.operation, v);
    case K::join_type: return set_text(node.join_type, v);
    case K::command: return set_text(node.command, v);
    case K::custom_provider: return set_text(node.custom_provider, v);
    case K::parallel_aware: return set_flag(node.parallel_aware, v);
    case K::async_capable: return set_flag(node.async_capable, v);
    case K::scan_direction: return set_text(node.scan_direction, v);
    case K::relation: return set_text(node.relation, v);
    case K::schema: return set_text(node.schema, v);
    case K::alias: return set_text(node.alias, v);
    case K::index_name: return set_text(node.index_name, v);
    case K::function_name: return set_text(node.function_name, v);
    case K::cte_name: return set_text(node.cte_name, v);
    case K::parent_relationship: return set_text(node.parent_relationship, v);
    case K::subplan_name: return set_text(node.subplan_name, v);
    case K::startup_cost: return set_double(node.startup_cost, v);
    case K::total_cost: return set_double(node.total_cost, v);
    case K::plan_rows: return set_double(node.plan_rows, v);
    case K::plan_width: return set_int(node.plan_width, v);
    case K::actual_startup: return set_double(node.actual_startup_ms, v);
    case K::actual_total: return set_double(node.actual_total_ms, v);
    case K::actual_rows: return set_double(node.actual_rows, v);
    case K::actual_loops:
      set_double(node.actual_loops, v);
      // Structured formats say "never executed" with loops = 0.
      if (node.actual_loops && *node.actual_loops == 0) node.never_executed = true;
      break;
    case K::filter: return set_text(node.filter, v);
    case K::index_cond: return set_text(node.index_cond, v);
    case K::recheck_cond: return set_text(node.recheck_cond, v);
    case K::hash_cond: return set_text(node.hash_cond, v);
    case K::merge_cond: return set_text(node.merge_cond, v);
    case K::join_filter: return set_text(node.join_filter, v);
    case K::one_time_filter: return set_text(node.one_time_filter, v);
    case K::tid_cond: return set_text(node.tid_cond, v);
    case K::sort_method: return set_text(node.sort_method, v);
    case K::sort_space_used: return set_int(node.sort_space_kb, v);
    case K::sort_space_type: return set_text(node.sort_space_type, v);
    case K::hash_buckets: return set_int(node.hash_buckets, v);
    case K::original_hash_buckets: return set_int(node.original_hash_buckets, v);
    case K::hash_batches: return set_int(node.hash_batches, v);
    case K::original_hash_batches: return set_int(node.original_hash_batches, v);
    case K::peak_memory: return set_int(node.peak_memory_kb, v);
    case K::planned_partitions: return set_int(node.planned_partitions, v);
    case K::hashagg_batches: return set_int(node.hashagg_batches, v);
    case K::disk_usage: return set_int(node.disk_usage_kb, v);
    case K::removed_filter: return set_double(node.rows_removed_by_filter, v);
    case K::removed_join_filter: return set_double(node.rows_removed_by_join_filter, v);
    case K::removed_recheck: return set_double(node.rows_removed_by_index_recheck, v);
    case K::heap_fetches: return set_double(node.heap_fetches, v);
    case K::exact_blocks: return set_int(node.exact_heap_blocks, v);
    case K::lossy_blocks: return set_int(node.lossy_heap_blocks, v);
    case K::workers_planned: return set_int(node.workers_planned, v);
    case K::workers_launched: return set_int(node.workers_launched, v);
    case K::cache_hits: return set_int(node.cache_hits, v);
    case K::cache_misses: return set_int(node.cache_misses, v);
    case K::cache_evictions: return set_int(node.cache_evictions, v);
    case K::cache_overflows: return set_int(node.cache_overflows, v);
    case K::subplans_removed: return set_int(node.subplans_removed, v);
    case K::index_searches: return set_int(node.index_searches, v);
    case K::disabled: return set_flag(node.disabled, v);
  }
  return true;
}

}  // namespace

bool apply_buffers_scalar(Buffers& b, IoTimings& io, Wal& wal, std::string_view key, std::string_view value) {
  return apply_buffers(b, io, wal, key, TextValue{value});
}

bool apply_buffers_number(Buffers& b, IoTimings& io, Wal& wal, std::string_view key, double value) {
  return apply_buffers(b, io, wal, key, NumberValue{value});
}

bool apply_node_scalar(Node& node, std::string_view key, std::string_view value) {
  return apply_node(node, key, TextValue{value});
}

bool apply_node_number(Node& node, std::string_view key, double value) {
  return apply_node(node, key, NumberValue{value});
}

bool apply_worker_scalar(WorkerStats& w, std::string_view key, std::string_view text) {
  TextValue v{text};
  if (key == "Worker Number") w.number = static_cast<int>(v.integer().value_or(0));
  else if (key == "Actual Startup Time") set_double(w.actual_startup_ms, v);
  else if (key == "Actual Total Time") set_double(w.actual_total_ms, v);
  else if (key == "Actual Rows") set_double(w.actual_rows, v);
  else if (key == "Actual Loops") set_double(w.actual_loops, v);
  else if (key == "Sort Method") set_text(w.sort_method, v);
  else if (key == "Sort Space Used") set_int(w.sort_space_kb, v);
  else if (key == "Sort Space Type") set_text(w.sort_space_type, v);
  else return apply_buffers(w.buffers, w.io, w.wal, key, v);
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
