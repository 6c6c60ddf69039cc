// The log report: JSON (a summary that merges, plus what is derived from it) and text.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "catalog/names.hpp"
#include "log/log.hpp"
#include "pglens/report.hpp"
#include "source/json_string.hpp"

namespace pglens::log {
namespace {

constexpr int kSummaryVersion = 1;

std::string_view session_ids_name(SessionIds ids) {
  return ids == SessionIds::session ? "session" : ids == SessionIds::pid ? "pid" : "none";
}

std::vector<const Group*> by_total(const Summary& s) {
  std::vector<const Group*> out;
  for (const auto& [fp, g] : s.groups) out.push_back(&g);
  std::sort(out.begin(), out.end(), [](const Group* a, const Group* b) {
    if (a->total_us != b->total_us) return a->total_us > b->total_us;
    if (a->calls != b->calls) return a->calls > b->calls;
    return a->fingerprint < b->fingerprint;
  });
  return out;
}

int64_t total_us(const Summary& s) {
  int64_t t = 0;
  for (const auto& [fp, g] : s.groups)
    if (__builtin_add_overflow(t, g.total_us, &t)) return INT64_MAX;
  return t;
}

struct Capacity {
  bool known = false;
  double span_s = 0, busy_s = 0, active = 0, cores_now = 0, cores_growth = 0;
  int64_t pool = 0;
  std::vector<const Group*> dominating;  // the fewest fingerprints making 80 % of the load
};

Capacity capacity(const Summary& s, const ReportOptions& o) {
  Capacity c;
  if (s.first_us >= s.last_us || o.target_utilization <= 0) return c;
  c.known = true;
  c.span_s = static_cast<double>(s.last_us - s.first_us) / 1e6;
  c.busy_s = static_cast<double>(total_us(s)) / 1e6;
  c.active = c.busy_s / c.span_s;
  c.cores_now = c.active / o.target_utilization;
  c.cores_growth = c.active * o.growth / o.target_utilization;
  c.pool = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(c.cores_growth - 1e-9)));
  double sum = 0;
  for (const Group* g : by_total(s)) {
    if (sum >= 0.8 * c.busy_s || g->total_us == 0) break;
    c.dominating.push_back(g);
    sum += static_cast<double>(g->total_us) / 1e6;
  }
  return c;
}

std::vector<const DbStatement*> db_by_total(const Summary& s) {
  std::vector<const DbStatement*> out;
  for (const auto& [fp, d] : s.db_statements) out.push_back(&d);
  std::sort(out.begin(), out.end(), [](const DbStatement* a, const DbStatement* b) {
    if (a->total_ms != b->total_ms) return a->total_ms > b->total_ms;
    return a->fingerprint < b->fingerprint;
  });
  return out;
}

// Reads only: a write repeated with the same values is no cache candidate.
std::vector<const Repeat*> cache_candidates(const Group& g, uint64_t min) {
  std::vector<const Repeat*> out;
  if (g.utility || !g.select) return out;
  for (const auto& r : g.repeats)
    if (r.count >= min) out.push_back(&r);
  return out;
}

// Every cache candidate, the most repeated first.
std::vector<std::pair<const Group*, const Repeat*>> all_cache_candidates(const Summary& s, uint64_t min) {
  std::vector<std::pair<const Group*, const Repeat*>> out;
  for (const auto& [fp, g] : s.groups)
    for (const Repeat* r : cache_candidates(g, min)) out.emplace_back(&g, r);
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second->count > b.second->count; });
  return out;
}

void key(std::string& out, std::string_view name) {
  append_json_string(out, name);
  out.push_back(':');
}
void field(std::string& out, std::string_view name, std::string_view value) {
  key(out, name);
  append_json_string(out, value);
  out.push_back(',');
}
template <class N>
void number(std::string& out, std::string_view name, N value) {
  key(out, name);
  out += fmt::format("{}", value);
  out.push_back(',');
}
void time_field(std::string& out, std::string_view name, int64_t us) {
  key(out, name);
  out += us == INT64_MAX || us == INT64_MIN ? std::string("null") : fmt::format("{}", us);
  out.push_back(',');
}
void close(std::string& out, char c) {
  if (!out.empty() && out.back() == ',') out.pop_back();
  out.push_back(c);
}
double ms(double us) { return std::round(us) / 1000.0; }

// A percentile never above the largest call: the bucket's middle can be.
double percentile(const Group& g, double q) { return std::min(g.histogram.quantile(q), static_cast<double>(g.max_us)); }

