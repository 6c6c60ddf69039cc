// `pglens diff BEFORE AFTER`: two plans of one query (before and after an index, a rewrite,
// a setting) compared node to node: the speed-up, the shape changes, each node's change in
// time, rows, loops and buffers, and the findings gone and new.
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli.hpp"
#include "html/diff.hpp"
#include "html/diff_page.hpp"
#include "pglens/catalog.hpp"
#include "pglens/plan.hpp"
#include "pglens/plan_rules.hpp"
#include "pglens/report.hpp"
#include "plan/display.hpp"

namespace pglens::cli {
namespace {

using plan::Node;
using plan::Plan;

struct DiffArgs {
  std::string before, after;
  std::string format = "text";
  std::string color = "auto";
  std::string sql;
  std::string config;
  std::string db;
  std::string output;
};

// One side: its bytes, every plan in them and their findings. Plan i of BEFORE is compared
// with plan i of AFTER (a file of several: auto_explain logs, a script's EXPLAINs).
struct Side {
  std::string name;
  std::string bytes;
  plan::ReadResult read;
  std::vector<plan::Diagnosis> findings;
  const Plan& plan(size_t i = 0) const { return read.plans[i]; }
  size_t count() const { return read.plans.size(); }
};

bool load_side(const std::string& path, const std::string& sql, const Config& config, const Catalog& catalog,
               Side& side) {
  side.name = path == "-" ? "stdin" : path;
  if (auto err = read_bytes(path, side.bytes)) {
    fmt::print(stderr, "pglens: error: {}: {}\n", terminal_safe(side.name), *err);
    return false;
  }
  side.read = plan::read_plans(side.bytes);
  for (const auto& e : side.read.errors)
    fmt::print(stderr, "pglens: {}{}: {}\n", terminal_safe(side.name), e.line ? fmt::format(":{}", e.line) : "",
               terminal_safe(e.message));
  if (side.read.plans.empty()) {
    fmt::print(stderr, "pglens: error: {}: no plan found (paste EXPLAIN output: TEXT, JSON, YAML or XML)\n",
               terminal_safe(side.name));
    return false;
  }
  for (Plan& p : side.read.plans) {
    if (p.query_text.empty()) p.query_text = sql;
    side.findings.push_back(plan::diagnose(p, config, catalog));
  }
  return true;
}

// The plans of the longer side that have no counterpart, one line each.
std::vector<std::string> unpaired_plans(const Side& a, const Side& b) {
  std::vector<std::string> out;
  const Side& longer = a.count() > b.count() ? a : b;
  const Side& shorter = a.count() > b.count() ? b : a;
  for (size_t i = shorter.count(); i < longer.count(); ++i)
    out.push_back(fmt::format("{} plan {} ({}) has no counterpart: {} has {} plan{}",
                              &longer == &a ? "before" : "after", i + 1,
                              longer.plan(i).nodes.empty() ? "empty" : longer.plan(i).root().label(), shorter.name,
                              shorter.count(), shorter.count() == 1 ? "" : "s"));
  return out;
}

std::string finding_line(const diff::FindingChange& f) {
  return fmt::format("{}{}: {}", f.finding->rule, f.table.empty() ? "" : " on " + f.table, f.finding->message);
}

std::string render_text(const Side& a, const Side& b, const diff::PlanDiff& d, size_t i) {
  const Plan& pa = a.plan(i);
  const Plan& pb = b.plan(i);
  std::string out;
  std::string which = a.count() > 1 || b.count() > 1 ? fmt::format(" plan {}", i + 1) : "";
  out += fmt::format("Before: {}{}{}\n", a.name, which, d.timed ? "  " + plan::format_ms(d.before_ms) : "");
  out += fmt::format("After:  {}{}{}", b.name, which, d.timed ? "  " + plan::format_ms(d.after_ms) : "");
  if (d.speedup > 0)
    out += d.speedup >= 1 ? fmt::format("  {:.1f}x faster", d.speedup) : fmt::format("  {:.1f}x slower", 1 / d.speedup);
  else out += "  (no times on both sides: shapes and estimates only)";
  out += "\n";
  auto order = diff::pairs_in_order(pa, pb, d);
  std::string shapes;
  for (int k : order)
    if (const auto& p = d.pairs[static_cast<size_t>(k)]; p.changed_shape()) shapes += "  " + p.shape + "\n";
  out += shapes.empty() ? "\nPlan shape: the same (every node kept its kind)\n" : "\nPlan shape:\n" + shapes;
  out += "\nNode by node (after's tree; before → after):\n";
  for (int k : order) {
    const auto& p = d.pairs[static_cast<size_t>(k)];
    const Node& n = p.after >= 0 ? pb.nodes[static_cast<size_t>(p.after)] : pa.nodes[static_cast<size_t>(p.before)];
    std::string mark = p.after < 0 ? "-" : p.before < 0 ? "+" : p.changed_shape() ? "~" : " ";
    std::string label =
        p.after < 0 ? fmt::format("{} (before #{}, gone)", n.label(), n.id) : fmt::format("{} #{}", n.label(), n.id);
    out += fmt::format("{} {}{}  {}\n", mark, std::string(static_cast<size_t>(std::min(n.depth, 24)) * 2, ' '), label,
                       diff::pair_figures(pa, pb, p));
  }
  auto list = [&](const char* title, const std::vector<diff::FindingChange>& v) {
    if (v.empty()) return;
    out += fmt::format("\nFindings {} ({}):\n", title, v.size());
    for (const auto& f : v) out += "  " + finding_line(f) + "\n";
  };
  if (d.gone.empty() && d.appeared.empty()) out += "\nFindings: the same before and after\n";
  list("gone", d.gone);
  list("new", d.appeared);
  list("still there", d.kept);
  if (!d.notes.empty()) {
    out += "\nNot matched node to node:\n";
    for (const auto& n : d.notes) out += "  " + n + "\n";
  }
  return out;
}

nlohmann::ordered_json side_json(const Side& s, size_t i) {
  const Plan& p = s.plan(i);
  nlohmann::ordered_json j;
  j["file"] = s.name;
  if (s.count() > 1) j["plan"] = i + 1;
  j["analyzed"] = p.analyzed();
  if (p.timed()) j["total_time_ms"] = p.total_time_ms;
  if (p.bottleneck >= 0) j["bottleneck"] = p.nodes[static_cast<size_t>(p.bottleneck)].id;
  j["nodes"] = p.nodes.size();
  j["findings"] = s.findings[i].findings.size();
  return j;
}

nlohmann::ordered_json node_figures(const Plan& p, const Node& n) {
  nlohmann::ordered_json j;
  j["id"] = n.id;
  j["label"] = n.label();
  if (p.timed()) j["exclusive_time_ms"] = n.metrics.exclusive_time_ms;
  if (p.analyzed()) {
    j["rows"] = n.metrics.total_rows;
    j["loops"] = n.actual_loops.value_or(1);
  }
  j["exclusive_cost"] = n.metrics.exclusive_cost;
  if (n.buffers.present) {
    const auto& b = n.metrics.exclusive_buffers;
    j["buffers"] = {{"hit", b.total_hit()}, {"read", b.blocks_read()}, {"temp", b.temp_blocks()}};
  }
  return j;
}

nlohmann::ordered_json pair_json(const Side& a, const Side& b, const diff::PlanDiff& d, size_t i) {
  nlohmann::ordered_json j;
  j["before"] = side_json(a, i);
  j["after"] = side_json(b, i);
  j["speedup"] = d.speedup > 0 ? nlohmann::ordered_json(d.speedup) : nlohmann::ordered_json(nullptr);
  auto& pairs = j["nodes"] = nlohmann::ordered_json::array();
  for (int k : diff::pairs_in_order(a.plan(i), b.plan(i), d)) {
    const auto& p = d.pairs[static_cast<size_t>(k)];
    nlohmann::ordered_json pj;
    pj["change"] = p.after < 0 ? "gone" : p.before < 0 ? "added" : p.changed_shape() ? "changed" : "same";
    pj["before"] = p.before >= 0 ? node_figures(a.plan(i), a.plan(i).nodes[static_cast<size_t>(p.before)])
                                 : nlohmann::ordered_json(nullptr);
    pj["after"] = p.after >= 0 ? node_figures(b.plan(i), b.plan(i).nodes[static_cast<size_t>(p.after)])
                               : nlohmann::ordered_json(nullptr);
    if (!p.matched_by.empty()) pj["matched_by"] = p.matched_by;
    if (p.changed_shape()) pj["shape"] = p.shape;
    pairs.push_back(std::move(pj));
  }
  auto list = [](const std::vector<diff::FindingChange>& v) {
    auto arr = nlohmann::ordered_json::array();
    for (const auto& f : v)
      arr.push_back(
          {{"rule", f.finding->rule}, {"table", f.table}, {"message", f.finding->message}, {"ddl", f.finding->ddl}});
    return arr;
  };
  j["findings"] = {{"gone", list(d.gone)}, {"new", list(d.appeared)}, {"still_there", list(d.kept)}};
  j["notes"] = d.notes;
  return j;
}

// One pair: the document as it always was. Several: the first pair's document (so `.speedup`
// still reads the first), `plans` with every pair in order, and `unpaired`.
std::string render_json(const Side& a, const Side& b, const std::vector<diff::PlanDiff>& diffs,
                        const std::vector<std::string>& unpaired) {
  nlohmann::ordered_json j = pair_json(a, b, diffs[0], 0);
  if (diffs.size() > 1 || !unpaired.empty()) {
    j["paired"] = "plan i of before with plan i of after";
    auto& all = j["plans"] = nlohmann::ordered_json::array();
    for (size_t i = 0; i < diffs.size(); ++i) all.push_back(pair_json(a, b, diffs[i], i));
    j["unpaired"] = unpaired;
  }
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

int run_diff(const DiffArgs& args) {
  if (args.before == "-" && args.after == "-") {
    fmt::print(stderr, "pglens: error: only one of BEFORE and AFTER can be stdin (-)\n");
    return kExitError;
  }
  std::string sql;
  if (!args.sql.empty()) {
    if (auto err = read_bytes(args.sql, sql)) {
      fmt::print(stderr, "pglens: error: {}: {}\n", terminal_safe(args.sql), *err);
      return kExitError;
    }
  }
  Config config;
  if (!resolve_config(args.config,
                      args.after == "-" ? std::filesystem::current_path() : std::filesystem::path(args.after), config))
    return kExitError;
  Catalog catalog;
  if (auto err = build_catalog(config, {.db_url = args.db, .on_notice = print_notice}, catalog))
    fmt::print(stderr, "pglens: warning: no catalog ({}); suggestions come from the plan alone\n", terminal_safe(*err));
  Side a, b;
  if (!load_side(args.before, sql, config, catalog, a) || !load_side(args.after, sql, config, catalog, b))
    return kExitError;
  size_t n = std::min(a.count(), b.count());
  std::vector<diff::PlanDiff> diffs;
  for (size_t i = 0; i < n; ++i) diffs.push_back(diff::compare(a.plan(i), b.plan(i), a.findings[i], b.findings[i]));
  std::vector<std::string> unpaired = unpaired_plans(a, b);
  if (n > 1 || !unpaired.empty())
    fmt::print(stderr, "pglens: {} has {} plan{}, {} has {}: comparing plan i with plan i ({} pair{})\n",
               terminal_safe(a.name), a.count(), a.count() == 1 ? "" : "s", terminal_safe(b.name), b.count(), n,
               n == 1 ? "" : "s");
  for (const auto& u : unpaired) fmt::print(stderr, "pglens: warning: {}\n", terminal_safe(u));
  std::string out;
  if (args.format == "json") {
    out = render_json(a, b, diffs, unpaired);
  } else if (args.format == "html") {
    std::vector<html::DiffPair> pairs;
    for (size_t i = 0; i < n; ++i)
      pairs.push_back(
          {{a.name, a.bytes, a.plan(i), a.findings[i]}, {b.name, b.bytes, b.plan(i), b.findings[i]}, diffs[i]});
    out = html::diff_page(a.name, b.name, pairs, unpaired);
  } else {
    std::string text;
    for (size_t i = 0; i < n; ++i) {
      if (i) text += "\n" + std::string(72, '=') + "\n\n";
      text += render_text(a, b, diffs[i], i);
    }
    if (!unpaired.empty()) {
      text += "\nNot compared:\n";
      for (const auto& u : unpaired) text += "  " + u + "\n";
    }
    out = terminal_safe(text, true);
  }
  if (!args.output.empty()) {
    if (auto err = replace_file(args.output, out)) {
      fmt::print(stderr, "pglens: error: {}: {}\n", terminal_safe(args.output), *err);
      return kExitError;
    }
  } else {
    write_stdout(out);
  }
  // Worse after: a pair slower by more than a tenth, or with a finding the before plan did not have.
  bool worse = false;
  for (const auto& d : diffs) worse = worse || (d.speedup > 0 && d.speedup < 1 / 1.1) || !d.appeared.empty();
  return worse ? kExitFindings : kExitOk;
}

}  // namespace

void add_diff_command(CLI::App& app, Runner& run) {
  static DiffArgs args;
  auto* cmd = app.add_subcommand("diff", "Compare two EXPLAIN plans of one query: did my index help?");
  cmd->add_option("BEFORE", args.before, "The plan before the change (any format explain reads; `-` for stdin)")
      ->required();
  cmd->add_option("AFTER", args.after, "The plan after the change")->required();
  cmd->add_option("--format", args.format, "Output: text, json or html (one self-contained page)")
      ->check(CLI::IsMember({"text", "json", "html"}));
  cmd->add_option("-o,--output", args.output, "Write to this file (replaced atomically) instead of stdout");
  cmd->add_option("--sql", args.sql, "The query both plans belong to (for findings and the page)");
  cmd->add_option("--config", args.config, "Use this config file instead of the nearest .pglens.toml");
  cmd->add_option("--db", args.db, "Read the schema catalog from this PostgreSQL URL");
  cmd->footer(
      "Examples:\n"
      "  pglens diff before.txt after.txt                 speed-up, shape changes, node by node\n"
      "  pglens diff --format html -o diff.html before.json after.json\n"
      "  pglens diff --format json before.txt after.txt | jq .speedup\n"
      "\nThe trees are matched node to node by shape, relation and node type; a node without a\n"
      "counterpart is listed as gone or added, and where matching is unsure the output says so.\n"
      "Files with several plans: plan i of BEFORE is compared with plan i of AFTER, and a plan\n"
      "without a counterpart is named.\n"
      "\nExit codes: 0 compared, and the after plan is not worse; 1 the after plan is slower by more\n"
      "than 10 % or has a finding the before plan did not; 2 a plan could not be read (or a usage / I/O error).");
  cmd->callback([&run] { run = [] { return run_diff(args); }; });
}

}  // namespace pglens::cli
