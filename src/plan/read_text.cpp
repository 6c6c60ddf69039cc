// EXPLAIN (FORMAT TEXT): the tree is in the indentation. Lines are first rejoined where a
// terminal or chat tool hard-wrapped them (text_lines.cpp), then read here with an explicit
// stack of open nodes and sections.
#include <algorithm>
#include <deque>

#include "plan/text.hpp"

namespace pglens::plan::detail {
namespace {

using namespace text;

// The reader

struct Entry {
  bool section = false;
  size_t col = 0;    // node: column its line starts at (its "->", or its name); section: header
  int node = -1;     // node index (sections: their owner)
  std::string name;  // section name
};

enum class Block { none, planning, jit, serialization, worker_jit };

class TextReader {
 public:
  // `expected_nodes`: a guess for reserving (moving 2 kB nodes on every growth is costly).
  TextReader(ReadResult& out, size_t expected_nodes) : out_(out), expected_nodes_(expected_nodes) {}

  void feed(const Logical& l) {
    std::string_view s = l.text;
    // Only the line right after a section's header can be its node (see add_node).
    bool section_just_opened = section_just_opened_;
    section_just_opened_ = false;
    if (l.boundary) {
      close();
      return;
    }
    std::optional<double> duration;
    if (is_log_marker(s, &duration)) {
      close();
      pending_duration_ = duration;
      return;
    }
    if (starts_with(s, "Query Text:")) {
      close();
      pending_query_ = trim(s.substr(11));
      return;
    }
    // Blocks and worker context end where the indentation returns.
    if (block_ != Block::none && l.col <= block_col_) block_ = Block::none;
    if (worker_ && l.col <= worker_col_) worker_ = nullptr;

    if (starts_with(s, "->")) {
      std::string_view headline = trim(s.substr(2));
      size_t name_col = l.col + s.size() - headline.size();
      add_node(l, headline, l.col, name_col, true, section_just_opened);
      return;
    }
    if (is_section(s) && plan_ && !plan_->nodes.empty()) {
      pop_to(l.col);
      int owner = std::max(0, owner_for(l.col));  // a section left of every node: the root's
      stack_.push_back({true, l.col, owner, std::string(s)});
      section_just_opened_ = true;
      return;
    }
    if (plan_ && !plan_->nodes.empty() && l.col > root_col_ && is_target_line(s, l.col)) return;
    if ((!plan_ || plan_->nodes.empty() || closed_ || l.col <= root_col_) && is_headline(s)) {
      add_node(l, s, l.col, l.col, false);
      return;
    }
    if (!plan_ || closed_) return;  // text around plans: transcripts, log prefixes
    if (is_worker(s)) {
      Node* node = owner_node(l.col);
      if (!node) return;
      size_t colon = s.find(':');
      int number = static_cast<int>(to_int(s.substr(7, colon - 7)).value_or(0));
      worker_ = &worker_by_number(node->workers, number);
      worker_node_ = node;
      worker_col_ = l.col;
      extend(*node, l);
      apply_worker_text(trim(s.substr(colon + 1)));
      return;
    }
    if (is_trigger(s)) {
      parse_trigger(s, *plan_);
      return;
    }
    size_t key_len = detail_key_length(s);
    if (key_len == 0 && l.new_log_entry) {
      // A server log's next entry after an auto_explain plan indented by a tab: the plan
      // ended, this is no broken line of it.
      close();
      return;
    }
    if (key_len == 0) {
      out_.errors.push_back({l.first,
                             "unexpected text in the plan: \"" + std::string(s.substr(0, 60)) +
                                 "\" (expected a node line, a detail like \"Filter: ...\" or a summary line)"});
      return;
    }
    std::string_view key = s.substr(0, key_len);
    std::string_view value = trim(s.substr(key_len + 1));
    if (worker_ && l.col > worker_col_) {
      extend(*worker_node_, l);
      if (key == "JIT") return;  // its lines follow, more indented: kept as worker properties
      if (is_multi_pair_key(key)) {
        for (auto& [k, v] : split_pairs(s)) apply_pair(*worker_node_, worker_, k, v);
      } else {
        apply_pair(*worker_node_, worker_, key, value);
      }
      return;
    }
    if (block_ != Block::none) {
      apply_block(key, value);
      return;
    }
    Node* node = l.col > root_col_ ? owner_node(l.col) : nullptr;
    if (node) {
      extend(*node, l);
      apply_detail(*node, key, value);
      return;
    }
    apply_plan_line(l, key, value);
  }

  void close() {
    if (plan_) finish_current();
    plan_ = nullptr;
    closed_ = false;
    stack_.clear();
    step_.reset();
    worker_ = nullptr;
    block_ = Block::none;
  }

 private:
  ReadResult& out_;
  size_t expected_nodes_ = 0;
  Plan* plan_ = nullptr;
  bool closed_ = false;  // after "Execution Time": further lines are not this plan's
  size_t root_col_ = 0;
  std::vector<Entry> stack_;
  WorkerStats* worker_ = nullptr;
  Node* worker_node_ = nullptr;
  size_t worker_col_ = 0;
  Block block_ = Block::none;
  size_t block_col_ = 0;
  std::optional<double> pending_duration_;
  std::string pending_query_;
  bool section_just_opened_ = false;  // the line before was "InitPlan 1 (returns $0)" and the like