std::vector<std::pair<std::string, std::string>> lint(const Group& g, const ReportOptions& o) {
  std::vector<std::pair<std::string, std::string>> out;
  if (o.lint && !g.utility && !g.worst.text.empty()) out = o.lint(g.worst.text);
  if (o.diagnose_plan && !g.plan.empty())
    for (auto& [rule, message] : o.diagnose_plan(g.plan)) out.emplace_back(std::move(rule), "plan: " + message);
  return out;
}

void write_summary(std::string& out, const Summary& s, const ReportOptions* derived) {
  number(out, "pglens_log_summary", kSummaryVersion);
  number(out, "relative_error", Histogram::kRelativeError);
  number(out, "lines", s.lines);
  number(out, "entries", s.entries);
  number(out, "statements", s.statements);
  number(out, "errors", s.errors);
  number(out, "untimed", s.untimed);
  number(out, "plans", s.plans);
  time_field(out, "first_us", s.first_us);
  time_field(out, "last_us", s.last_us);
  field(out, "session_ids", session_ids_name(s.session_ids));
  int64_t all = total_us(s);
  number(out, "total_us", all);
  key(out, "queries");
  out.push_back('[');
  size_t rank = 0;
  for (const Group* g : by_total(s)) {
    ++rank;
    out.push_back('{');
    field(out, "fingerprint", g->fingerprint);
    field(out, "query", g->query);
    number(out, "utility", g->utility);
    number(out, "select", g->select);
    number(out, "calls", g->calls);
    number(out, "timed_calls", g->timed_calls);
    number(out, "total_us", g->total_us);
    number(out, "max_us", g->max_us);
    time_field(out, "first_us", g->first_us);
    time_field(out, "last_us", g->last_us);
    if (derived) {
      number(out, "share", all ? static_cast<double>(g->total_us) / static_cast<double>(all) : 0.0);
      number(out, "mean_ms",
             g->timed_calls ? ms(static_cast<double>(g->total_us) / static_cast<double>(g->timed_calls)) : 0.0);
      number(out, "p50_ms", ms(percentile(*g, 0.5)));
      number(out, "p95_ms", ms(percentile(*g, 0.95)));
      number(out, "p99_ms", ms(percentile(*g, 0.99)));
      number(out, "p999_ms", ms(percentile(*g, 0.999)));
      if (rank <= derived->top) {
        key(out, "lint");
        out.push_back('[');
        for (const auto& [rule, message] : lint(*g, *derived)) {
          out.push_back('{');
          field(out, "rule", rule);
          field(out, "message", message);
          close(out, '}');
          out.push_back(',');
        }
        close(out, ']');
        out.push_back(',');
      }
    }
    key(out, "histogram");
    out.push_back('[');
    for (const auto& [index, n] : g->histogram.buckets()) out += fmt::format("[{},{}],", index, n);
    close(out, ']');
    out.push_back(',');
    key(out, "worst");
    out.push_back('{');
    number(out, "duration_us", g->worst.duration_us);
    number(out, "time_us", g->worst.time_us);
    field(out, "session", g->worst.session);
    field(out, "text", g->worst.text);
    field(out, "parameters", g->worst.parameters);
    close(out, '}');
    out.push_back(',');
    number(out, "plan_us", g->plan_us);
    field(out, "plan", g->plan);
    number(out, "rows", g->rows);
    number(out, "rows_calls", g->rows_calls);
    if (derived) {
      key(out, "rows_per_call");
      out += g->rows_calls ? fmt::format("{}", static_cast<double>(g->rows) / static_cast<double>(g->rows_calls))
                           : std::string("null");
      out.push_back(',');
    }
    key(out, "numeric_columns");
    out.push_back('[');
    for (const auto& c : g->numeric_columns) {
      append_json_string(out, c);
      out.push_back(',');
    }
    close(out, ']');
    out.push_back(',');
    key(out, "repeats");
    out.push_back('[');
    for (const auto& r : g->repeats) {
      out.push_back('{');
      field(out, "key", fmt::format("{:016x}", r.key));
      number(out, "count", r.count);
      field(out, "text", r.text);
      field(out, "parameters", r.parameters);
      close(out, '}');
      out.push_back(',');
    }
    close(out, ']');
    close(out, '}');
    out.push_back(',');
  }
  close(out, ']');
  out.push_back(',');
  key(out, "loops");
  out.push_back('[');
  for (const auto& [k, b] : s.bursts) {
    out.push_back('{');
    field(out, "kind", b.kind);
    field(out, "parent", b.parent);
    field(out, "child", b.child);
    number(out, "occurrences", b.occurrences);
    number(out, "calls", b.calls);
    number(out, "min_calls", b.min_calls);
    number(out, "max_calls", b.max_calls);
    number(out, "total_us", b.total_us);
    number(out, "example_calls", b.example_calls);
    number(out, "example_time_us", b.example_time_us);
    field(out, "example_session", b.example_session);
    field(out, "parent_text", b.parent_text);
    field(out, "child_text", b.child_text);
    field(out, "child_parameters", b.child_parameters);
    field(out, "rewrite", b.rewrite);
    field(out, "rewrite_parameter", b.rewrite_parameter);
    field(out, "rewrite_note", b.rewrite_note);
    field(out, "join_rewrite", b.join_rewrite);
    close(out, '}');
    out.push_back(',');
  }
  close(out, ']');
  out.push_back(',');
  key(out, "db_servers");
  out.push_back('[');
  for (const auto& server : s.db_servers) {
    append_json_string(out, server);
    out.push_back(',');
  }
  close(out, ']');
  out.push_back(',');
  time_field(out, "db_since_us", s.db_since_us);
  time_field(out, "db_until_us", s.db_until_us);
  key(out, "db_statements");
  out.push_back('[');
  for (const DbStatement* d : db_by_total(s)) {
    out.push_back('{');
    field(out, "fingerprint", d->fingerprint);
    field(out, "query", d->query);
    field(out, "queryid", d->queryid);
    number(out, "select", d->select);
    number(out, "utility", d->utility);
    number(out, "calls", d->calls);
    number(out, "total_ms", d->total_ms);
    number(out, "min_ms", d->min_ms);
    number(out, "max_ms", d->max_ms);
    number(out, "rows", d->rows);
    number(out, "shared_blks_hit", d->shared_blks_hit);
    number(out, "shared_blks_read", d->shared_blks_read);
    if (derived) {
      number(out, "mean_ms", d->calls ? d->total_ms / static_cast<double>(d->calls) : 0.0);
      number(out, "rows_per_call", d->calls ? static_cast<double>(d->rows) / static_cast<double>(d->calls) : 0.0);
      uint64_t blocks = d->shared_blks_hit + d->shared_blks_read;
      key(out, "hit_ratio");
      out += blocks ? fmt::format("{}", static_cast<double>(d->shared_blks_hit) / static_cast<double>(blocks))
                    : std::string("null");
      out.push_back(',');
    }
    key(out, "numeric_columns");
    out.push_back('[');
    for (const auto& c : d->numeric_columns) {
      append_json_string(out, c);
      out.push_back(',');
    }
    close(out, ']');
    close(out, '}');
    out.push_back(',');
  }
  close(out, ']');
  out.push_back(',');
}

