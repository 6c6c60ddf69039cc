// TEXT node lines: "->  Parallel Index Only Scan Backward using idx on public.t x  (cost=...)
// (actual time=... rows=... loops=...)" into the node's identity, target and figures.
#include <algorithm>

#include "plan/text.hpp"

namespace pglens::plan::detail::text {

// Headlines

// One possibly double-quoted identifier; advances `s`.
static std::string read_ident(std::string_view& s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  std::string out;
  if (!s.empty() && s.front() == '"') {
    size_t i = 1;
    for (; i < s.size(); ++i) {
      if (s[i] == '"') {
        if (i + 1 < s.size() && s[i + 1] == '"') {
          out += '"';
          ++i;
        } else {
          ++i;
          break;
        }
      } else {
        out += s[i];
      }
    }
    s.remove_prefix(std::min(i, s.size()));
    return out;
  }
  size_t i = 0;
  while (i < s.size() && s[i] != ' ' && s[i] != '.') ++i;
  out.assign(s.substr(0, i));
  s.remove_prefix(i);
  return out;
}

static std::vector<std::string> read_qualified(std::string_view& s) {
  std::vector<std::string> parts;
  parts.push_back(read_ident(s));
  while (!s.empty() && s.front() == '.') {
    s.remove_prefix(1);
    parts.push_back(read_ident(s));
  }
  return parts;
}

// "public.orders o" / "orders" into object (+schema) and alias.
static void read_target(std::string_view s, Node& node, std::string& object) {
  auto parts = read_qualified(s);
  object = parts.back();
  if (parts.size() >= 2) node.schema = parts[parts.size() - 2];
  std::string alias = read_ident(s);
  node.alias = alias.empty() ? object : alias;
  std::string_view rest = trim(s);
  if (!rest.empty()) node.properties.push_back({"Target", std::string(rest)});
}

static void parse_name(std::string_view s, Node& node) {
  // Prefixes.
  for (bool again = true; again;) {
    again = false;
    if (starts_with(s, "Parallel ")) node.parallel_aware = again = true, s.remove_prefix(9);
    if (starts_with(s, "Async ")) node.async_capable = again = true, s.remove_prefix(6);
  }
  std::string partial = "Simple";
  if (starts_with(s, "Partial ")) partial = "Partial", s.remove_prefix(8);
  else if (starts_with(s, "Finalize ")) partial = "Finalize", s.remove_prefix(9);

  struct Agg {
    std::string_view text, strategy;
  };
  for (Agg a : {Agg{"GroupAggregate", "Sorted"}, Agg{"HashAggregate", "Hashed"}, Agg{"MixedAggregate", "Mixed"},
                Agg{"Aggregate", "Plain"}}) {
    if (word_prefix(s, a.text)) {
      node.node_type = "Aggregate";
      node.strategy = a.strategy;
      node.partial_mode = partial;
      return;
    }
  }
  for (auto [text, strategy] :
       {std::pair<std::string_view, std::string_view>{"HashSetOp", "Hashed"}, {"SetOp", "Sorted"}}) {
    if (word_prefix(s, text)) {
      node.node_type = "SetOp";
      node.strategy = strategy;
      node.command = trim(s.substr(text.size()));
      return;
    }
  }
  if (word_prefix(s, "Nested Loop")) {
    node.node_type = "Nested Loop";
    std::string_view rest = trim(s.substr(11));
    node.join_type = "Inner";
    if (rest.size() > 5 && rest.substr(rest.size() - 5) == " Join") node.join_type = rest.substr(0, rest.size() - 5);
    return;
  }
  for (std::string_view kind : {"Hash", "Merge"}) {
    if (starts_with(s, kind) && s.size() > kind.size() + 4 && s.substr(s.size() - 4) == "Join" &&
        s[kind.size()] == ' ') {
      node.node_type = std::string(kind) + " Join";
      std::string_view middle = trim(s.substr(kind.size(), s.size() - 4 - kind.size()));
      node.join_type = middle.empty() ? "Inner" : std::string(middle);
      return;
    }
  }
  for (auto op : kModifyOps) {
    if (starts_with(s, op) && starts_with(s.substr(op.size()), " on ")) {
      node.node_type = "ModifyTable";
      node.operation = op;
      read_target(s.substr(op.size() + 4), node, node.relation);
      return;
    }
    if (starts_with(s, "Foreign ") && starts_with(s.substr(8), op) && starts_with(s.substr(8 + op.size()), " on ")) {
      node.node_type = "Foreign Scan";
      node.operation = op;
      read_target(s.substr(8 + op.size() + 4), node, node.relation);
      return;
    }
  }
  if (starts_with(s, "Custom Scan (")) {
    size_t close = s.find(')');
    node.node_type = "Custom Scan";
    node.custom_provider = s.substr(13, close == std::string_view::npos ? std::string_view::npos : close - 13);
    std::string_view rest = close == std::string_view::npos ? std::string_view() : trim(s.substr(close + 1));
    if (starts_with(rest, "on ")) read_target(rest.substr(3), node, node.relation);
    return;
  }
  for (std::string_view index_kind : {"Index Only Scan", "Index Scan"}) {
    if (!word_prefix(s, index_kind)) continue;
    node.node_type = index_kind;
    std::string_view rest = trim(s.substr(index_kind.size()));
    node.scan_direction = "Forward";
    if (word_prefix(rest, "Backward")) {
      node.scan_direction = "Backward";
      rest = trim(rest.substr(8));
    }
    if (starts_with(rest, "using ")) {
      rest.remove_prefix(6);
      node.index_name = read_ident(rest);
      rest = trim(rest);
    }
    if (starts_with(rest, "on ")) read_target(rest.substr(3), node, node.relation);
    return;
  }
  for (auto t : kSimpleTypes) {
    if (!word_prefix(s, t)) continue;
    node.node_type = t;
    if (t == "Foreign Scan") node.operation = "Select";
    std::string_view rest = trim(s.substr(t.size()));
    if (!starts_with(rest, "on ")) {
      if (!rest.empty()) node.properties.push_back({"Target", std::string(rest)});
      return;
    }
    rest.remove_prefix(3);
    if (t == "Bitmap Index Scan") {
      node.index_name = read_ident(rest);
    } else if (t == "Subquery Scan" || t == "Values Scan") {
      node.alias = read_ident(rest);
    } else if (t == "Function Scan") {
      read_target(rest, node, node.function_name);
    } else if (t == "CTE Scan" || t == "WorkTable Scan") {
      read_target(rest, node, node.cte_name);
    } else if (t == "Table Function Scan" || t == "Named Tuplestore Scan") {
      std::string object;
      read_target(rest, node, object);
      node.properties.push_back({t == "Table Function Scan" ? "Table Function Name" : "Tuplestore Name", object});
    } else {
      read_target(rest, node, node.relation);
    }
    return;
  }
  // Unknown node: keep its name; "X on y" still gives a target.
  size_t on = s.find(" on ");
  node.node_type = trim(s.substr(0, on));
  if (on != std::string_view::npos) read_target(s.substr(on + 4), node, node.relation);
}

// Returns an error message when a parenthesis group is cut off.
std::string parse_headline(std::string_view s, Node& node) {
  size_t cost = s.find("(cost=");
  // "(actual" at the very end is a line cut before its figures: a warning, not an estimate.
  size_t actual = s.find("(actual ");
  if (actual == std::string_view::npos && s.ends_with("(actual")) actual = s.size() - 7;
  size_t never = s.find("(never executed)");
  size_t name_end = std::min({cost, actual, never, s.size()});
  parse_name(trim(s.substr(0, name_end)), node);
  std::string error;
  auto group = [&](size_t at) -> std::string_view {
    size_t close = s.find(')', at);
    if (close == std::string_view::npos) {
      error = "the node line ends inside '" + std::string(s.substr(at, 8)) +
          "...' (expected ')'): the plan may be cut here";
      return s.substr(std::min(at + 1, s.size()));
    }
    return s.substr(at + 1, close - at - 1);
  };
  if (cost != std::string_view::npos) {
    each_kv(group(cost), [&](std::string_view k, std::string_view v) {
      if (k == "cost") range(v, node.startup_cost, node.total_cost);
      else if (k == "rows") node.plan_rows = to_double(v);
      else if (k == "width") node.plan_width = to_int(v);
    });
  }
  if (actual != std::string_view::npos) {
    each_kv(group(actual), [&](std::string_view k, std::string_view v) {
      if (k == "time") range(v, node.actual_startup_ms, node.actual_total_ms);
      else if (k == "rows") node.actual_rows = to_double(v);
      else if (k == "loops") node.actual_loops = to_double(v);
    });
  }
  if (never != std::string_view::npos) {
    node.never_executed = true;
    node.actual_rows = 0;
    node.actual_loops = 0;
  }
  return error;
}

}  // namespace pglens::plan::detail::text