  static void extend(Node& n, const Logical& l) { n.lines.last = std::max(n.lines.last, l.last); }

  // TEXT does not print how a child hangs under its parent; JSON does. Derive it the way
  // PostgreSQL assigns it: members of Append-like nodes, the subquery of a Subquery Scan,
  // otherwise the outer then the inner child.
  void infer_relationships() {
    for (auto& parent : plan_->nodes) {
      bool members = parent.node_type == "Append" || parent.node_type == "Merge Append" ||
          parent.node_type == "BitmapAnd" || parent.node_type == "BitmapOr" || parent.node_type == "Custom Scan";
      int plain = 0;
      for (int c : parent.children)
        if (plan_->nodes[static_cast<size_t>(c)].subplan_name.empty()) ++plain;
      if (parent.node_type == "ModifyTable" && plain > 1) members = true;
      int k = 0;
      for (int c : parent.children) {
        Node& child = plan_->nodes[static_cast<size_t>(c)];
        if (!child.parent_relationship.empty()) continue;
        if (members) child.parent_relationship = "Member";
        else if (parent.node_type == "Subquery Scan") child.parent_relationship = "Subquery";
        else child.parent_relationship = k == 0 ? "Outer" : "Inner";
        ++k;
      }
    }
  }

  // A node with several keys is a grouping-sets aggregate: none of its keys is "the" Group Key.
  void finish_grouping_sets() {
    for (auto& n : plan_->nodes) {
      if (n.group_key.empty() || (!n.property("Group Key") && !n.property("Hash Key"))) continue;
      std::string joined;
      for (const auto& k : n.group_key) joined += (joined.empty() ? "" : ", ") + k;
      n.properties.insert(n.properties.begin(), {"Group Key", joined});
      n.group_key.clear();
    }
  }

  void finish_current() {
    if (!plan_) return;
    infer_relationships();
    finish_grouping_sets();
    if (!plan_->nodes.empty()) plan_->lines.last = std::max(plan_->lines.last, plan_->nodes.back().lines.last);
  }

  void pop_to(size_t col) {
    while (!stack_.empty() && stack_.back().col >= col) stack_.pop_back();
  }

  // The deepest open node whose details would be at `col`.
  int owner_for(size_t col) const {
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it)
      if (!it->section && it->col < col) return it->node;
    return stack_.empty() ? -1 : stack_.front().node;
  }
  Node* owner_node(size_t col) {
    int i = owner_for(col);
    return i >= 0 ? &plan_->nodes[static_cast<size_t>(i)] : nullptr;
  }

  // "Update on parted_1 parted" under "Update on parted": a target of a ModifyTable.
  bool is_target_line(std::string_view s, size_t col) {
    if (has_cost_parens(s)) return false;
    Node* owner = owner_node(col);
    if (!owner || owner->node_type != "ModifyTable") return false;
    for (auto op : kModifyOps) {
      if (starts_with(s, op) && starts_with(s.substr(op.size()), " on ")) {
        owner->properties.push_back({"Target", std::string(s.substr(op.size() + 4))});
        return true;
      }
    }
    return false;
  }

  void start_plan(const Logical& l, size_t col) {
    close();
    out_.plans.emplace_back();
    plan_ = &out_.plans.back();
    plan_->format = Format::text;
    plan_->lines = {l.first, l.last};
    plan_->log_duration_ms = pending_duration_;
    plan_->query_text = std::move(pending_query_);
    pending_duration_.reset();
    pending_query_.clear();
    root_col_ = col;
    plan_->nodes.reserve(expected_nodes_);
    if (!out_.format) out_.format = Format::text;
  }