std::string duration(double us) {
  if (us < 1000) return fmt::format("{:.3f} ms", us / 1000);
  if (us < 10'000) return fmt::format("{:.2f} ms", us / 1000);
  if (us < 1'000'000) return fmt::format("{:.1f} ms", us / 1000);
  if (us < 60'000'000) return fmt::format("{:.2f} s", us / 1e6);
  if (us < 3600e6) return fmt::format("{:.0f} min {:.0f} s", std::floor(us / 60e6), std::fmod(us / 1e6, 60));
  return fmt::format("{:.0f} h {:.0f} min", std::floor(us / 3600e6), std::fmod(us / 60e6, 60));
}

std::string clock(int64_t us) {
  if (us == INT64_MAX || us == INT64_MIN) return "?";
  int64_t s = us / 1000000;
  int64_t days = s / 86400, rem = s % 86400;
  if (rem < 0) rem += 86400, --days;
  // civil_from_days
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", y, m, d, rem / 3600, rem / 60 % 60, rem % 60);
}

std::string one_line(std::string_view s, size_t max) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == '\n' || c == '\t' || c == '\r' || c == ' ') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  if (out.size() > max) {
    size_t cut = max - 3;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out = out.substr(0, cut) + "...";
  }
  return terminal_safe(out);
}

// The distribution on one log scale for every query, 10 µs to 100 s, two cells a decade.
constexpr double kBarLo = 10, kBarHi = 100e6;
constexpr int kBarCells = 14;
std::string distribution_bar(const Histogram& h) {
  static const char* levels[] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  auto cells = h.cells(kBarLo, kBarHi, kBarCells);
  uint64_t top = *std::max_element(cells.begin(), cells.end());
  std::string out;
  for (uint64_t c : cells) {
    int level = top == 0 || c == 0
        ? 0
        : std::max(1, static_cast<int>(std::lround(8.0 * static_cast<double>(c) / static_cast<double>(top))));
    out += levels[level];
  }
  return out;
}

std::string count(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

}  // namespace

size_t finding_count(const Summary& s, uint64_t min, uint64_t many_rows) {
  size_t n = s.bursts.size();
  for (const auto& [fp, g] : s.groups) n += cache_candidates(g, min).empty() ? 0 : 1;
  return n + many_rows_findings(s, many_rows).size();
}

