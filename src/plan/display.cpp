#include "plan/display.hpp"

#include <cmath>

#include <algorithm>

#include <fmt/format.h>

namespace pglens::plan {

std::string format_count(double v) {
  if (v >= 1e9) return fmt::format("{:.1f}G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.1f}M", v / 1e6);
  if (v >= 1e4) return fmt::format("{:.0f}k", v / 1e3);
  if (v == std::floor(v)) return fmt::format("{:.0f}", v);
  return fmt::format("{:.2f}", v);
}

// Eighths of a block, ten cells wide.
std::string bar(double share) {
  static const char* parts[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
  int eighths = static_cast<int>(std::lround(std::clamp(share, 0.0, 1.0) * 80));
  std::string out;
  int cells = 0;
  for (; eighths >= 8; eighths -= 8, ++cells) out += "█";
  if (eighths > 0) {
    out += parts[eighths];
    ++cells;
  }
  out.append(static_cast<size_t>(10 - cells), ' ');
  return out;
}

std::string shorten(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  return std::string(s.substr(0, max - 3)) + "...";
}

// The one detail that matters most on this node.
std::string key_detail(const Node& n) {
  const auto& m = n.metrics;
  if (n.sort_space_type == "Disk")
    return fmt::format("sort spilled to disk: {} kB ({})", n.sort_space_kb.value_or(0), n.sort_method);
  if (n.hash_batches && *n.hash_batches > 1)
    return fmt::format("hash spilled: {} batches (planned {})", *n.hash_batches, n.original_hash_batches.value_or(1));
  if (n.disk_usage_kb && *n.disk_usage_kb > 0)
    return fmt::format("aggregate spilled to disk: {} kB in {} batches", *n.disk_usage_kb,
                       n.hashagg_batches.value_or(0));
  if (m.removed_ratio && *m.removed_ratio >= 0.5) {
    double removed = (n.rows_removed_by_filter.value_or(0) + n.rows_removed_by_join_filter.value_or(0) +
                      n.rows_removed_by_index_recheck.value_or(0)) *
        n.actual_loops.value_or(1);
    std::string cond = !n.filter.empty() ? "Filter: " + n.filter
        : !n.join_filter.empty()         ? "Join Filter: " + n.join_filter
                                         : "Recheck Cond: " + n.recheck_cond;
    return fmt::format("{} removed {} rows ({:.0f}%)", shorten(cond, 60), format_count(removed),
                       *m.removed_ratio * 100);
  }
  if (n.lossy_heap_blocks && *n.lossy_heap_blocks > 0)
    return fmt::format("lossy heap blocks: {} (work_mem too small for the bitmap)", *n.lossy_heap_blocks);
  if (n.heap_fetches && *n.heap_fetches > 0 && n.node_type == "Index Only Scan")
    return fmt::format("heap fetches: {} (visibility map not current: VACUUM)", format_count(*n.heap_fetches));
  const Buffers& own = m.exclusive_buffers;
  if (own.temp_blocks() > 1000)
    return fmt::format("temp files: read {} and wrote {} blocks ({} MB)", own.temp_read, own.temp_written,
                       own.temp_blocks() / 128);
  if (own.blocks_read() > 1000)
    return fmt::format("read {} blocks ({} MB) from disk/OS cache", own.blocks_read(), own.blocks_read() / 128);
  if (!n.index_cond.empty()) return shorten("Index Cond: " + n.index_cond, 70);
  if (!n.hash_cond.empty()) return shorten("Hash Cond: " + n.hash_cond, 70);
  if (!n.merge_cond.empty()) return shorten("Merge Cond: " + n.merge_cond, 70);
  if (!n.filter.empty()) return shorten("Filter: " + n.filter, 70);
  if (!n.sort_key.empty()) {
    std::string keys;
    for (const auto& k : n.sort_key) keys += (keys.empty() ? "" : ", ") + k;
    return shorten("Sort Key: " + keys, 70);
  }
  return {};
}

std::vector<OutsideTime> outside_tree(const Plan& plan) {
  std::vector<OutsideTime> out;
  auto share = [&](double ms) { return plan.total_time_ms > 0 ? std::min(1.0, ms / plan.total_time_ms) : 0.0; };
  for (const auto& t : plan.triggers) {
    if (!t.time_ms) continue;
    OutsideTime o;
    o.label = t.constraint_name.empty() ? fmt::format("Trigger {}", t.name)
                                        : fmt::format("Trigger for constraint {}", t.constraint_name);
    if (!t.relation.empty()) o.label += fmt::format(" on {}", t.relation);
    o.ms = *t.time_ms;
    o.share = share(o.ms);
    if (t.calls) o.detail = fmt::format("{:.0f} calls", *t.calls);
    out.push_back(std::move(o));
  }
  if (plan.serialization_time_ms && *plan.serialization_time_ms > 0) {
    OutsideTime o{.label = "Serialization",
                  .ms = *plan.serialization_time_ms,
                  .share = share(*plan.serialization_time_ms),
                  .detail = "sending the result to the client"};
    for (const auto& p : plan.serialization)
      if (p.key == "output" || p.key == "Output Volume") o.detail = fmt::format("output {}", p.value);
    out.push_back(std::move(o));
  }
  return out;
}

std::optional<OutsideTime> outside_bottleneck(const Plan& plan) {
  if (!plan.analyzed() || plan.total_time_ms <= 0) return std::nullopt;
  double node_ms =
      plan.bottleneck >= 0 ? plan.nodes[static_cast<size_t>(plan.bottleneck)].metrics.exclusive_time_ms : 0;
  if (plan.bottleneck_append >= 0) node_ms = plan.bottleneck_append_share * plan.total_time_ms;  // the scans together
  std::optional<OutsideTime> best;
  for (auto& o : outside_tree(plan))
    if (o.ms > node_ms && (!best || o.ms > best->ms)) best = std::move(o);
  return best;
}

}  // namespace pglens::plan
