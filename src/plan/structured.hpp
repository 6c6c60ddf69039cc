// One walker for the three structured formats (JSON, YAML, XML), which share PostgreSQL's
// property names. An adapter A gives access to its document type:
//   using V = ...;                                   a value handle, cheap to copy
//   static bool is_object(V), is_array(V);
//   static void members(V, F(std::string_view key, V));   objects, in document order
//   static void items(V, F(V));                           arrays (XML: child elements)
//   static std::string_view scalar(V, std::string& scratch);  text of a scalar
// The plan tree is walked with an explicit stack: nesting depth is bounded by memory, not
// by the call stack.
#pragma once

#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plan/internal.hpp"

namespace pglens::plan::detail {

template <class A>
class StructuredWalker {
 public:
  using V = typename A::V;

  // How many nodes to make room for in the next plan (0: unknown).
  void reserve_nodes(size_t count) { reserve_ = count; }

  // One top-level explain object ({"Plan": ..., "Planning Time": ...}).
  Plan read_explain(V top) {
    Plan plan;
    A::members(top, [&](std::string_view key, V value) { plan_member(plan, key, value); });
    return plan;
  }

 private:
  std::string scratch_;
  size_t reserve_ = 0;

  std::string scalar_text(V v) {
    if (A::is_object(v) || A::is_array(v)) return compact(v);
    return std::string(A::scalar(v, scratch_));
  }

  // A structured value kept as a property: compact JSON with every scalar as a string, the
  // same whichever format it came from. Depth-limited: property values are small, and a
  // hostile input must not recurse the stack away.
  std::string compact(V v, int depth = 0) {
    std::string out;
    if (depth > 32) return "\"...\"";
    if (A::is_array(v)) {
      out += '[';
      bool first = true;
      A::items(v, [&](V item) {
        if (!first) out += ',';
        first = false;
        out += compact(item, depth + 1);
      });
      out += ']';
    } else if (A::is_object(v)) {
      out += '{';
      bool first = true;
      A::members(v, [&](std::string_view k, V item) {
        if (!first) out += ',';
        first = false;
        append_quoted(out, k);
        out += ':';
        out += compact(item, depth + 1);
      });
      out += '}';
    } else {
      append_quoted(out, A::scalar(v, scratch_));
    }
    return out;
  }

  static void append_quoted(std::string& out, std::string_view s) {
    out += '"';
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      if (static_cast<unsigned char>(c) < 0x20) {
        out += ' ';
        continue;
      }
      out += c;
    }
    out += '"';
  }

  void plan_member(Plan& plan, std::string_view key, V value) {
    if (key == "Plan") {
      read_tree(plan, value);
    } else if (key == "Planning Time") {
      plan.planning_time_ms = to_double(A::scalar(value, scratch_));
    } else if (key == "Execution Time" || key == "Total Runtime") {
      plan.execution_time_ms = to_double(A::scalar(value, scratch_));
    } else if (key == "Query Text") {
      plan.query_text = scalar_text(value);
    } else if (key == "Planning" && A::is_object(value)) {
      IoTimings io;
      Wal wal;
      A::members(value, [&](std::string_view k, V v) {
        std::string_view s = A::scalar(v, scratch_);
        if (apply_buffers_scalar(plan.planning_buffers, io, wal, k, s)) return;
        if (k == "Memory Used") plan.planning_memory_used_kb = to_int(s);
        else if (k == "Memory Allocated") plan.planning_memory_allocated_kb = to_int(s);
        else plan.properties.push_back({"Planning " + std::string(k), scalar_text(v)});
      });
    } else if (key == "Triggers" && A::is_array(value)) {
      A::items(value, [&](V t) {
        Trigger trig;
        A::members(t, [&](std::string_view k, V v) {
          std::string s = scalar_text(v);
          if (k == "Trigger Name") trig.name = s;
          else if (k == "Constraint Name") trig.constraint_name = s;
          else if (k == "Relation") trig.relation = s;
          else if (k == "Time") trig.time_ms = to_double(s);
          else if (k == "Calls") trig.calls = to_double(s);
        });
        plan.triggers.push_back(std::move(trig));
      });
    } else if (key == "Settings" && A::is_object(value)) {
      A::members(value, [&](std::string_view k, V v) { plan.settings.push_back({std::string(k), scalar_text(v)}); });
    } else if (key == "JIT" && A::is_object(value)) {
      read_jit(plan.jit, value);
    } else if (key == "Serialization" && A::is_object(value)) {
      A::members(value, [&](std::string_view k, V v) {
        if (k == "Time") plan.serialization_time_ms = to_double(A::scalar(v, scratch_));
        else plan.serialization.push_back({std::string(k), scalar_text(v)});
      });
    } else {
      plan.properties.push_back({std::string(key), scalar_text(value)});
    }
  }

  void read_jit(Jit& jit, V value) {
    jit.present = true;
    A::members(value, [&](std::string_view k, V v) {
      if (k == "Functions") {
        jit.functions = to_int(A::scalar(v, scratch_));
      } else if (k == "Options" && A::is_object(v)) {
        A::members(v, [&](std::string_view ok, V ov) { jit.options.push_back({std::string(ok), scalar_text(ov)}); });
      } else if (k == "Timing" && A::is_object(v)) {
        A::members(v, [&](std::string_view tk, V tv) {
          std::optional<double> ms;
          if (A::is_object(tv)) {  // 17: "Generation": {"Deform": .., "Total": ..}
            A::members(tv, [&](std::string_view sk, V sv) {
              if (sk == "Total") ms = to_double(A::scalar(sv, scratch_));
              else jit.properties.push_back({std::string(tk) + " " + std::string(sk), scalar_text(sv)});
            });
          } else {
            ms = to_double(A::scalar(tv, scratch_));
          }
          if (tk == "Generation") jit.generation_ms = ms;
          else if (tk == "Inlining") jit.inlining_ms = ms;
          else if (tk == "Optimization") jit.optimization_ms = ms;
          else if (tk == "Emission") jit.emission_ms = ms;
          else if (tk == "Total") jit.total_ms = ms;
          else jit.properties.push_back({std::string(tk), scalar_text(tv)});
        });
      } else {
        jit.properties.push_back({std::string(k), scalar_text(v)});
      }
    });
  }