namespace {

// SELECT count(*) AS row_count, sum(t.c) AS c_sum ... FROM (<query>) AS t
std::string aggregate_rewrite(std::string_view query, const std::vector<std::string>& numeric) {
  std::string q(query);
  while (!q.empty() && (q.back() == ';' || q.back() == ' ' || q.back() == '\n' || q.back() == '\t')) q.pop_back();
  std::string out = "SELECT count(*) AS row_count";
  for (const auto& c : numeric)
    out += fmt::format(", sum(t.{}) AS {}", catalog::quote_ident(c), catalog::quote_ident(c + "_sum"));
  out += " FROM (" + q + ") AS t";
  return out;
}

}  // namespace

std::vector<ManyRows> many_rows_findings(const Summary& s, uint64_t min_rows) {
  std::vector<ManyRows> out;
  auto note = [](const std::string& query, const std::vector<std::string>& numeric) {
    if (!numeric.empty()) return std::string();
    auto columns = output_columns(query);
    std::vector<std::string> candidates;
    for (const auto& c : columns)
      if (c != "id" && !c.ends_with("_id")) candidates.push_back(c);
    if (candidates.empty()) return std::string("add sum() / avg() of the values the application adds up");
    return fmt::format(
        "add sum() / avg() of the values the application adds up (of {}: their types are known with --db)",
        fmt::join(candidates, ", "));
  };
  for (const auto& [fp, g] : s.groups) {
    if (!g.select || g.utility || g.rows_calls == 0) continue;
    double per_call = static_cast<double>(g.rows) / static_cast<double>(g.rows_calls);
    if (per_call < static_cast<double>(min_rows) || aggregates(g.query)) continue;
    std::string text = g.worst.text.empty() ? g.query : g.worst.text;
    out.push_back({fp, g.query, "auto_explain", g.rows_calls, per_call, aggregate_rewrite(text, g.numeric_columns),
                   note(text, g.numeric_columns)});
  }
  for (const auto& [fp, d] : s.db_statements) {
    if (!d.select || d.utility || d.calls == 0 || s.groups.contains(fp)) continue;
    double per_call = static_cast<double>(d.rows) / static_cast<double>(d.calls);
    if (per_call < static_cast<double>(min_rows) || aggregates(d.query)) continue;
    out.push_back({fp, d.query, "pg_stat_statements", d.calls, per_call, aggregate_rewrite(d.query, d.numeric_columns),
                   note(d.query, d.numeric_columns)});
  }
  std::sort(out.begin(), out.end(), [](const ManyRows& a, const ManyRows& b) {
    double ta = a.rows_per_call * static_cast<double>(a.calls), tb = b.rows_per_call * static_cast<double>(b.calls);
    return ta != tb ? ta > tb : a.fingerprint < b.fingerprint;
  });
  return out;
}

std::string summary_json(const Summary& s) {
  std::string out = "{";
  write_summary(out, s, nullptr);
  close(out, '}');
  out.push_back('\n');
  return out;
}

std::string report_json(const Summary& s, const ReportOptions& o) {
  std::string out = "{";
  write_summary(out, s, &o);
  Capacity c = capacity(s, o);
  key(out, "capacity");
  if (!c.known) {
    out += "null,";
  } else {
    out.push_back('{');
    number(out, "target_utilization", o.target_utilization);
    number(out, "growth", o.growth);
    number(out, "span_s", c.span_s);
    number(out, "busy_s", c.busy_s);
    number(out, "active_backends", c.active);
    number(out, "cores_now", c.cores_now);
    number(out, "cores_at_growth", c.cores_growth);
    number(out, "pool_size", c.pool);
    key(out, "dominating");
    out.push_back('[');
    for (const Group* g : c.dominating) {
      append_json_string(out, g->fingerprint);
      out.push_back(',');
    }
    close(out, ']');
    close(out, '}');
    out.push_back(',');
  }
  key(out, "many_rows");
  out.push_back('[');
  for (const auto& m : many_rows_findings(s, o.many_rows)) {
    out.push_back('{');
    field(out, "fingerprint", m.fingerprint);
    field(out, "query", m.query);
    field(out, "source", m.source);
    number(out, "calls", m.calls);
    number(out, "rows_per_call", m.rows_per_call);
    field(out, "rewrite", m.rewrite);
    field(out, "note", m.note);
    close(out, '}');
    out.push_back(',');
  }
  close(out, ']');
  out.push_back(',');
  key(out, "cache_candidates");
  out.push_back('[');
  for (const auto& [g, r] : all_cache_candidates(s, o.repeat_min)) {
    out.push_back('{');
    field(out, "fingerprint", g->fingerprint);
    number(out, "count", r->count);
    field(out, "text", r->text);
    field(out, "parameters", r->parameters);
    close(out, '}');
    out.push_back(',');
  }
  close(out, ']');
  close(out, '}');
  out.push_back('\n');
  return out;
}

