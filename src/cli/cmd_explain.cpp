// `pglens explain [FILE|-]`: reads any pasted EXPLAIN output and answers in one glance —
// the tree with self times and shares, misestimates, the one detail per node that matters,
// and the bottleneck.
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "advise/advise.hpp"
#include "cli/cli.hpp"
#include "cli/explain_findings.hpp"
#include "html/plan_page.hpp"
#include "pglens/catalog.hpp"
#include "pglens/plan.hpp"
#include "pglens/plan_rules.hpp"
#include "pglens/report.hpp"
#include "plan/display.hpp"

namespace pglens::cli {
namespace {

using plan::bar;
using plan::format_count;
using plan::key_detail;
using plan::Node;
using plan::Plan;
using plan::shorten;

struct ExplainArgs {
  std::string input = "-";
  std::string format = "text";
  std::string color = "auto";
  std::string sql;
  std::string config;
  std::string db;
  std::string output;  // -o: written atomically instead of stdout
};

struct Style {
  bool on = false;
  std::string wrap(std::string_view code, std::string_view s) const {
    return on ? fmt::format("\x1b[{}m{}\x1b[0m", code, s) : std::string(s);
  }
  std::string bold(std::string_view s) const { return wrap("1", s); }
  std::string dim(std::string_view s) const { return wrap("2", s); }
  std::string red(std::string_view s) const { return wrap("31", s); }
  std::string yellow(std::string_view s) const { return wrap("33", s); }
  std::string cyan(std::string_view s) const { return wrap("36", s); }
};

void render_plan(const Plan& p, size_t index, size_t count, const Style& st, const plan::Diagnosis& findings,
                 std::string& out) {
  bool analyzed = p.analyzed();
  std::string head = count > 1 ? fmt::format("Plan {} of {}", index + 1, count) : std::string("Plan");
  bool timed = p.timed();
  head += fmt::format(" ({}{}", to_string(p.format),
                      !analyzed   ? ", estimates only"
                          : timed ? ", ANALYZE"
                                  : ", ANALYZE, TIMING OFF");
  if (p.execution_time_ms) head += ", execution " + format_ms(*p.execution_time_ms);
  if (p.planning_time_ms) head += ", planning " + format_ms(*p.planning_time_ms);
  if (p.log_duration_ms) head += ", logged duration " + format_ms(*p.log_duration_ms);
  head += ")";
  out += st.bold(head) + "\n";
  if (!p.query_text.empty()) out += st.dim("Query: " + shorten(p.query_text, 200)) + "\n";
  for (const Node& n : p.nodes) {
    const auto& m = n.metrics;
    bool hot = static_cast<int>(n.id - 1) == p.bottleneck;
    std::string line;
    if (analyzed && !timed) {
      // TIMING OFF: rows and loops were counted, times were not; 0 ms would be a lie.
      line += fmt::format("{:>9} {:>4} {} ", plan::node_time_text(n, timed), "", bar(0));
    } else if (analyzed) {
      std::string time = plan::node_time_text(n, timed);
      std::string b = bar(m.share);
      if (m.share >= 0.5) b = st.red(b);
      else if (m.share >= 0.1) b = st.yellow(b);
      line += fmt::format("{:>9} {:>4} {} ", time, fmt::format("{:.0f}%", m.share * 100), b);
    } else {
      line += fmt::format("{:>10} ", fmt::format("{:.1f}", m.exclusive_cost));
    }
    line.append(static_cast<size_t>(n.depth) * 3, ' ');
    if (!n.subplan_name.empty()) line += st.dim(n.subplan_name + ": ");
    std::string label = n.label();
    line += hot ? st.bold(st.red(label)) : st.bold(label);
    line += st.dim(fmt::format(" #{}", n.id));
    if (analyzed && n.actual_rows && !n.never_executed) {
      line += fmt::format("  rows {}", format_count(m.total_rows));
      if (n.plan_rows) line += fmt::format(" (est. {})", format_count(m.planned_total_rows));
      if (m.misestimate && *m.misestimate >= 10) {
        bool under = m.total_rows > m.planned_total_rows;
        line += " " +
            st.yellow(fmt::format("{}{:.0f}x {}", under ? "↑" : "↓", *m.misestimate,
                                  under ? "underestimated" : "overestimated"));
      }
      if (n.actual_loops && *n.actual_loops > 1) line += fmt::format("  loops {}", format_count(*n.actual_loops));
    } else if (n.plan_rows) {
      line += fmt::format("  est. rows {}", format_count(*n.plan_rows));
    }
    std::string detail = key_detail(n);
    if (!detail.empty()) line += "  " + st.cyan(detail);
    out += line + "\n";
  }
  if (analyzed) out += render_outside_tree_text(p, st.on);
  if (auto outside = outside_bottleneck(p)) {
    out += fmt::format("{} {} (outside the plan tree) — {:.0f}% of {}\n", st.bold("Bottleneck:"),
                       st.red(outside->label), outside->share * 100, format_ms(p.total_time_ms));
  } else if (p.bottleneck >= 0) {
    const Node& b = p.nodes[static_cast<size_t>(p.bottleneck)];
    if (timed && p.total_time_ms > 0 && p.bottleneck_append >= 0) {
      const Node& append = p.nodes[static_cast<size_t>(p.bottleneck_append)];
      out += fmt::format("{} {} (node {}) and the other {} members of {} (node {}) — {:.0f}% of {} together\n",
                         st.bold("Bottleneck:"), st.red(b.label()), b.id, append.children.size() - 1, append.label(),
                         append.id, p.bottleneck_append_share * 100, format_ms(p.total_time_ms));
    } else if (timed && p.total_time_ms > 0) {
      out += fmt::format("{} {} (node {}) — {:.0f}% of {}\n", st.bold("Bottleneck:"), st.red(b.label()), b.id,
                         b.metrics.share * 100, format_ms(p.total_time_ms));
    } else if (!timed && p.root().total_cost && *p.root().total_cost > 0) {
      out += fmt::format("{} {} (node {}) — {:.0f}% of the estimated cost {:.2f} ({})\n", st.bold("Costliest node:"),
                         st.red(b.label()), b.id, 100 * b.metrics.exclusive_cost / *p.root().total_cost,
                         *p.root().total_cost,
                         analyzed ? "TIMING OFF: no times, estimates only" : "no ANALYZE: estimates only");
    }
  }
  out += "\n" + render_findings_text(findings, st.on);
}

nlohmann::ordered_json buffers_json(const plan::Buffers& b) {
  return {{"shared_hit", b.shared_hit},         {"shared_read", b.shared_read},
          {"shared_dirtied", b.shared_dirtied}, {"shared_written", b.shared_written},
          {"local_hit", b.local_hit},           {"local_read", b.local_read},
          {"local_dirtied", b.local_dirtied},   {"local_written", b.local_written},
          {"temp_read", b.temp_read},           {"temp_written", b.temp_written}};
}

template <class T>
void put(nlohmann::ordered_json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}
void put(nlohmann::ordered_json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}
void put(nlohmann::ordered_json& j, const char* key, const std::vector<std::string>& v) {
  if (!v.empty()) j[key] = v;
}

nlohmann::ordered_json node_json(const Node& n) {
  nlohmann::ordered_json j;
  j["id"] = n.id;
  j["parent"] = n.parent >= 0 ? nlohmann::ordered_json(n.parent + 1) : nlohmann::ordered_json(nullptr);
  j["children"] = nlohmann::ordered_json::array();
  j["node_type"] = n.node_type;
  j["name"] = n.name();
  j["label"] = n.label();
  put(j, "strategy", n.strategy);
  put(j, "partial_mode", n.partial_mode);
  put(j, "operation", n.operation);
  put(j, "join_type", n.join_type);
  put(j, "command", n.command);
  put(j, "custom_provider", n.custom_provider);
  if (n.parallel_aware) j["parallel_aware"] = true;
  if (n.async_capable) j["async_capable"] = true;
  put(j, "scan_direction", n.scan_direction);
  put(j, "relation", n.relation);
  put(j, "schema", n.schema);
  put(j, "alias", n.alias);
  put(j, "index_name", n.index_name);
  put(j, "function_name", n.function_name);
  put(j, "cte_name", n.cte_name);
  put(j, "parent_relationship", n.parent_relationship);
  put(j, "subplan_name", n.subplan_name);
  put(j, "startup_cost", n.startup_cost);
  put(j, "total_cost", n.total_cost);
  put(j, "plan_rows", n.plan_rows);
  put(j, "plan_width", n.plan_width);
  put(j, "actual_startup_ms", n.actual_startup_ms);
  put(j, "actual_total_ms", n.actual_total_ms);
  put(j, "actual_rows", n.actual_rows);
  put(j, "actual_loops", n.actual_loops);
  if (n.never_executed) j["never_executed"] = true;
  put(j, "filter", n.filter);
  put(j, "index_cond", n.index_cond);
  put(j, "recheck_cond", n.recheck_cond);
  put(j, "hash_cond", n.hash_cond);
  put(j, "merge_cond", n.merge_cond);
  put(j, "join_filter", n.join_filter);
  put(j, "one_time_filter", n.one_time_filter);
  put(j, "tid_cond", n.tid_cond);
  put(j, "sort_key", n.sort_key);
  put(j, "group_key", n.group_key);
  put(j, "presorted_key", n.presorted_key);
  put(j, "output", n.output);
  put(j, "sort_method", n.sort_method);
  put(j, "sort_space_kb", n.sort_space_kb);
  put(j, "sort_space_type", n.sort_space_type);
  put(j, "hash_buckets", n.hash_buckets);
  put(j, "original_hash_buckets", n.original_hash_buckets);
  put(j, "hash_batches", n.hash_batches);
  put(j, "original_hash_batches", n.original_hash_batches);
  put(j, "peak_memory_kb", n.peak_memory_kb);
  put(j, "planned_partitions", n.planned_partitions);
  put(j, "disk_usage_kb", n.disk_usage_kb);
  put(j, "hashagg_batches", n.hashagg_batches);
  put(j, "rows_removed_by_filter", n.rows_removed_by_filter);
  put(j, "rows_removed_by_join_filter", n.rows_removed_by_join_filter);
  put(j, "rows_removed_by_index_recheck", n.rows_removed_by_index_recheck);
  put(j, "heap_fetches", n.heap_fetches);
  put(j, "exact_heap_blocks", n.exact_heap_blocks);
  put(j, "lossy_heap_blocks", n.lossy_heap_blocks);
  put(j, "workers_planned", n.workers_planned);
  put(j, "workers_launched", n.workers_launched);
  if (!n.workers.empty()) {
    auto& ws = j["workers"] = nlohmann::ordered_json::array();
    for (const auto& w : n.workers) {
      nlohmann::ordered_json wj;
      wj["number"] = w.number;
      put(wj, "actual_startup_ms", w.actual_startup_ms);
      put(wj, "actual_total_ms", w.actual_total_ms);
      put(wj, "actual_rows", w.actual_rows);
      put(wj, "actual_loops", w.actual_loops);
      put(wj, "sort_method", w.sort_method);
      put(wj, "sort_space_kb", w.sort_space_kb);
      put(wj, "sort_space_type", w.sort_space_type);
      if (w.buffers.present) wj["buffers"] = buffers_json(w.buffers);
      for (const auto& p : w.properties) wj["properties"][p.key] = p.value;
      ws.push_back(std::move(wj));
    }
  }
  if (n.buffers.present) j["buffers"] = buffers_json(n.buffers);
  if (n.io.present)
    j["io_timings_ms"] = {{"shared_read", n.io.shared_read_ms}, {"shared_write", n.io.shared_write_ms},
                          {"local_read", n.io.local_read_ms},   {"local_write", n.io.local_write_ms},
                          {"temp_read", n.io.temp_read_ms},     {"temp_write", n.io.temp_write_ms}};
  if (n.wal.present)
    j["wal"] = {
        {"records", n.wal.records}, {"fpi", n.wal.fpi}, {"bytes", n.wal.bytes}, {"buffers_full", n.wal.buffers_full}};
  put(j, "cache_hits", n.cache_hits);
  put(j, "cache_misses", n.cache_misses);
  put(j, "cache_evictions", n.cache_evictions);
  put(j, "cache_overflows", n.cache_overflows);
  put(j, "subplans_removed", n.subplans_removed);
  put(j, "index_searches", n.index_searches);
  if (n.disabled) j["disabled"] = true;
  if (!n.properties.empty()) {
    auto& props = j["properties"] = nlohmann::ordered_json::array();
    for (const auto& p : n.properties) props.push_back({{"key", p.key}, {"value", p.value}});
  }
  j["lines"] = {n.lines.first, n.lines.last};
  const auto& m = n.metrics;
  nlohmann::ordered_json mj;
  mj["total_time_ms"] = m.total_time_ms;
  mj["exclusive_time_ms"] = m.exclusive_time_ms;
  mj["share"] = m.share;
  mj["total_rows"] = m.total_rows;
  mj["planned_total_rows"] = m.planned_total_rows;
  put(mj, "misestimate", m.misestimate);
  put(mj, "removed_ratio", m.removed_ratio);
  mj["exclusive_cost"] = m.exclusive_cost;
  if (n.buffers.present) mj["exclusive_buffers"] = buffers_json(m.exclusive_buffers);
  j["metrics"] = std::move(mj);
  return j;
}

nlohmann::ordered_json plan_json(const Plan& p, const plan::Diagnosis& findings) {
  nlohmann::ordered_json j;
  j["format"] = std::string(to_string(p.format));
  j["analyzed"] = p.analyzed();
  put(j, "planning_time_ms", p.planning_time_ms);
  put(j, "execution_time_ms", p.execution_time_ms);
  j["total_time_ms"] = p.total_time_ms;
  put(j, "log_duration_ms", p.log_duration_ms);
  put(j, "query_text", p.query_text);
  if (auto outside = outside_bottleneck(p)) {
    j["bottleneck"] = {
        {"node", nullptr}, {"label", outside->label}, {"exclusive_time_ms", outside->ms}, {"share", outside->share}};
  } else if (p.bottleneck >= 0) {
    const Node& b = p.nodes[static_cast<size_t>(p.bottleneck)];
    j["bottleneck"] = {{"node", b.id},
                       {"label", b.label()},
                       {"exclusive_time_ms", b.metrics.exclusive_time_ms},
                       {"share", b.metrics.share}};
    if (p.bottleneck_append >= 0) {
      const Node& append = p.nodes[static_cast<size_t>(p.bottleneck_append)];
      j["bottleneck"]["append"] = {
          {"node", append.id}, {"members", append.children.size()}, {"share", p.bottleneck_append_share}};
    }
  } else {
    j["bottleneck"] = nullptr;
  }
  if (p.planning_buffers.present) j["planning_buffers"] = buffers_json(p.planning_buffers);
  put(j, "planning_memory_used_kb", p.planning_memory_used_kb);
  put(j, "planning_memory_allocated_kb", p.planning_memory_allocated_kb);
  put(j, "serialization_time_ms", p.serialization_time_ms);
  if (!p.triggers.empty()) {
    auto& ts = j["triggers"] = nlohmann::ordered_json::array();
    for (const auto& t : p.triggers) {
      nlohmann::ordered_json tj;
      put(tj, "name", t.name);
      put(tj, "constraint", t.constraint_name);
      put(tj, "relation", t.relation);
      put(tj, "time_ms", t.time_ms);
      put(tj, "calls", t.calls);
      if (t.time_ms && p.total_time_ms > 0) tj["share"] = std::min(1.0, *t.time_ms / p.total_time_ms);
      ts.push_back(std::move(tj));
    }
  }
  if (!p.settings.empty()) {
    auto& s = j["settings"] = nlohmann::ordered_json::object();
    for (const auto& kv : p.settings) s[kv.key] = kv.value;
  }
  if (p.jit.present) {
    nlohmann::ordered_json jj;
    put(jj, "functions", p.jit.functions);
    for (const auto& o : p.jit.options) jj["options"][o.key] = o.value;
    put(jj, "generation_ms", p.jit.generation_ms);
    put(jj, "inlining_ms", p.jit.inlining_ms);
    put(jj, "optimization_ms", p.jit.optimization_ms);
    put(jj, "emission_ms", p.jit.emission_ms);
    put(jj, "total_ms", p.jit.total_ms);
    j["jit"] = std::move(jj);
  }
  if (!p.properties.empty()) {
    auto& props = j["properties"] = nlohmann::ordered_json::array();
    for (const auto& kv : p.properties) props.push_back({{"key", kv.key}, {"value", kv.value}});
  }
  auto& nodes = j["nodes"] = nlohmann::ordered_json::array();
  for (const Node& n : p.nodes) nodes.push_back(node_json(n));
  for (const Node& n : p.nodes)
    for (int c : n.children) nodes[static_cast<size_t>(n.id - 1)]["children"].push_back(c + 1);
  // The plan rules' findings, by impact, and the index per table they add up to.
  nlohmann::ordered_json diagnosis = findings_json(findings);
  for (auto& [key, value] : diagnosis.items()) j[key] = value;
  return j;
}

// --db: the index each finding suggests is asked of the server's planner (HypoPG) for the
// plan's own query (embedded, or --sql), as `pglens lint --db` does: one it uses reads
// `verified` with the cost figures, one it would not use loses its DDL. Without --db, or with
// no index suggested, nothing is asked and nothing changes.
std::vector<advise::PlanVerdicts> verify_indexes(const ExplainArgs& args, const Config& config, const Catalog& catalog,
                                                 const std::vector<Plan>& plans,
                                                 std::vector<plan::Diagnosis>& findings) {
  std::vector<advise::PlanVerdicts> out(plans.size());
  auto asks_index = [](const plan::Diagnosis& d) {
    return std::any_of(d.findings.begin(), d.findings.end(),
                       [](const plan::Finding& f) { return f.ddl.find("CREATE INDEX") != std::string::npos; });
  };
  if (args.db.empty() || std::none_of(findings.begin(), findings.end(), asks_index)) return out;
  advise::Options options;
  options.search_path = config.search_path;
  options.statement_timeout_ms = static_cast<int>(config.database_statement_timeout_ms);
  std::string error;
  auto prover = advise::Session::open(database_url_for(config, args.db, true, nullptr), options, error);
  if (!prover) {
    print_notice(fmt::format("suggested indexes are not verified: {}", error));
    return out;
  }
  std::vector<std::string> said;  // each reason once, not once per plan
  for (size_t i = 0; i < plans.size(); ++i) {
    out[i] = advise::verify_plan_indexes(*prover, catalog, plans[i].query_text, findings[i]);
    const std::string& why = out[i].not_asked;
    if (why.empty() || std::find(said.begin(), said.end(), why) != said.end()) continue;
    said.push_back(why);
    if (why.starts_with("HypoPG"))
      print_notice(
          "suggested indexes are not verified: HypoPG is not installed on the server (CREATE EXTENSION hypopg, from "
          "the hypopg package for the server's version; see `pglens advise --help`)");
    else print_notice("suggested indexes are not verified: " + why);
  }
  return out;
}

// The planner's verdicts in a plan's JSON: `verified`, `cost_before`, `cost_after` on each
// finding and merged index it was asked about.
void add_verdicts(nlohmann::ordered_json& plan, const advise::PlanVerdicts& verdicts) {
  auto put_verdict = [](nlohmann::ordered_json& j, const IndexVerdict& v) {
    j["verified"] = v.used;
    j["cost_before"] = v.cost_before;
    j["cost_after"] = v.cost_after;
  };
  for (const auto& [i, v] : verdicts.findings)
    if (i < plan["findings"].size()) put_verdict(plan["findings"][i], v);
  for (const auto& [i, v] : verdicts.indexes)
    if (i < plan["indexes"].size()) put_verdict(plan["indexes"][i], v);
}

int run_explain(const ExplainArgs& args) {
  std::string bytes;
  if (auto err = read_bytes(args.input, bytes)) {
    print_path_error(args.input == "-" ? "stdin" : args.input, *err);
    return kExitError;
  }
  std::string sql;
  if (!args.sql.empty()) {
    if (auto err = read_bytes(args.sql, sql)) {
      print_path_error(args.sql, *err);
      return kExitError;
    }
  }
  Config config;
  std::filesystem::path near = args.input == "-" ? std::filesystem::current_path() : std::filesystem::path(args.input);
  if (!resolve_config(args.config, near, config)) return kExitError;

  plan::ReadResult result = plan::read_plans(bytes);
  for (auto& p : result.plans)
    if (p.query_text.empty() && !sql.empty()) p.query_text = sql;
  // The schema, when the config or --db names one: real columns and existing indexes.
  Catalog catalog;
  if (auto err = build_catalog(config, {.db_url = args.db, .on_notice = print_notice}, catalog))
    fmt::print(stderr, "pglens: warning: no catalog ({}); suggestions come from the plan alone\n", *err);
  std::vector<plan::Diagnosis> findings;
  for (const auto& p : result.plans) findings.push_back(plan::diagnose(p, config, catalog));
  std::vector<advise::PlanVerdicts> verdicts = verify_indexes(args, config, catalog, result.plans, findings);

  std::string name = args.input == "-" ? "stdin" : args.input;
  for (const auto& e : result.errors) {
    if (e.line) fmt::print(stderr, "pglens: {}:{}: {}\n", terminal_safe(name), e.line, terminal_safe(e.message));
    else fmt::print(stderr, "pglens: {}: {}\n", terminal_safe(name), terminal_safe(e.message));
  }
  std::string out;
  if (args.format == "json") {
    nlohmann::ordered_json j;
    j["file"] = name;
    j["format"] = result.format ? nlohmann::ordered_json(std::string(to_string(*result.format)))
                                : nlohmann::ordered_json(nullptr);
    auto& plans = j["plans"] = nlohmann::ordered_json::array();
    for (size_t i = 0; i < result.plans.size(); ++i) {
      plans.push_back(plan_json(result.plans[i], findings[i]));
      add_verdicts(plans.back(), verdicts[i]);
    }
    auto& errors = j["errors"] = nlohmann::ordered_json::array();
    for (const auto& e : result.errors) errors.push_back({{"line", e.line}, {"message", e.message}});
    out = j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  } else if (args.format == "html") {
    out = html::plan_page(
        {.source_name = name, .input = bytes, .plans = result.plans, .diagnoses = findings, .errors = result.errors});
  } else {
    Style st{args.output.empty() && use_color(args.color, STDOUT_FILENO)};
    for (size_t i = 0; i < result.plans.size(); ++i) {
      if (i) out += "\n";
      render_plan(result.plans[i], i, result.plans.size(), st, findings[i], out);
    }
    // Plans quote the query's text and names: shown safe for the terminal (report.hpp).
    out = terminal_safe_styled(out, st.on);
  }
  if (!args.output.empty()) {
    if (auto err = replace_file(args.output, out)) {
      fmt::print(stderr, "pglens: error: {}: {}\n", terminal_safe(args.output), *err);
      return kExitError;
    }
  } else {
    write_stdout(out);
  }
  return result.plans.empty() ? kExitError : kExitOk;
}

}  // namespace

void add_explain_command(CLI::App& app, Runner& run) {
  static ExplainArgs args;
  auto* cmd =
      app.add_subcommand("explain", "Read an EXPLAIN plan (any format, pasted from anywhere) and name its bottleneck");
  cmd->add_option("FILE", args.input,
                  "The plan: TEXT, JSON, YAML or XML, psql/pgAdmin/log paste; `-` or nothing reads stdin");
  cmd->add_option("--format", args.format, "Output: text, json or html (one self-contained page)")
      ->check(CLI::IsMember({"text", "json", "html"}));
  cmd->add_option("-o,--output", args.output, "Write to this file (replaced atomically) instead of stdout");
  cmd->add_option("--color", args.color, "auto, always or never")->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_option("--sql", args.sql, "Attach this query text to plans that do not carry one");
  cmd->add_option("--config", args.config, "Use this config file instead of the nearest .pglens.toml");
  cmd->add_option("--db", args.db,
                  "Read the schema catalog from this PostgreSQL URL: existing indexes are not suggested again; with "
                  "HypoPG, each suggested index is asked of the planner for the plan's query (embedded or --sql)");
  cmd->footer(
      "Examples:\n"
      "  psql -XqAt -c 'EXPLAIN (ANALYZE, BUFFERS) SELECT ...' | pglens explain\n"
      "  pglens explain slow-plan.txt               a plan pasted from psql, pgAdmin, a log or chat\n"
      "  pglens explain --sql query.sql plan.json   with the query it belongs to\n"
      "  pglens explain --format json plan.txt | jq '.plans[0].bottleneck'\n"
      "  pglens explain --format html -o plan.html plan.txt   a page to open anywhere (loads nothing)\n"
      "\nThe format (TEXT, JSON, YAML, XML; PostgreSQL 12-18) is detected; psql frames, '+' marks,\n"
      "quoting, CRLF and hard line wraps are undone; auto_explain logs with several plans are read whole.\n"
      "\nExit codes: 0 a plan was read, 2 nothing could be read (or a usage / I/O error).");
  cmd->callback([&run] { run = [] { return run_explain(args); }; });
}

}  // namespace pglens::cli
