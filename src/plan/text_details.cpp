// The small syntaxes of TEXT detail lines ("Buffers: shared hit=1 read=2", "Sort Method:
// quicksort  Memory: 25kB", "Heap Blocks: exact=10") and plan-level lines (Settings,
// Trigger, JIT), mapped onto the model.
#include <fmt/format.h>

#include "plan/text.hpp"

namespace pglens::plan::detail::text {

void range(std::string_view v, std::optional<double>& a, std::optional<double>& b) {
  size_t dots = v.find("..");
  if (dots == std::string_view::npos) {
    b = to_double(v);
    return;
  }
  a = to_double(v.substr(0, dots));
  b = to_double(v.substr(dots + 2));
}

// Splits "a, f(b, c), 'x, y'" at top-level commas.
std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  int depth = 0;
  bool quote = false, dquote = false;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote) {
      if (c == '\'') quote = false;
      continue;
    }
    if (dquote) {
      if (c == '"') dquote = false;
      continue;
    }
    if (c == '\'') quote = true;
    else if (c == '"') dquote = true;
    else if (c == '(' || c == '[') ++depth;
    else if ((c == ')' || c == ']') && depth > 0) --depth;
    else if (c == ',' && depth == 0) {
      out.emplace_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  std::string_view last = trim(s.substr(start));
  if (!last.empty() || !out.empty()) out.emplace_back(last);
  return out;
}

// "Key: v  Key2: v2" -> pairs (PostgreSQL separates them with two spaces).
std::vector<std::pair<std::string_view, std::string_view>> split_pairs(std::string_view s) {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t next = s.find("  ", pos);
    while (next != std::string_view::npos) {
      std::string_view after = trim(s.substr(next));
      if (detail_key_length(after) > 0) break;
      next = s.find("  ", next + 2);
    }
    std::string_view piece = trim(s.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    size_t colon = piece.find(':');
    if (colon != std::string_view::npos) out.emplace_back(trim(piece.substr(0, colon)), trim(piece.substr(colon + 1)));
    else if (!out.empty())
      out.back().second = trim(std::string_view(out.back().second.data(), piece.end() - out.back().second.data()));
    if (next == std::string_view::npos) break;
    pos = next;
    while (pos < s.size() && s[pos] == ' ') ++pos;
  }
  return out;
}

void parse_buffers(std::string_view s, Buffers& b) {
  b.present = true;
  std::string_view category = "shared";
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find(", ", pos);
    std::string_view group = s.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    each_kv(group, [&](std::string_view k, std::string_view v) {
      if (v.empty()) {
        category = k;
        return;
      }
      int64_t n = to_int(v).value_or(0);
      if (category == "shared") {
        if (k == "hit") b.shared_hit = n;
        else if (k == "read") b.shared_read = n;
        else if (k == "dirtied") b.shared_dirtied = n;
        else if (k == "written") b.shared_written = n;
      } else if (category == "local") {
        if (k == "hit") b.local_hit = n;
        else if (k == "read") b.local_read = n;
        else if (k == "dirtied") b.local_dirtied = n;
        else if (k == "written") b.local_written = n;
      } else if (category == "temp") {
        if (k == "read") b.temp_read = n;
        else if (k == "written") b.temp_written = n;
      }
    });
    if (end == std::string_view::npos) break;
    pos = end + 2;
  }
}

static void parse_io(std::string_view s, IoTimings& io) {
  io.present = true;
  std::string_view category = "shared";
  each_kv(s, [&](std::string_view k, std::string_view v) {
    if (v.empty()) {
      category = k;
      return;
    }
    double d = to_double(v).value_or(0);
    bool read = k == "read";
    if (category == "temp") (read ? io.temp_read_ms : io.temp_write_ms) = d;
    else if (category == "local") (read ? io.local_read_ms : io.local_write_ms) = d;
    else (read ? io.shared_read_ms : io.shared_write_ms) = d;  // "shared", "shared/local", none
  });
}

static void parse_wal(std::string_view s, Wal& wal) {
  wal.present = true;
  each_kv(s, [&](std::string_view k, std::string_view v) {
    int64_t n = to_int(v).value_or(0);
    if (k == "records") wal.records = n;
    else if (k == "fpi") wal.fpi = n;
    else if (k == "bytes") wal.bytes = n;
    else if (k == "full") wal.buffers_full = n;
  });
}