std::optional<Summary> summary_from_json(std::string_view text, std::string& error) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error = "not JSON (write it with pglens log --format json)";
    return std::nullopt;
  }
  if (!j.contains("pglens_log_summary") || j["pglens_log_summary"] != kSummaryVersion) {
    error = "not a summary of pglens log (no \"pglens_log_summary\": 1; write it with pglens log --format json)";
    return std::nullopt;
  }
  if (j.value("relative_error", 0.0) != Histogram::kRelativeError) {
    error = "its histogram has another relative error than this pglens's";
    return std::nullopt;
  }
  try {
    Summary s;
    auto time = [](const nlohmann::json& v) -> std::optional<int64_t> {
      if (v.is_null()) return std::nullopt;
      return v.get<int64_t>();
    };
    s.lines = j.at("lines").get<uint64_t>();
    s.entries = j.at("entries").get<uint64_t>();
    s.statements = j.at("statements").get<uint64_t>();
    s.errors = j.at("errors").get<uint64_t>();
    s.untimed = j.at("untimed").get<uint64_t>();
    s.plans = j.at("plans").get<uint64_t>();
    s.first_us = time(j.at("first_us")).value_or(INT64_MAX);
    s.last_us = time(j.at("last_us")).value_or(INT64_MIN);
    std::string ids = j.at("session_ids").get<std::string>();
    s.session_ids = ids == "session" ? SessionIds::session : ids == "pid" ? SessionIds::pid : SessionIds::none;
    for (const auto& q : j.at("queries")) {
      Group g;
      g.fingerprint = q.at("fingerprint").get<std::string>();
      g.query = q.at("query").get<std::string>();
      g.utility = q.at("utility").get<bool>();
      g.select = q.at("select").get<bool>();
      g.calls = q.at("calls").get<uint64_t>();
      g.timed_calls = q.at("timed_calls").get<uint64_t>();
      g.total_us = q.at("total_us").get<int64_t>();
      g.max_us = q.at("max_us").get<int64_t>();
      g.first_us = time(q.at("first_us")).value_or(INT64_MAX);
      g.last_us = time(q.at("last_us")).value_or(INT64_MIN);
      g.plan_us = q.at("plan_us").get<int64_t>();
      g.plan = q.at("plan").get<std::string>();
      g.rows = q.value("rows", uint64_t{0});
      g.rows_calls = q.value("rows_calls", uint64_t{0});
      if (q.contains("numeric_columns"))
        for (const auto& c : q["numeric_columns"]) g.numeric_columns.push_back(c.get<std::string>());
      for (const auto& b : q.at("histogram")) {
        auto index = b.at(0).get<int32_t>();
        // Microseconds to centuries: any other index is no summary of ours.
        if (index != INT32_MIN && (index < 0 || index > Histogram::index_of(INT64_MAX)))
          throw std::runtime_error(fmt::format("histogram bucket {} out of range", index));
        g.histogram.add_index(index, b.at(1).get<uint64_t>());
      }
      const auto& w = q.at("worst");
      g.worst = {w.at("duration_us").get<int64_t>(), w.at("time_us").get<int64_t>(), w.at("session").get<std::string>(),
                 w.at("text").get<std::string>(), w.at("parameters").get<std::string>()};
      for (const auto& r : q.at("repeats")) {
        if (g.repeats.size() >= Group::kMaxRepeats) break;
        g.repeats.push_back({std::stoull(r.at("key").get<std::string>(), nullptr, 16), r.at("count").get<uint64_t>(),
                             r.at("text").get<std::string>(), r.at("parameters").get<std::string>()});
      }
      std::sort(g.repeats.begin(), g.repeats.end(), [](const Repeat& a, const Repeat& b) { return a.key < b.key; });
      if (g.histogram.count() != g.timed_calls)
        throw std::runtime_error("histogram counts do not add up to timed_calls");
      std::string fp = g.fingerprint;
      s.groups.emplace(std::move(fp), std::move(g));
    }
    for (const auto& l : j.at("loops")) {
      Burst b;
      b.kind = l.at("kind").get<std::string>();
      b.parent = l.at("parent").get<std::string>();
      b.child = l.at("child").get<std::string>();
      b.occurrences = l.at("occurrences").get<uint64_t>();
      b.calls = l.at("calls").get<uint64_t>();
      b.min_calls = l.at("min_calls").get<uint64_t>();
      b.max_calls = l.at("max_calls").get<uint64_t>();
      b.total_us = l.at("total_us").get<int64_t>();
      b.example_calls = l.at("example_calls").get<uint64_t>();
      b.example_time_us = l.at("example_time_us").get<int64_t>();
      b.example_session = l.at("example_session").get<std::string>();
      b.parent_text = l.at("parent_text").get<std::string>();
      b.child_text = l.at("child_text").get<std::string>();
      b.child_parameters = l.at("child_parameters").get<std::string>();
      b.rewrite = l.at("rewrite").get<std::string>();
      b.rewrite_parameter = l.at("rewrite_parameter").get<std::string>();
      b.rewrite_note = l.at("rewrite_note").get<std::string>();
      b.join_rewrite = l.value("join_rewrite", std::string());
      std::string k = fmt::format("{}:{}:{}", b.kind, b.parent, b.child);
      s.bursts.emplace(std::move(k), std::move(b));
    }
    if (j.contains("db_servers"))
      for (const auto& server : j["db_servers"]) s.db_servers.push_back(server.get<std::string>());
    if (j.contains("db_since_us")) s.db_since_us = time(j["db_since_us"]).value_or(INT64_MAX);
    if (j.contains("db_until_us")) s.db_until_us = time(j["db_until_us"]).value_or(INT64_MIN);
    if (j.contains("db_statements"))
      for (const auto& q : j["db_statements"]) {
        DbStatement d;
        d.fingerprint = q.at("fingerprint").get<std::string>();
        d.query = q.at("query").get<std::string>();
        d.queryid = q.at("queryid").get<std::string>();
        d.select = q.at("select").get<bool>();
        d.utility = q.at("utility").get<bool>();
        d.calls = q.at("calls").get<uint64_t>();
        d.total_ms = q.at("total_ms").get<double>();
        d.min_ms = q.at("min_ms").get<double>();
        d.max_ms = q.at("max_ms").get<double>();
        d.rows = q.at("rows").get<uint64_t>();
        d.shared_blks_hit = q.at("shared_blks_hit").get<uint64_t>();
        d.shared_blks_read = q.at("shared_blks_read").get<uint64_t>();
        for (const auto& c : q.at("numeric_columns")) d.numeric_columns.push_back(c.get<std::string>());
        std::string fp = d.fingerprint;
        s.db_statements.emplace(std::move(fp), std::move(d));
      }
    return s;
  } catch (const std::exception& e) {
    error = fmt::format("a summary field is missing or of the wrong type ({})", e.what());
    return std::nullopt;
  }
}