  void read_worker(Node& node, V w) {
    WorkerStats tmp;
    std::vector<std::pair<std::string, std::string>> rest;
    A::members(w, [&](std::string_view k, V v) {
      if (A::is_object(v) || A::is_array(v)) {
        rest.emplace_back(std::string(k), compact(v));
      } else if (!apply_worker_scalar(tmp, k, A::scalar(v, scratch_))) {
        rest.emplace_back(std::string(k), std::string(A::scalar(v, scratch_)));
      }
    });
    WorkerStats& into = worker_by_number(node.workers, tmp.number);
    // Merge: a second "Workers" array for the same node adds to, never replaces, the first.
    if (tmp.actual_startup_ms) into.actual_startup_ms = tmp.actual_startup_ms;
    if (tmp.actual_total_ms) into.actual_total_ms = tmp.actual_total_ms;
    if (tmp.actual_rows) into.actual_rows = tmp.actual_rows;
    if (tmp.actual_loops) into.actual_loops = tmp.actual_loops;
    if (!tmp.sort_method.empty()) into.sort_method = tmp.sort_method;
    if (tmp.sort_space_kb) into.sort_space_kb = tmp.sort_space_kb;
    if (!tmp.sort_space_type.empty()) into.sort_space_type = tmp.sort_space_type;
    if (tmp.buffers.present) into.buffers = tmp.buffers;
    if (tmp.io.present) into.io = tmp.io;
    if (tmp.wal.present) into.wal = tmp.wal;
    for (auto& [k, v] : rest) into.properties.push_back({std::move(k), std::move(v)});
  }

  void read_tree(Plan& plan, V root) {
    std::vector<std::pair<V, int>> stack;  // (plan object, parent index)
    std::vector<V> kids;
    // Nodes are large: growing the vector would move every one of them several times.
    if (reserve_ > 0) plan.nodes.reserve(reserve_);
    stack.emplace_back(root, -1);
    while (!stack.empty()) {
      auto [value, parent] = stack.back();
      stack.pop_back();
      int index = static_cast<int>(plan.nodes.size());
      plan.nodes.emplace_back();
      if (parent >= 0) plan.nodes[static_cast<size_t>(parent)].children.push_back(index);
      Node& node = plan.nodes.back();
      node.parent = parent;
      kids.clear();
      if (!A::is_object(value)) {
        node.node_type.assign(1, '?');
        continue;
      }
      A::members(value, [&](std::string_view key, V v) {
        if (key == "Plans") {
          A::items(v, [&](V child) { kids.push_back(child); });
        } else if (key == "Workers") {
          // An empty group prints as "Workers: []" (JSON, YAML) or <Workers></Workers> (XML).
          if (A::is_array(v)) A::items(v, [&](V w) { read_worker(node, w); });
        } else if (auto* list = node_list(node, key)) {
          if (A::is_array(v)) A::items(v, [&](V item) { list->push_back(scalar_text(item)); });
          else list->push_back(scalar_text(v));
        } else if (A::is_object(v) || A::is_array(v)) {
          node.properties.push_back({std::string(key), compact(v)});
        } else {
          // TEXT leaves out these zero defaults; so does the model, for one truth.
          bool zero_default = key == "Subplans Removed" || key == "Planned Partitions";
          if constexpr (requires { A::number(v); }) {
            if (std::optional<double> number = A::number(v)) {
              if (zero_default && std::abs(*number) < 0.5) return;
              if (apply_node_number(node, key, *number)) return;
            }
          }
          std::string_view s = A::scalar(v, scratch_);
          if (zero_default && to_int(s) == 0) return;
          if (!apply_node_scalar(node, key, s)) node.properties.push_back({std::string(key), std::string(s)});
        }
      });
      for (auto it = kids.rbegin(); it != kids.rend(); ++it) stack.emplace_back(*it, index);
    }
  }
};

// Where structured nodes start: the k-th occurrence of `needle` at the start of a key (after
// spaces, "- ", "{" or ",") belongs to node k in pre-order. Found before the walk, so the
// node count is known for reserving.
struct NodeStarts {
  std::vector<uint32_t> lines;         // 0-based, relative to the text's first line
  std::vector<uint32_t> line_offsets;  // byte offset in the text where each of those lines begins
  uint32_t line_count = 1;             // lines in the text
};
NodeStarts find_node_starts(std::string_view text, std::string_view needle);

// Gives the nodes of plans[from..] their lines: a node's lines run to the line before the
// next node starts. Skipped when the count does not match. When the text is the original
// input from byte `span_base` on, the nodes get their byte spans too (so the whole input
// need not be indexed by line afterwards).
void assign_structured_lines(std::vector<Plan>& plans, size_t from, const NodeStarts& starts, uint32_t first_line,
                             std::string_view text = {}, std::optional<uint32_t> span_base = std::nullopt);

}  // namespace pglens::plan::detail
