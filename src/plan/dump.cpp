// A stable, line-oriented description of a plan: every field that is set, one per line.
// Tests compare these (fixtures' .expect files, the cross-format conformance suite).
#include <fmt/format.h>

#include "plan/internal.hpp"

namespace pglens::plan {
namespace {

std::string num(double v) { return fmt::format("{}", v); }

void buffers_line(std::string& out, std::string_view indent, std::string_view label, const Buffers& b) {
  if (!b.present) return;
  out += fmt::format(
      "{}{}: shared hit={} read={} dirtied={} written={}, local hit={} read={} dirtied={} written={}, "
      "temp read={} written={}\n",
      indent, label, b.shared_hit, b.shared_read, b.shared_dirtied, b.shared_written, b.local_hit, b.local_read,
      b.local_dirtied, b.local_written, b.temp_read, b.temp_written);
}

}  // namespace

std::string describe(const Plan& plan, const DescribeOptions& opt) {
  std::string out;
  auto field = [&](std::string_view indent, std::string_view key, const std::string& v) {
    if (!v.empty()) out += fmt::format("{}{}: {}\n", indent, key, v);
  };
  auto fnum = [&](std::string_view indent, std::string_view key, const auto& v) {
    if (v) out += fmt::format("{}{}: {}\n", indent, key, num(static_cast<double>(*v)));
  };
  auto list = [&](std::string_view indent, std::string_view key, const std::vector<std::string>& v) {
    if (v.empty()) return;
    out += fmt::format("{}{}: [", indent, key);
    for (size_t i = 0; i < v.size(); ++i) out += (i ? " | " : "") + v[i];
    out += "]\n";
  };
  for (const Node& n : plan.nodes) {
    std::string ind(static_cast<size_t>(n.depth) * 2, ' ');
    out += fmt::format("{}#{} {}", ind, n.id, n.node_type);
    if (opt.lines) out += fmt::format("  @{}-{}", n.lines.first, n.lines.last);
    out += '\n';
    ind += "  ";
    field(ind, "strategy", n.strategy);
    field(ind, "partial_mode", n.partial_mode);
    field(ind, "operation", n.operation);
    field(ind, "join_type", n.join_type);
    field(ind, "command", n.command);
    field(ind, "custom_provider", n.custom_provider);
    if (n.parallel_aware) out += ind + "parallel_aware: true\n";
    if (n.async_capable) out += ind + "async_capable: true\n";
    field(ind, "scan_direction", n.scan_direction);
    field(ind, "relation", n.relation);
    field(ind, "schema", n.schema);
    field(ind, "alias", n.alias);
    field(ind, "index_name", n.index_name);
    field(ind, "function_name", n.function_name);
    field(ind, "cte_name", n.cte_name);
    field(ind, "parent_relationship", n.parent_relationship);
    field(ind, "subplan_name", n.subplan_name);
    if (opt.costs) {
      fnum(ind, "startup_cost", n.startup_cost);
      fnum(ind, "total_cost", n.total_cost);
      fnum(ind, "plan_rows", n.plan_rows);
      fnum(ind, "plan_width", n.plan_width);
    }
    if (opt.timings) {
      fnum(ind, "actual_startup_ms", n.actual_startup_ms);
      fnum(ind, "actual_total_ms", n.actual_total_ms);
    }
    if (opt.actual_rows) {
      fnum(ind, "actual_rows", n.actual_rows);
      fnum(ind, "actual_loops", n.actual_loops);
      if (n.never_executed) out += ind + "never_executed: true\n";
    }
    field(ind, "filter", n.filter);
    field(ind, "index_cond", n.index_cond);
    field(ind, "recheck_cond", n.recheck_cond);
    field(ind, "hash_cond", n.hash_cond);
    field(ind, "merge_cond", n.merge_cond);
    field(ind, "join_filter", n.join_filter);
    field(ind, "one_time_filter", n.one_time_filter);
    field(ind, "tid_cond", n.tid_cond);
    list(ind, "sort_key", n.sort_key);
    list(ind, "group_key", n.group_key);
    list(ind, "presorted_key", n.presorted_key);
    list(ind, "output", n.output);
    if (opt.runtime) {
      field(ind, "sort_method", n.sort_method);
      fnum(ind, "sort_space_kb", n.sort_space_kb);
      field(ind, "sort_space_type", n.sort_space_type);
      fnum(ind, "hash_buckets", n.hash_buckets);
      fnum(ind, "original_hash_buckets", n.original_hash_buckets);
      fnum(ind, "hash_batches", n.hash_batches);
      fnum(ind, "original_hash_batches", n.original_hash_batches);
      fnum(ind, "peak_memory_kb", n.peak_memory_kb);
      fnum(ind, "planned_partitions", n.planned_partitions);
      fnum(ind, "disk_usage_kb", n.disk_usage_kb);
      fnum(ind, "hashagg_batches", n.hashagg_batches);
      fnum(ind, "rows_removed_by_filter", n.rows_removed_by_filter);
      fnum(ind, "rows_removed_by_join_filter", n.rows_removed_by_join_filter);
      fnum(ind, "rows_removed_by_index_recheck", n.rows_removed_by_index_recheck);
      fnum(ind, "heap_fetches", n.heap_fetches);
      fnum(ind, "exact_heap_blocks", n.exact_heap_blocks);
      fnum(ind, "lossy_heap_blocks", n.lossy_heap_blocks);
      fnum(ind, "workers_launched", n.workers_launched);
      fnum(ind, "cache_hits", n.cache_hits);
      fnum(ind, "cache_misses", n.cache_misses);
      fnum(ind, "cache_evictions", n.cache_evictions);
      fnum(ind, "cache_overflows", n.cache_overflows);
      fnum(ind, "index_searches", n.index_searches);
      buffers_line(out, ind, "buffers", n.buffers);
      if (n.io.present)
        out += fmt::format("{}io: shared read={} write={}, local read={} write={}, temp read={} write={}\n", ind,
                           n.io.shared_read_ms, n.io.shared_write_ms, n.io.local_read_ms, n.io.local_write_ms,
                           n.io.temp_read_ms, n.io.temp_write_ms);
      if (n.wal.present)
        out += fmt::format("{}wal: records={} fpi={} bytes={} buffers_full={}\n", ind, n.wal.records, n.wal.fpi,
                           n.wal.bytes, n.wal.buffers_full);
      for (const auto& w : n.workers) {
        out += fmt::format("{}worker {}:", ind, w.number);
        if (opt.timings && w.actual_total_ms)
          out += fmt::format(" time={}..{}", num(w.actual_startup_ms.value_or(0)), num(*w.actual_total_ms));
        if (w.actual_rows)
          out += fmt::format(" rows={} loops={}", num(*w.actual_rows), num(w.actual_loops.value_or(0)));
        if (!w.sort_method.empty())
          out += fmt::format(" sort={} {}kB {}", w.sort_method, w.sort_space_kb.value_or(0), w.sort_space_type);
        if (w.buffers.present)
          out += fmt::format(" buffers(hit={} read={})", w.buffers.shared_hit, w.buffers.shared_read);
        out += '\n';
      }
    }
    fnum(ind, "workers_planned", n.workers_planned);
    fnum(ind, "subplans_removed", n.subplans_removed);
    if (n.disabled) out += ind + "disabled: true\n";
    if (opt.properties)
      for (const auto& p : n.properties) out += fmt::format("{}[{}]: {}\n", ind, p.key, p.value);
  }
  if (opt.summary) {
    fnum("", "planning_time_ms", plan.planning_time_ms);
    fnum("", "execution_time_ms", plan.execution_time_ms);
    buffers_line(out, "", "planning_buffers", plan.planning_buffers);
    fnum("", "planning_memory_used_kb", plan.planning_memory_used_kb);
    fnum("", "planning_memory_allocated_kb", plan.planning_memory_allocated_kb);
    fnum("", "serialization_time_ms", plan.serialization_time_ms);
    for (const auto& p : plan.serialization) out += fmt::format("serialization {}: {}\n", p.key, p.value);
    for (const auto& t : plan.triggers)
      out += fmt::format("trigger: name={} constraint={} relation={} time={} calls={}\n", t.name, t.constraint_name,
                         t.relation, num(t.time_ms.value_or(-1)), num(t.calls.value_or(-1)));
    for (const auto& s : plan.settings) out += fmt::format("setting {} = {}\n", s.key, s.value);
    if (plan.jit.present) {
      out += fmt::format("jit: functions={}", plan.jit.functions.value_or(-1));
      for (const auto& o : plan.jit.options) out += fmt::format(" {}={}", o.key, o.value);
      if (opt.timings)
        out += fmt::format(" generation={} inlining={} optimization={} emission={} total={}",
                           num(plan.jit.generation_ms.value_or(-1)), num(plan.jit.inlining_ms.value_or(-1)),
                           num(plan.jit.optimization_ms.value_or(-1)), num(plan.jit.emission_ms.value_or(-1)),
                           num(plan.jit.total_ms.value_or(-1)));
      out += '\n';
    }
    field("", "query_text", plan.query_text);
    fnum("", "log_duration_ms", plan.log_duration_ms);
    if (opt.properties)
      for (const auto& p : plan.properties) out += fmt::format("[{}]: {}\n", p.key, p.value);
  }
  return out;
}

}  // namespace pglens::plan