std::string report_text(const Summary& s, const ReportOptions& o) {
  std::string out;
  auto bold = [&](std::string_view t) { return o.color ? fmt::format("\x1b[1m{}\x1b[0m", t) : std::string(t); };
  auto dim = [&](std::string_view t) { return o.color ? fmt::format("\x1b[2m{}\x1b[0m", t) : std::string(t); };
  int64_t all = total_us(s);
  if (s.entries == 0 && !s.db_statements.empty()) {
    out += fmt::format("pg_stat_statements of {}\n", terminal_safe(fmt::format("{}", fmt::join(s.db_servers, ", "))));
  } else {
    out += fmt::format("{} statements ({} fingerprints) in {} entries", count(s.statements), count(s.groups.size()),
                       count(s.entries));
    if (s.first_us < s.last_us)
      out += fmt::format(", {} to {} ({})", clock(s.first_us), clock(s.last_us),
                         duration(static_cast<double>(s.last_us - s.first_us)));
    out += fmt::format("; {} of statement time\n", duration(static_cast<double>(all)));
  }
  if (s.untimed)
    out += fmt::format("{} statements were logged without a duration (turn on log_duration)\n", count(s.untimed));

  auto ordered = by_total(s);
  size_t shown = std::min(o.top, ordered.size());
  if (shown) {
    out += fmt::format("\n{}\n", bold(fmt::format("Top {} by total time", shown)));
    out += dim(fmt::format("  {:>3}  {:>10} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9}  {:<14}  (10 µs .. 100 s, ±{:.0f} %)\n",
                           "#", "total", "share", "calls", "p50", "p95", "p99", "max", "distribution",
                           Histogram::kRelativeError * 100));
    for (size_t i = 0; i < shown; ++i) {
      const Group& g = *ordered[i];
      double share = all ? 100.0 * static_cast<double>(g.total_us) / static_cast<double>(all) : 0;
      out += fmt::format("  {:>3}  {:>10} {:>5.1f}% {:>9} {:>9} {:>9} {:>9} {:>9}  {}\n", i + 1,
                         duration(static_cast<double>(g.total_us)), share, count(g.calls), duration(percentile(g, 0.5)),
                         duration(percentile(g, 0.95)), duration(percentile(g, 0.99)),
                         duration(static_cast<double>(g.max_us)), distribution_bar(g.histogram));
      out += fmt::format("       {}\n", one_line(g.query, 110));
      std::string rows;
      if (g.rows_calls)
        rows = fmt::format(
            " · {} rows/call (auto_explain, {} calls)",
            count(static_cast<uint64_t>(std::llround(static_cast<double>(g.rows) / static_cast<double>(g.rows_calls)))),
            count(g.rows_calls));
      else if (auto d = s.db_statements.find(g.fingerprint); d != s.db_statements.end() && d->second.calls)
        rows = fmt::format(" · {} rows/call (pg_stat_statements)",
                           count(static_cast<uint64_t>(std::llround(static_cast<double>(d->second.rows) /
                                                                    static_cast<double>(d->second.calls)))));
      out += dim(fmt::format("       {} · p99.9 {} · first {} · last {}{}\n", g.fingerprint,
                             duration(percentile(g, 0.999)), clock(g.first_us), clock(g.last_us), rows));
      if (g.worst.duration_us >= 0) {
        out += dim(fmt::format("       worst {} at {}{}: ", duration(static_cast<double>(g.worst.duration_us)),
                               clock(g.worst.time_us),
                               g.worst.session.empty() ? "" : " in session " + terminal_safe(g.worst.session)));
        out += one_line(g.worst.text, 100);
        if (!g.worst.parameters.empty()) out += " -- " + one_line(g.worst.parameters, 60);
        out += "\n";
      }
      for (const auto& [rule, message] : lint(g, o))
        out += fmt::format("       [{}] {}\n", rule, one_line(message, 110));
    }
  }

  std::vector<const Burst*> loops;
  for (const auto& [k, b] : s.bursts) loops.push_back(&b);
  std::sort(loops.begin(), loops.end(), [](const Burst* a, const Burst* b) {
    return std::tie(b->total_us, a->kind, a->child) < std::tie(a->total_us, b->kind, b->child);
  });
  for (const Burst* b : loops) {
    bool n1 = b->kind == "n+1";
    out += fmt::format("\n{} ", bold(n1 ? "N+1 queries:" : "Row-by-row INSERTs:"));
    out += fmt::format("{} loop{} of {}..{} calls ({} calls, {} in all)\n", count(b->occurrences),
                       b->occurrences == 1 ? "" : "s", count(b->min_calls), count(b->max_calls), count(b->calls),
                       duration(static_cast<double>(b->total_us)));
    if (!b->parent_text.empty()) out += fmt::format("  after      {}\n", one_line(b->parent_text, 110));
    out += fmt::format("  repeated   {}\n", one_line(b->child_text, 110));
    if (!b->child_parameters.empty()) out += fmt::format("             -- {}\n", one_line(b->child_parameters, 100));
    if (!b->example_session.empty())
      out += dim(fmt::format("  largest loop: {} calls at {} in session {}\n", count(b->example_calls),
                             clock(b->example_time_us), terminal_safe(b->example_session)));
    if (n1) {
      if (!b->rewrite.empty()) {
        out += fmt::format("  batch it:  {}\n", one_line(b->rewrite, 110));
        out +=
            fmt::format("             with the loop's values as one array: {}\n", one_line(b->rewrite_parameter, 80));
        out += fmt::format("             one round trip instead of {}{}\n", count(b->max_calls),
                           b->rewrite_note.empty() ? "" : "; " + b->rewrite_note);
        if (!b->join_rewrite.empty())
          out += fmt::format("  or join it to its parent, one round trip for both:\n             {}\n",
                             one_line(b->join_rewrite, 300));
      } else if (!b->rewrite_note.empty()) {
        out += fmt::format("  {}\n", b->rewrite_note);
      }
    } else {
      out +=
          "  load the rows with COPY, or one INSERT of many rows (INSERT ... SELECT * FROM unnest($1::int[], ...))\n";
    }
  }
  if (s.session_ids != SessionIds::session) {
    out += fmt::format("\n{} ", bold("Sessions:"));
    out += s.session_ids == SessionIds::pid
        ? "the log has process ids but no session ids: loops are followed per process id, which a new "
          "session may reuse. Add %c to log_line_prefix.\n"
        : "the log has no session id: N+1 loops and row-by-row loads cannot be found. Add %c to "
          "log_line_prefix (ALTER SYSTEM SET log_line_prefix = '%m [%p] %c '; SELECT pg_reload_conf();).\n";
  }
  for (const auto& m : many_rows_findings(s, o.many_rows)) {
    out += fmt::format("\n{} {} rows a call over {} calls ({}), and no aggregate\n", bold("Many rows shipped:"),
                       count(static_cast<uint64_t>(std::llround(m.rows_per_call))), count(m.calls), m.source);
    out += fmt::format("  {}\n", one_line(m.query, 110));
    out += "  if the application counts or adds these rows up, let the database do it:\n";
    out += fmt::format("  {}\n", one_line(m.rewrite, 200));
    if (!m.note.empty()) out += fmt::format("  {}\n", one_line(m.note, 160));
  }
  auto candidates = all_cache_candidates(s, o.repeat_min);
  if (candidates.size() > o.top) {
    out += fmt::format("\n{} cache candidates; the {} most repeated:\n", candidates.size(), o.top);
    candidates.resize(o.top);
  }
  for (const auto& [g, r] : candidates) {
    out += fmt::format("\n{} the same statement with the same parameters ran {} times\n", bold("Cache candidate:"),
                       count(r->count));
    out += fmt::format("  {}\n", one_line(r->text, 110));
    if (!r->parameters.empty()) out += fmt::format("  -- {}\n", one_line(r->parameters, 100));
  }

  if (!s.db_statements.empty()) {
    auto db = db_by_total(s);
    double db_total = 0;
    for (const DbStatement* d : db) db_total += d->total_ms;
    size_t n = std::min(o.top, db.size());
    out += fmt::format("\n{}", bold(fmt::format("pg_stat_statements: top {} by total time", n)));
    out += fmt::format(" ({} statements, {} of execution", count(db.size()), duration(db_total * 1000));
    if (s.db_since_us < s.db_until_us) {
      double span_us = static_cast<double>(s.db_until_us - s.db_since_us);
      out += fmt::format(" since {}, {}: L = {:.3f} active backends", clock(s.db_since_us), duration(span_us),
                         db_total * 1000 / span_us);
    }
    out += ")\n";
    out += dim(fmt::format("  {:>3}  {:>10} {:>6} {:>9} {:>9} {:>9} {:>11} {:>7}\n", "#", "total", "share", "calls",
                           "mean", "max", "rows/call", "hit %"));
    for (size_t i = 0; i < n; ++i) {
      const DbStatement& d = *db[i];
      double mean = d.calls ? d.total_ms / static_cast<double>(d.calls) : 0;
      uint64_t blocks = d.shared_blks_hit + d.shared_blks_read;
      out += fmt::format(
          "  {:>3}  {:>10} {:>5.1f}% {:>9} {:>9} {:>9} {:>11} {:>7}\n", i + 1, duration(d.total_ms * 1000),
          db_total > 0 ? 100 * d.total_ms / db_total : 0.0, count(d.calls), duration(mean * 1000),
          duration(d.max_ms * 1000),
          count(d.calls
                    ? static_cast<uint64_t>(std::llround(static_cast<double>(d.rows) / static_cast<double>(d.calls)))
                    : 0),
          blocks ? fmt::format("{:.1f}", 100.0 * static_cast<double>(d.shared_blks_hit) / static_cast<double>(blocks))
                 : std::string("-"));
      out += fmt::format("       {}\n", one_line(d.query, 110));
      out += dim(fmt::format("       {} · queryid {} · shared blocks {} hit, {} read\n", d.fingerprint, d.queryid,
                             count(d.shared_blks_hit), count(d.shared_blks_read)));
    }
    out += dim("  (pg_stat_statements keeps means, not percentiles: the log has the distribution)\n");
  }

  Capacity c = capacity(s, o);
  if (c.known) {
    out += fmt::format("\n{}\n", bold("Capacity"));
    out += fmt::format("  average active backends  L = Σ duration / span = {} / {} = {:.3f}   (Little's law)\n",
                       duration(c.busy_s * 1e6), duration(c.span_s * 1e6), c.active);
    out += fmt::format("  cores needed now          L / u = {:.3f} / {} = {:.2f}\n", c.active, o.target_utilization,
                       c.cores_now);
    out += fmt::format("  cores at {}x traffic      L × g / u = {:.3f} × {} / {} = {:.2f}\n", o.growth, c.active,
                       o.growth, o.target_utilization, c.cores_growth);
    out += fmt::format("  connection pool           ⌈L × g / u⌉ = {} busy connections keep the queue short\n", c.pool);
    out += dim("  (statement time includes I/O and lock waits: the cores are an upper bound when queries wait)\n");
    if (!c.dominating.empty()) {
      out += "  dominated by:";
      for (const Group* g : c.dominating)
        out +=
            fmt::format(" {} ({:.0f} %)", g->fingerprint, 100.0 * static_cast<double>(g->total_us) / (c.busy_s * 1e6));
      out += "\n";
    }
  }
  return out;
}

}  // namespace pglens::log