  // `under_section`: the line before was a section's header. PostgreSQL prints a section's one
  // node right after its header, so the node is the section's whatever its column: a paste
  // that regrouped the indentation (3 or 4 spaces for PostgreSQL's 6) can put its "->" at or
  // left of the header's column.
  void add_node(const Logical& l, std::string_view headline, size_t arrow_col, size_t name_col, bool arrow,
                bool under_section = false) {
    if (!plan_ || closed_ || (!arrow && plan_->nodes.size() > 0)) start_plan(l, arrow ? arrow_col : name_col);
    worker_ = nullptr;
    block_ = Block::none;
    int parent = -1;
    std::string section;
    // The column that closes the node: a line at or left of it is not inside it. Under a
    // section that is at least the header's column, so that the section's next sibling (at
    // the header's column) closes both.
    size_t close_col = arrow_col;
    if (!plan_->nodes.empty()) {
      if (under_section && arrow && !stack_.empty() && stack_.back().section) {
        close_col = std::max(arrow_col, stack_.back().col);
      } else {
        pop_to(arrow_col);
      }
      if (!stack_.empty() && stack_.back().section) {
        section = stack_.back().name;
        parent = stack_.back().node;
      } else if (!stack_.empty()) {
        parent = stack_.back().node;
      } else {
        parent = 0;
        out_.errors.push_back({l.first,
                               "node is not indented under any node (expected \"->\" deeper than its parent); "
                               "attached to the root"});
      }
      if (parent >= 0 && section.empty()) {
        // PostgreSQL puts a child's "->" two columns right of its parent's name; other
        // clients indent by other steps, the same all through the plan: the root's first
        // child shows the step.
        long offset = static_cast<long>(arrow_col) - static_cast<long>(plan_node_col(parent));
        if (!step_) step_ = offset;
        if (offset > std::max(2L, *step_) + 2)
          out_.errors.push_back({l.first,
                                 "node is indented deeper than expected under node " + std::to_string(parent + 1) +
                                     ": part of the plan may be missing above"});
      }
    }
    int index = static_cast<int>(plan_->nodes.size());
    plan_->nodes.emplace_back();
    Node& node = plan_->nodes.back();
    node.parent = parent;
    node.lines = {l.first, l.last};
    if (!section.empty()) {
      node.subplan_name = section;
      node.parent_relationship = starts_with(section, "SubPlan") ? "SubPlan" : "InitPlan";
    }
    std::string error = parse_headline(headline, node);
    if (!error.empty()) out_.errors.push_back({l.last, error});
    if (parent >= 0) plan_->nodes[static_cast<size_t>(parent)].children.push_back(index);
    node_cols_.resize(plan_->nodes.size());
    node_cols_[static_cast<size_t>(index)] = name_col;
    stack_.push_back({false, close_col, index, {}});
  }

  std::vector<size_t> node_cols_;
  std::optional<long> step_;  // columns from a parent's name to its child's "->"
  size_t plan_node_col(int i) const { return node_cols_[static_cast<size_t>(i)]; }

  void apply_worker_text(std::string_view rest) {
    if (rest.empty()) return;
    if (starts_with(rest, "actual ")) {
      each_kv(rest.substr(7), [&](std::string_view k, std::string_view v) {
        if (k == "time") range(v, worker_->actual_startup_ms, worker_->actual_total_ms);
        else if (k == "rows") worker_->actual_rows = to_double(v);
        else if (k == "loops") worker_->actual_loops = to_double(v);
      });
      return;
    }
    if (starts_with(rest, "never executed")) {
      worker_->actual_rows = 0;
      worker_->actual_loops = 0;
      return;
    }
    for (auto& [k, v] : split_pairs(rest)) apply_pair(*worker_node_, worker_, k, v);
  }

  void apply_block(std::string_view key, std::string_view value) {
    switch (block_) {
      case Block::planning:
        if (key == "Buffers") parse_buffers(value, plan_->planning_buffers);
        else if (key == "Memory") {
          each_kv(value, [&](std::string_view k, std::string_view v) {
            if (k == "used") plan_->planning_memory_used_kb = to_kb(v);
            else if (k == "allocated") plan_->planning_memory_allocated_kb = to_kb(v);
          });
        } else plan_->properties.push_back({"Planning " + std::string(key), std::string(value)});
        break;
      case Block::jit: parse_jit_line(key, value, plan_->jit); break;
      case Block::serialization: plan_->serialization.push_back({std::string(key), std::string(value)}); break;
      default: break;
    }
  }

  void apply_plan_line(const Logical& l, std::string_view key, std::string_view value) {
    plan_->lines.last = std::max(plan_->lines.last, l.last);
    if (key == "Planning Time" || key == "Planning time") {
      plan_->planning_time_ms = ms_value(value);
    } else if (key == "Execution Time" || key == "Execution time" || key == "Total runtime") {
      plan_->execution_time_ms = ms_value(value);
      closed_ = true;
    } else if (key == "Planning") {
      block_ = Block::planning;
      block_col_ = l.col;
    } else if (key == "JIT") {
      block_ = Block::jit;
      block_col_ = l.col;
      plan_->jit.present = true;
    } else if (key == "Settings") {
      parse_settings(value, *plan_);
    } else if (key == "Serialization") {
      block_ = Block::serialization;
      block_col_ = l.col;
      each_kv(value, [&](std::string_view k, std::string_view v) {
        if (v.empty()) return;
        if (k == "time") plan_->serialization_time_ms = to_double(v);
        else plan_->serialization.push_back({std::string(k), std::string(v)});
      });
    } else {
      plan_->properties.push_back({std::string(key), std::string(value)});
    }
  }
};

}  // namespace

void read_text(const std::vector<Line>& lines, ReadResult& out) {
  std::deque<std::string> glued;
  std::vector<text::Logical> logical = text::rejoin_lines(lines, glued);
  // Pass 2: the tree.
  size_t arrows = 1;
  for (const text::Logical& l : logical)
    if (starts_with(l.text, "->")) ++arrows;
  TextReader reader(out, arrows);
  for (const text::Logical& l : logical) reader.feed(l);
  reader.close();
}

}  // namespace pglens::plan::detail
