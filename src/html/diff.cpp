#include "html/diff.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "plan/display.hpp"

namespace pglens::diff {
namespace {

using plan::Node;
using plan::Plan;

// Nodes that do the same job in another way: a pair of them is one node whose method changed.
std::string family(const Node& n) {
  const std::string& t = n.node_type;
  if (t == "Nested Loop" || t == "Hash Join" || t == "Merge Join") return "join";
  if (!n.relation.empty() || t.find("Scan") != std::string::npos) return "scan";
  if (t == "Sort" || t == "Incremental Sort") return "sort";
  if (t == "Aggregate" || t == "Group" || t == "WindowAgg") return "aggregate";
  if (t == "Gather" || t == "Gather Merge") return "gather";
  if (t == "Materialize" || t == "Memoize") return "cache";
  if (t == "Append" || t == "Merge Append") return "append";
  return t;
}

struct Side {
  const Plan& plan;
  std::vector<std::set<std::string>> relations;  // of each node's subtree
  explicit Side(const Plan& p) : plan(p), relations(p.nodes.size()) {
    for (size_t i = p.nodes.size(); i-- > 0;) {
      const Node& n = p.nodes[i];
      if (!n.relation.empty()) relations[i].insert(n.schema.empty() ? n.relation : n.schema + "." + n.relation);
      if (n.parent >= 0) relations[static_cast<size_t>(n.parent)].insert(relations[i].begin(), relations[i].end());
    }
  }
  const Node& node(int i) const { return plan.nodes[static_cast<size_t>(i)]; }
};

double overlap(const std::set<std::string>& a, const std::set<std::string>& b) {
  if (a.empty() && b.empty()) return 1;
  size_t common = 0;
  for (const auto& x : a) common += b.count(x);
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

class Matcher {
 public:
  Matcher(const Plan& before, const Plan& after, PlanDiff& out) : a_(before), b_(after), out_(out) {
    out_.pair_of_before.assign(before.nodes.size(), -1);
    out_.pair_of_after.assign(after.nodes.size(), -1);
  }

  void run() {
    if (a_.plan.nodes.empty() || b_.plan.nodes.empty()) {
      for (size_t i = 0; i < a_.plan.nodes.size(); ++i) gone(static_cast<int>(i));
      for (size_t i = 0; i < b_.plan.nodes.size(); ++i) added(static_cast<int>(i));
      return;
    }
    match_lists({0}, {0}, true);
    if (overlap(a_.relations[0], b_.relations[0]) < 0.5)
      out_.notes.push_back("the two plans read mostly different tables: are they plans of the same query?");
  }

 private:
  // How alike two nodes are; below 0 they are not paired.
  double score(int x, int y) const {
    const Node& n = a_.node(x);
    const Node& m = b_.node(y);
    bool same_relation = !n.relation.empty() && n.relation == m.relation && n.schema == m.schema;
    bool same_family = family(n) == family(m);
    if (!same_relation && !same_family) return -1;
    double s = overlap(a_.relations[static_cast<size_t>(x)], b_.relations[static_cast<size_t>(y)]);
    // Two scans of different tables are two different scans.
    if (family(n) == "scan" && !same_relation && !(n.relation.empty() && m.relation.empty())) return -1;
    if (same_relation) s += 2;
    if (n.node_type == m.node_type) s += 1;
    if (n.subplan_name == m.subplan_name) s += 0.5;
    if (n.alias == m.alias) s += 0.25;
    return s;
  }

  void pair(int x, int y, std::string how) {
    NodePair p{.before = x, .after = y, .matched_by = std::move(how), .shape = {}};
    const Node& n = a_.node(x);
    const Node& m = b_.node(y);
    if (n.name() != m.name()) p.shape = fmt::format("{} → {}", n.label(), m.label());
    out_.pair_of_before[static_cast<size_t>(x)] = static_cast<int>(out_.pairs.size());
    out_.pair_of_after[static_cast<size_t>(y)] = static_cast<int>(out_.pairs.size());
    out_.pairs.push_back(std::move(p));
  }
  void gone(int x) {
    out_.pair_of_before[static_cast<size_t>(x)] = static_cast<int>(out_.pairs.size());
    out_.pairs.push_back({.before = x, .after = -1, .matched_by = {}, .shape = a_.node(x).label() + " gone"});
  }
  void added(int y) {
    out_.pair_of_after[static_cast<size_t>(y)] = static_cast<int>(out_.pairs.size());
    out_.pairs.push_back({.before = -1, .after = y, .matched_by = {}, .shape = b_.node(y).label() + " added"});
  }
  void gone_subtree(int x) {
    gone(x);
    for (int c : a_.node(x).children) gone_subtree(c);
  }
  void added_subtree(int y) {
    added(y);
    for (int c : b_.node(y).children) added_subtree(c);
  }

  // Pairs the nodes of two sibling lists, best pairs first, and descends into each pair.
  // What is left on either side is a node the other plan does without (a Sort gone, a Hash
  // added): it is set aside and its children take its place, until nothing more pairs.
  void match_lists(std::vector<int> xs, std::vector<int> ys, bool roots) {
    while (!xs.empty() && !ys.empty()) {
      std::vector<std::pair<int, int>> found;
      for (;;) {
        double best = -1;
        size_t bi = 0, bj = 0;
        for (size_t i = 0; i < xs.size(); ++i)
          for (size_t j = 0; j < ys.size(); ++j)
            if (double s = score(xs[i], ys[j]); s > best) best = s, bi = i, bj = j;
        if (best < 0) break;
        found.emplace_back(xs[bi], ys[bj]);
        xs.erase(xs.begin() + static_cast<std::ptrdiff_t>(bi));
        ys.erase(ys.begin() + static_cast<std::ptrdiff_t>(bj));
      }
      for (auto [x, y] : found) {
        const Node& n = a_.node(x);
        pair(x, y,
             roots && x == 0 && y == 0                                      ? "root"
                 : !n.relation.empty() && n.relation == b_.node(y).relation ? "relation"
                                                                            : "node type");
        match_lists(a_.node(x).children, b_.node(y).children, false);
      }
      if (xs.empty() || ys.empty()) break;
      // Nothing left pairs: unwrap one level on each side that has one.
      bool unwrapped = false;
      std::vector<int> next_xs, next_ys;
      for (int x : xs) {
        if (a_.node(x).children.empty()) {
          next_xs.push_back(x);
        } else {
          gone(x);
          for (int c : a_.node(x).children) next_xs.push_back(c);
          unwrapped = true;
        }
      }
      for (int y : ys) {
        if (b_.node(y).children.empty()) {
          next_ys.push_back(y);
        } else {
          added(y);
          for (int c : b_.node(y).children) next_ys.push_back(c);
          unwrapped = true;
        }
      }
      xs = std::move(next_xs);
      ys = std::move(next_ys);
      if (!unwrapped) break;
    }
    for (int x : xs) {
      gone_subtree(x);
      out_.notes.push_back(fmt::format("before #{} {}: no counterpart after", a_.node(x).id, a_.node(x).label()));
    }
    for (int y : ys) {
      added_subtree(y);
      out_.notes.push_back(fmt::format("after #{} {}: no counterpart before", b_.node(y).id, b_.node(y).label()));
    }
  }

  Side a_, b_;
  PlanDiff& out_;
};

std::string finding_key(const Plan& p, const plan::Finding& f, std::string* table) {
  std::string rel;
  if (f.node >= 0 && static_cast<size_t>(f.node) < p.nodes.size()) rel = p.nodes[static_cast<size_t>(f.node)].relation;
  if (table) *table = rel;
  return f.rule + "\x1f" + rel;
}

std::string change(double before, double after, const std::string& a, const std::string& b) {
  if (before == after) return a;
  return fmt::format("{} → {}", a, b);
}

}  // namespace

PlanDiff compare(const Plan& before, const Plan& after, const plan::Diagnosis& before_findings,
                 const plan::Diagnosis& after_findings) {
  PlanDiff d;
  Matcher(before, after, d).run();
  d.timed = before.timed() && after.timed();
  if (d.timed) {
    d.before_ms = before.total_time_ms;
    d.after_ms = after.total_time_ms;
    if (d.after_ms > 0) d.speedup = d.before_ms / d.after_ms;
  }
  std::set<std::string> before_keys, after_keys;
  for (const auto& f : before_findings.findings) before_keys.insert(finding_key(before, f, nullptr));
  for (const auto& f : after_findings.findings) after_keys.insert(finding_key(after, f, nullptr));
  for (const auto& f : before_findings.findings) {
    std::string table;
    if (!after_keys.count(finding_key(before, f, &table))) d.gone.push_back({&f, table});
  }
  for (const auto& f : after_findings.findings) {
    std::string table;
    if (before_keys.count(finding_key(after, f, &table))) d.kept.push_back({&f, table});
    else d.appeared.push_back({&f, table});
  }
  return d;
}

std::string pair_figures(const Plan& before, const Plan& after, const NodePair& p) {
  const Node* n = p.before >= 0 ? &before.nodes[static_cast<size_t>(p.before)] : nullptr;
  const Node* m = p.after >= 0 ? &after.nodes[static_cast<size_t>(p.after)] : nullptr;
  auto one = [](const Plan& plan, const Node& x) {
    std::string s;
    if (plan.timed() && !x.never_executed) s += "time " + plan::format_ms(x.metrics.exclusive_time_ms);
    if (plan.analyzed() && x.actual_rows) {
      s += (s.empty() ? "" : ", ") + std::string("rows ") + plan::format_count(x.metrics.total_rows);
      if (x.actual_loops && *x.actual_loops > 1) s += ", loops " + plan::format_count(*x.actual_loops);
    }
    if (x.buffers.present)
      s += fmt::format(", hit {}, read {}",
                       plan::format_count(static_cast<double>(x.metrics.exclusive_buffers.total_hit())),
                       plan::format_count(static_cast<double>(x.metrics.exclusive_buffers.blocks_read())));
    return s;
  };
  if (!n) return "new: " + one(after, *m);
  if (!m) return "was: " + one(before, *n);
  std::vector<std::string> parts;
  const auto& a = n->metrics;
  const auto& b = m->metrics;
  if (before.timed() && after.timed())
    parts.push_back("time " +
                    change(a.exclusive_time_ms, b.exclusive_time_ms, plan::format_ms(a.exclusive_time_ms),
                           plan::format_ms(b.exclusive_time_ms)));
  if (before.analyzed() && after.analyzed()) {
    parts.push_back(
        "rows " +
        change(a.total_rows, b.total_rows, plan::format_count(a.total_rows), plan::format_count(b.total_rows)));
    double la = n->actual_loops.value_or(1), lb = m->actual_loops.value_or(1);
    if (la > 1 || lb > 1) parts.push_back("loops " + change(la, lb, plan::format_count(la), plan::format_count(lb)));
  }
  if (n->buffers.present && m->buffers.present) {
    auto blocks = [](int64_t v) { return plan::format_count(static_cast<double>(v)); };
    const auto& x = a.exclusive_buffers;
    const auto& y = b.exclusive_buffers;
    parts.push_back("hit " +
                    change(static_cast<double>(x.total_hit()), static_cast<double>(y.total_hit()),
                           blocks(x.total_hit()), blocks(y.total_hit())));
    parts.push_back("read " +
                    change(static_cast<double>(x.blocks_read()), static_cast<double>(y.blocks_read()),
                           blocks(x.blocks_read()), blocks(y.blocks_read())));
    if (x.temp_blocks() || y.temp_blocks())
      parts.push_back("temp " +
                      change(static_cast<double>(x.temp_blocks()), static_cast<double>(y.temp_blocks()),
                             blocks(x.temp_blocks()), blocks(y.temp_blocks())));
  }
  std::string s;
  for (const auto& part : parts) s += (s.empty() ? "" : ", ") + part;
  return s;
}

std::vector<int> pairs_in_order(const Plan& before, const Plan& after, const PlanDiff& d) {
  std::vector<int> order;
  std::vector<bool> placed(d.pairs.size(), false);
  auto place = [&](int k) {
    if (k >= 0 && !placed[static_cast<size_t>(k)]) {
      placed[static_cast<size_t>(k)] = true;
      order.push_back(k);
    }
  };
  // Gone nodes hang under the pair of their nearest matched ancestor.
  std::vector<std::vector<int>> gone_under(after.nodes.size() + 1);
  for (size_t i = 0; i < before.nodes.size(); ++i) {
    int k = d.pair_of_before[i];
    if (k < 0 || d.pairs[static_cast<size_t>(k)].after >= 0) continue;
    int up = before.nodes[i].parent;
    while (up >= 0 && d.pairs[static_cast<size_t>(d.pair_of_before[static_cast<size_t>(up)])].after < 0)
      up = before.nodes[static_cast<size_t>(up)].parent;
    size_t slot = up < 0
        ? after.nodes.size()
        : static_cast<size_t>(d.pairs[static_cast<size_t>(d.pair_of_before[static_cast<size_t>(up)])].after);
    gone_under[slot].push_back(k);
  }
  for (size_t j = 0; j < after.nodes.size(); ++j) {
    place(d.pair_of_after[j]);
    for (int k : gone_under[j]) place(k);
  }
  for (int k : gone_under[after.nodes.size()]) place(k);
  for (size_t k = 0; k < d.pairs.size(); ++k) place(static_cast<int>(k));
  return order;
}

Trend trend(const Plan& before, const Plan& after, const NodePair& p) {
  if (p.before < 0 || p.after < 0 || !before.timed() || !after.timed()) return Trend::same;
  double a = before.nodes[static_cast<size_t>(p.before)].metrics.exclusive_time_ms;
  double b = after.nodes[static_cast<size_t>(p.after)].metrics.exclusive_time_ms;
  if (std::abs(a - b) < 1 || std::abs(a - b) < 0.2 * std::max(a, b)) return Trend::same;
  return b < a ? Trend::faster : Trend::slower;
}

}  // namespace pglens::diff