// "262144 (originally 1024)" -> 262144 and 1024; no "originally" -> the same number.
static void with_original(std::string_view v, std::optional<int64_t>& now, std::optional<int64_t>& original) {
  size_t o = v.find("(originally ");
  now = to_int(v.substr(0, o));
  if (o == std::string_view::npos) {
    original = now;
  } else {
    std::string_view rest = v.substr(o + 12);
    original = to_int(rest.substr(0, rest.find(')')));
  }
}

// One "Key: value" pair on a node (or, with `worker`, on a worker's line).
void apply_pair(Node& node, WorkerStats* worker, std::string_view key, std::string_view v) {
  if (worker) {
    if (key == "Sort Method") worker->sort_method.assign(v);
    else if (key == "Memory" || key == "Disk") {
      worker->sort_space_kb = to_kb(v);
      worker->sort_space_type.assign(key);
    } else if (key == "Buffers") parse_buffers(v, worker->buffers);
    else if (key == "I/O Timings") parse_io(v, worker->io);
    else if (key == "WAL") parse_wal(v, worker->wal);
    else worker->properties.push_back({std::string(key), std::string(v)});
    return;
  }
  if (key == "Sort Method") node.sort_method.assign(v);
  else if (key == "Memory" || key == "Disk") {
    node.sort_space_kb = to_kb(v);
    node.sort_space_type.assign(key);
  } else if (key == "Buckets") with_original(v, node.hash_buckets, node.original_hash_buckets);
  else if (key == "Batches") {
    if (node.node_type == "Hash") with_original(v, node.hash_batches, node.original_hash_batches);
    else node.hashagg_batches = to_int(v);
  } else if (key == "Memory Usage") node.peak_memory_kb = to_kb(v);
  else if (key == "Disk Usage") node.disk_usage_kb = to_kb(v);
  else if (key == "Planned Partitions") node.planned_partitions = to_int(v);
  else if (key == "Hits") node.cache_hits = to_int(v);
  else if (key == "Misses") node.cache_misses = to_int(v);
  else if (key == "Evictions") node.cache_evictions = to_int(v);
  else if (key == "Overflows") node.cache_overflows = to_int(v);
  else node.properties.push_back({std::string(key), std::string(v)});
}

bool is_multi_pair_key(std::string_view key) {
  return key == "Sort Method" || key == "Buckets" || key == "Planned Partitions" || key == "Batches" || key == "Hits" ||
      key == "Memory Usage";
}

void apply_detail(Node& node, std::string_view key, std::string_view v) {
  auto set_text = [&](std::string& f) { f.assign(v); };
  if (key == "Filter") set_text(node.filter);
  else if (key == "Index Cond") set_text(node.index_cond);
  else if (key == "Recheck Cond") set_text(node.recheck_cond);
  else if (key == "Hash Cond") set_text(node.hash_cond);
  else if (key == "Merge Cond") set_text(node.merge_cond);
  else if (key == "Join Filter") set_text(node.join_filter);
  else if (key == "One-Time Filter") set_text(node.one_time_filter);
  else if (key == "TID Cond") set_text(node.tid_cond);
  else if (key == "Sort Key") node.sort_key = split_list(v);
  else if (key == "Group Key" || key == "Hash Key") {
    // Grouping sets print several Group Key / Hash Key lines; JSON nests them in
    // "Grouping Sets". Kept as properties there (see finish_grouping_sets).
    if (key == "Group Key" && node.group_key.empty() && !node.property("Hash Key")) node.group_key = split_list(v);
    else node.properties.push_back({std::string(key), std::string(v)});
  } else if (key == "Presorted Key") node.presorted_key = split_list(v);
  else if (key == "Output") node.output = split_list(v);
  else if (key == "Heap Blocks") {
    each_kv(v, [&](std::string_view k, std::string_view n) {
      if (k == "exact") node.exact_heap_blocks = to_int(n);
      else if (k == "lossy") node.lossy_heap_blocks = to_int(n);
    });
  } else if (key == "Buffers") parse_buffers(v, node.buffers);
  else if (key == "I/O Timings") parse_io(v, node.io);
  else if (key == "WAL") parse_wal(v, node.wal);
  else if (key == "Rows Removed by Filter") node.rows_removed_by_filter = to_double(v);
  else if (key == "Rows Removed by Join Filter") node.rows_removed_by_join_filter = to_double(v);
  else if (key == "Rows Removed by Index Recheck") node.rows_removed_by_index_recheck = to_double(v);
  else if (key == "Heap Fetches") node.heap_fetches = to_double(v);
  else if (key == "Workers Planned") node.workers_planned = to_int(v);
  else if (key == "Workers Launched") node.workers_launched = to_int(v);
  else if (key == "Subplans Removed") node.subplans_removed = to_int(v);
  else if (key == "Index Searches") node.index_searches = to_int(v);
  else if (key == "Disabled") node.disabled = truthy(v);
  else if (is_multi_pair_key(key)) {
    std::string whole = std::string(key) + ": " + std::string(v);
    for (auto& [k, val] : split_pairs(whole)) apply_pair(node, nullptr, k, val);
  } else node.properties.push_back({std::string(key), std::string(v)});
}

// Plan-level lines

void parse_settings(std::string_view s, Plan& plan) {
  for (auto& item : split_list(s)) {
    size_t eq = item.find(" = ");
    if (eq == std::string::npos) {
      plan.settings.push_back({item, ""});
      continue;
    }
    std::string value = item.substr(eq + 3);
    if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
      std::string unq;
      for (size_t i = 1; i + 1 < value.size(); ++i) {
        unq += value[i];
        if (value[i] == '\'' && i + 2 < value.size() && value[i + 1] == '\'') ++i;
      }
      value = unq;
    }
    plan.settings.push_back({item.substr(0, eq), value});
  }
}

void parse_trigger(std::string_view s, Plan& plan) {
  Trigger t;
  size_t colon = s.rfind(": ");
  std::string_view head = s.substr(8, colon - 8);  // after "Trigger "
  std::string_view figures = s.substr(colon + 2);
  size_t for_c = head.find("for constraint ");
  size_t on = head.find(" on ");
  if (for_c != 0) t.name = trim(head.substr(0, std::min(for_c, on)));
  if (for_c != std::string_view::npos) {
    std::string_view c = head.substr(for_c + 15);
    t.constraint_name = trim(c.substr(0, c.find(" on ")));
  }
  if (on != std::string_view::npos) t.relation = trim(head.substr(on + 4));
  each_kv(figures, [&](std::string_view k, std::string_view v) {
    if (k == "time") t.time_ms = to_double(v);
    else if (k == "calls") t.calls = to_double(v);
  });
  plan.triggers.push_back(std::move(t));
}

void parse_jit_line(std::string_view key, std::string_view v, Jit& jit) {
  if (key == "Functions") {
    jit.functions = to_int(v);
  } else if (key == "Options") {
    for (auto& item : split_list(v)) {
      size_t sp = item.rfind(' ');
      if (sp == std::string::npos) jit.options.push_back({item, ""});
      else jit.options.push_back({item.substr(0, sp), item.substr(sp + 1)});
    }
  } else if (key == "Timing") {
    for (auto& item : split_list(v)) {
      std::string_view it = item;
      size_t sp = it.find(' ');
      std::string name(it.substr(0, sp));
      std::string_view rest = sp == std::string_view::npos ? std::string_view() : it.substr(sp + 1);
      std::optional<double> ms = parse_double(rest);
      size_t paren = rest.find('(');
      if (paren != std::string_view::npos) {  // "Generation 0.5 ms (Deform 0.2 ms)"
        std::string_view inner = rest.substr(paren + 1);
        inner = inner.substr(0, inner.find(')'));
        size_t isp = inner.find(' ');
        std::string_view num = inner.substr(isp + 1);
        if (auto d = parse_double(num))
          jit.properties.push_back({name + " " + std::string(inner.substr(0, isp)), fmt::format("{}", *d)});
      }
      if (name == "Generation") jit.generation_ms = ms;
      else if (name == "Inlining") jit.inlining_ms = ms;
      else if (name == "Optimization") jit.optimization_ms = ms;
      else if (name == "Emission") jit.emission_ms = ms;
      else if (name == "Total") jit.total_ms = ms;
    }
  } else {
    jit.properties.push_back({std::string(key), std::string(v)});
  }
}

std::optional<double> ms_value(std::string_view v) { return parse_double(v); }

}  // namespace pglens::plan::detail::text
