// From entries to the summary: statements paired with their durations, grouped by
// fingerprint, and followed per session for loops (N+1, row-by-row INSERTs).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "log/log.hpp"

namespace pglens::log {
namespace {

constexpr double kGamma = (1 + Histogram::kRelativeError) / (1 - Histogram::kRelativeError);
const double kLogGamma = std::log(kGamma);

// Sums of durations saturate: a log of absurd durations must not overflow.
void add_to(int64_t& sum, int64_t v) {
  if (__builtin_add_overflow(sum, v, &sum)) sum = INT64_MAX;
}
void add_rows(uint64_t& sum, uint64_t v) {
  if (__builtin_add_overflow(sum, v, &sum)) sum = UINT64_MAX;
}

// "12.345" (ms) -> 12345 µs; -1 when it is no number.
int64_t parse_ms(std::string_view s, size_t& used) {
  size_t i = 0;
  int64_t whole = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    if (whole >= 1'000'000'000'000) return -1;  // 31 years: no duration
    whole = whole * 10 + (s[i++] - '0');
  }
  if (i == 0) return -1;
  int64_t us = whole * 1000;
  if (i < s.size() && s[i] == '.') {
    int64_t scale = 1000;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i)
      if (scale > 1) us += (s[i] - '0') * (scale /= 10);
      else if (scale == 1 && s[i] >= '5') scale = 0, ++us;  // rounds the fourth decimal
  }
  used = i;
  return us;
}

bool is_utility(std::string_view word) {
  static constexpr std::string_view words[] = {"begin",      "start",   "commit", "end",      "rollback", "abort",
                                               "savepoint",  "release", "set",    "show",     "reset",    "discard",
                                               "deallocate", "prepare", "listen", "unlisten", "notify",   "checkpoint",
                                               "vacuum",     "analyze", "lock"};
  for (auto w : words)
    if (word == w) return true;
  return false;
}

// A single-row INSERT ... VALUES (...): its key has exactly one row after VALUES.
bool single_row_insert(const Normalized& n) {
  if (n.first_word != "insert") return false;
  size_t v = n.key.find(" values (");
  if (v == std::string::npos) return false;
  int depth = 0;
  for (size_t i = v + 8; i < n.key.size(); ++i) {
    char c = n.key[i];
    if (c == '(') ++depth;
    else if (c == ')' && --depth == 0) return n.key.compare(i + 1, 2, ", ") != 0 && n.key.compare(i + 1, 1, ",") != 0;
  }
  return false;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// auto_explain's plans: the query they are of, and the rows their top node returned.

namespace {

size_t skip_space(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
  return i;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The JSON string starting at s[i] == '"', unescaped (PostgreSQL's escape_json, which
// escape_yaml also is).
std::string json_string(std::string_view s, size_t i) {
  std::string out;
  for (++i; i < s.size() && s[i] != '"'; ++i) {
    char c = s[i];
    if (c != '\\' || i + 1 >= s.size()) {
      out.push_back(c);
      continue;
    }
    char e = s[++i];
    switch (e) {
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case 'r': out.push_back('\r'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'u': {
        uint32_t cp = 0;
        size_t k = 0;
        for (; k < 4 && i + 1 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])); ++k, ++i) {
          char h = s[i + 1];
          cp = cp * 16 + static_cast<uint32_t>(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
        }
        append_utf8(out, cp);
        break;
      }
      default: out.push_back(e); break;
    }
  }
  return out;
}

// XML text with PostgreSQL's escape_xml undone (&amp; &lt; &gt; &quot; &apos; &#...;).
std::string xml_text(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    size_t semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) {
      out.push_back('&');
      continue;
    }
    std::string_view name = s.substr(i + 1, semi - i - 1);
    if (name == "amp") out.push_back('&');
    else if (name == "lt") out.push_back('<');
    else if (name == "gt") out.push_back('>');
    else if (name == "quot") out.push_back('"');
    else if (name == "apos") out.push_back('\'');
    else if (name.size() > 1 && name[0] == '#') {
      bool hex = name[1] == 'x' || name[1] == 'X';
      uint32_t cp = 0;
      for (char h : name.substr(hex ? 2 : 1)) {
        if (!std::isxdigit(static_cast<unsigned char>(h))) break;
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
      }
      append_utf8(out, std::min<uint32_t>(cp, 0x10FFFF));
    } else {
      out.push_back('&');
      continue;
    }
    i = semi;
  }
  return out;
}

// The digits at s[i..], as a count; nullopt when none.
std::optional<uint64_t> count_at(std::string_view s, size_t i) {
  i = skip_space(s, i);
  size_t b = i;
  uint64_t v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - b < 19) v = v * 10 + static_cast<uint64_t>(s[i++] - '0');
  if (i == b) return std::nullopt;
  return v;
}

}  // namespace

std::string plan_query_text(std::string_view plan) {
  size_t body = plan.find("plan:");
  body = skip_space(plan, body == std::string_view::npos ? 0 : body + 5);
  std::string_view p = plan.substr(body);
  if (p.starts_with("<")) {
    size_t b = p.find("<Query-Text>");
    if (b == std::string_view::npos) return {};
    b += 12;
    size_t e = p.find("</Query-Text>", b);
    return xml_text(p.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
  }
  if (p.starts_with("{") || p.starts_with("[")) {
    size_t b = p.find("\"Query Text\":");
    if (b == std::string_view::npos) return {};
    b = skip_space(p, b + 13);
    return b < p.size() && p[b] == '"' ? json_string(p, b) : std::string();
  }
  // TEXT or YAML: "Query Text: ..." (YAML quotes it as JSON does when it must).
  if (!p.starts_with("Query Text: ")) return {};
  size_t b = 12;
  if (b < p.size() && p[b] == '"') return json_string(p, b);
  // TEXT: up to the first plan line (the query may span lines; the plan's first line is
  // indented less than nothing, so the text runs to the last line before a node).
  return std::string(p.substr(b));
}

std::optional<uint64_t> plan_rows(std::string_view plan) {
  // The top node comes first in every format; its actual rows are the statement's.
  for (std::string_view key :
       {std::string_view("\"Actual Rows\":"), std::string_view("<Actual-Rows>"), std::string_view("Actual Rows:")}) {
    size_t at = plan.find(key);
    if (at != std::string_view::npos) return count_at(plan, at + key.size());
  }
  // TEXT: "(actual time=0.010..0.020 rows=12 loops=1)" or "(actual rows=12 loops=1)"
  size_t at = plan.find("(actual ");
  if (at == std::string_view::npos) return std::nullopt;
  size_t rows = plan.find("rows=", at);
  size_t close = plan.find(')', at);
  if (rows == std::string_view::npos || rows > close) return std::nullopt;
  return count_at(plan, rows + 5);
}

// ---------------------------------------------------------------------------------------
// Histogram

int32_t Histogram::index_of(int64_t value_us) {
  if (value_us <= 0) return INT32_MIN;
  return static_cast<int32_t>(std::ceil(std::log(static_cast<double>(value_us)) / kLogGamma - 1e-12));
}

double Histogram::value_of(int32_t index) {
  if (index == INT32_MIN) return 0;
  return 2 * std::pow(kGamma, index) / (kGamma + 1);
}

void Histogram::add(int64_t value_us, uint64_t n) { add_index(index_of(value_us), n); }

void Histogram::merge(const Histogram& other) {
  for (const auto& [index, n] : other.buckets()) add_index(index, n);
}

void Histogram::add_index(int32_t i, uint64_t n) {
  if (n == 0) return;
  count_ += n;
  if (i == INT32_MIN) {
    zero_ += n;
    return;
  }
  if (counts_.empty()) {
    offset_ = i;
    counts_.assign(1, 0);
  } else if (i < offset_) {
    counts_.insert(counts_.begin(), static_cast<size_t>(offset_ - i), 0);
    offset_ = i;
  } else if (static_cast<size_t>(i - offset_) >= counts_.size()) {
    counts_.resize(static_cast<size_t>(i - offset_) + 1, 0);
  }
  counts_[static_cast<size_t>(i - offset_)] += n;
}

double Histogram::quantile(double q) const {
  if (count_ == 0) return 0;
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  if (rank <= zero_) return 0;
  uint64_t seen = zero_;
  for (size_t k = 0; k < counts_.size(); ++k) {
    seen += counts_[k];
    if (seen >= rank) return value_of(offset_ + static_cast<int32_t>(k));
  }
  return value_of(offset_ + static_cast<int32_t>(counts_.size()) - 1);
}

std::vector<uint64_t> Histogram::cells(double lo_us, double hi_us, int n) const {
  std::vector<uint64_t> out(static_cast<size_t>(n), 0);
  double span = std::log(hi_us / lo_us);
  auto cell = [&](double v) {
    if (v <= lo_us) return 0;
    int c = static_cast<int>(std::log(v / lo_us) / span * n);
    return std::clamp(c, 0, n - 1);
  };
  out[0] += zero_;
  for (size_t k = 0; k < counts_.size(); ++k)
    if (counts_[k]) out[static_cast<size_t>(cell(value_of(offset_ + static_cast<int32_t>(k))))] += counts_[k];
  return out;
}

std::vector<std::pair<int32_t, uint64_t>> Histogram::buckets() const {
  std::vector<std::pair<int32_t, uint64_t>> out;
  if (zero_) out.emplace_back(INT32_MIN, zero_);
  for (size_t k = 0; k < counts_.size(); ++k)
    if (counts_[k]) out.emplace_back(offset_ + static_cast<int32_t>(k), counts_[k]);
  return out;
}

// ---------------------------------------------------------------------------------------
// Summary::merge

namespace {

// The worse of two examples: longer, then earlier, then the smaller text (deterministic,
// so a merge picks what the whole would have picked).
bool worse(const Example& a, const Example& b) {
  if (a.duration_us != b.duration_us) return a.duration_us > b.duration_us;
  if (a.time_us != b.time_us) return a.time_us < b.time_us;
  return std::tie(a.text, a.parameters, a.session) < std::tie(b.text, b.parameters, b.session);
}

// The repeats kept are the kMaxRepeats distinct (text, parameters) of smallest hash, sorted
// by it (a bottom-k sample): a key in the final sample is never evicted, so its count is
// whole, and which keys are kept depends neither on the order of the log nor on how it was
// cut and merged. `make` gives the text and parameters of a key not seen before.
template <class Make>
void add_repeat(Group& g, uint64_t key, uint64_t count, const Make& make) {
  auto it =
      std::lower_bound(g.repeats.begin(), g.repeats.end(), key, [](const Repeat& r, uint64_t k) { return r.key < k; });
  if (it != g.repeats.end() && it->key == key) {
    it->count += count;
    return;
  }
  if (g.repeats.size() >= Group::kMaxRepeats) {
    if (it == g.repeats.end()) return;  // above every key kept
    g.repeats.pop_back();
  }
  g.repeats.insert(it, make());
}

void add_repeat(Group& g, const Repeat& r) {
  add_repeat(g, r.key, r.count, [&] { return r; });
}

// Whether occurrence `b` is the burst's example rather than `than`'s: the largest, then the
// earliest (an order that does not depend on how the log was cut).
bool better_example(const Burst& b, const Burst& than) {
  return b.example_calls > than.example_calls ||
      (b.example_calls == than.example_calls &&
       std::tie(b.example_time_us, b.example_session) < std::tie(than.example_time_us, than.example_session));
}

void merge_burst(Burst& into, const Burst& b) {
  into.occurrences += b.occurrences;
  into.calls += b.calls;
  into.min_calls = into.min_calls ? std::min(into.min_calls, b.min_calls) : b.min_calls;
  into.max_calls = std::max(into.max_calls, b.max_calls);
  add_to(into.total_us, b.total_us);
  if (better_example(b, into)) {
    into.example_calls = b.example_calls;
    into.example_time_us = b.example_time_us;
    into.example_session = b.example_session;
    into.parent_text = b.parent_text;
    into.child_text = b.child_text;
    into.child_parameters = b.child_parameters;
    into.rewrite = b.rewrite;
    into.rewrite_parameter = b.rewrite_parameter;
    into.rewrite_note = b.rewrite_note;
    into.join_rewrite = b.join_rewrite;
  }
}

}  // namespace

void Summary::merge(Summary&& other) {
  lines += other.lines;
  entries += other.entries;
  statements += other.statements;
  errors += other.errors;
  untimed += other.untimed;
  plans += other.plans;
  inexact_sessions += other.inexact_sessions;
  localized += other.localized;
  first_us = std::min(first_us, other.first_us);
  last_us = std::max(last_us, other.last_us);
  session_ids = std::min(session_ids, other.session_ids);
  for (auto& [fp, g] : other.groups) {
    auto [it, inserted] = groups.try_emplace(fp);
    Group& mine = it->second;
    if (inserted) {
      mine = std::move(g);
      continue;
    }
    // The display text of the earliest call, as the whole log would have kept.
    if (g.first_us < mine.first_us || (g.first_us == mine.first_us && g.query < mine.query)) mine.query = g.query;
    mine.calls += g.calls;
    mine.timed_calls += g.timed_calls;
    add_to(mine.total_us, g.total_us);
    mine.max_us = std::max(mine.max_us, g.max_us);
    mine.first_us = std::min(mine.first_us, g.first_us);
    mine.last_us = std::max(mine.last_us, g.last_us);
    mine.histogram.merge(g.histogram);
    mine.rows_calls += g.rows_calls;
    add_rows(mine.rows, g.rows);
    if (mine.numeric_columns.empty()) mine.numeric_columns = std::move(g.numeric_columns);
    if (worse(g.worst, mine.worst)) mine.worst = g.worst;
    if (g.plan_us > mine.plan_us || (g.plan_us == mine.plan_us && g.plan_us >= 0 && g.plan < mine.plan)) {
      mine.plan = std::move(g.plan);
      mine.plan_us = g.plan_us;
    }
    for (const auto& r : g.repeats) add_repeat(mine, r);
  }
  for (auto& [key, b] : other.bursts) {
    auto [it, inserted] = bursts.try_emplace(key);
    if (inserted) it->second = std::move(b);
    else merge_burst(it->second, b);
  }
  for (auto& [fp, d] : other.db_statements) {
    auto [it, inserted] = db_statements.try_emplace(fp);
    DbStatement& mine = it->second;
    if (inserted) {
      mine = std::move(d);
      continue;
    }
    if (d.total_ms > mine.total_ms) {
      mine.query = d.query;
      mine.queryid = d.queryid;
    }
    mine.calls += d.calls;
    mine.total_ms += d.total_ms;
    if (d.min_ms >= 0) mine.min_ms = mine.min_ms < 0 ? d.min_ms : std::min(mine.min_ms, d.min_ms);
    mine.max_ms = std::max(mine.max_ms, d.max_ms);
    add_rows(mine.rows, d.rows);
    add_rows(mine.shared_blks_hit, d.shared_blks_hit);
    add_rows(mine.shared_blks_read, d.shared_blks_read);
    if (mine.numeric_columns.empty()) mine.numeric_columns = std::move(d.numeric_columns);
  }
  for (auto& server : other.db_servers) db_servers.push_back(std::move(server));
  db_since_us = std::min(db_since_us, other.db_since_us);
  db_until_us = std::max(db_until_us, other.db_until_us);
}

// ---------------------------------------------------------------------------------------
// The analyzer

struct Analyzer::Impl {
  Summary& summary;  // entry counts; statements go to *cur
  Summary* cur;      // the summary, or `scratch` while a chunk's session is in its prelude
  AnalysisOptions options;
  Fingerprints fingerprints;

  // -j over chunks of one file (AnalysisOptions::continuation): a session the chunk did not
  // see start may continue one of the chunk before. Its first entries (its prelude) are kept
  // and replayed by absorb() on the state the chunks before left; they are also run here on a
  // scratch summary, which builds the session's state from them alone. Once the session has
  // started three runs with no statement waiting for its duration, that state no longer
  // depends on what came before, and the chunk goes on with it.
  struct Prelude {
    std::vector<Entry> entries;
    bool synced = false;
  };
  Summary scratch;
  bool replaying = false;
  std::unordered_map<std::string, Prelude> preludes;
  std::vector<std::string> prelude_order;
  size_t prelude_bytes = 0;
  static constexpr size_t kMaxPreludeBytes = 64u << 20;

  // A statement logged by log_statement, waiting for its duration (log_duration).
  struct Waiting {
    std::string text;
    std::string parameters;
    int64_t time_us = 0;
  };

  // Calls of the current run of one fingerprint in a session.
  struct Call {
    std::string text;
    std::string parameters;
  };
  struct Session {
    std::optional<Waiting> waiting;
    std::string plan;        // auto_explain's, waiting for its statement
    std::string plan_query;  // its Query Text
    int64_t plan_us = -1;
    std::string last_fingerprint, last_text;  // the last statement, for a plan logged after it
    std::string previous;                     // fingerprint before the current run
    std::string previous_text;
    std::string run;  // fingerprint of the current run
    bool run_select = false;
    bool run_single_insert = false;
    uint64_t run_calls = 0;
    uint64_t run_starts = 0;
    int64_t run_us = 0;
    int64_t run_time_us = 0;
    bool run_varies = false;
    std::vector<Call> calls;  // the first kKeptCalls of the run, for its rewrite
    int64_t last_us = 0;
  };
  static constexpr size_t kKeptCalls = 1000;
  std::unordered_map<std::string, Session> sessions;

  Impl(Summary& s, const AnalysisOptions& o) : summary(s), cur(&s), options(o) {}

  static std::string session_key(const Entry& e) { return e.session.empty() ? e.pid : e.session; }

  void add(const Entry& e) {
    ++summary.entries;
    if (e.has_time) {
      summary.first_us = std::min(summary.first_us, e.time_us);
      summary.last_us = std::max(summary.last_us, e.time_us);
    }
    if (e.severity != "LOG") {
      if (e.severity == "ERROR" || e.severity == "FATAL" || e.severity == "PANIC") ++summary.errors;
      return;
    }
    std::string key = session_key(e);
    if (options.continuation) {
      auto [it, first] = preludes.try_emplace(key);
      if (first) prelude_order.push_back(key);
      Prelude& p = it->second;
      if (!p.synced) {
        p.entries.push_back(e);
        prelude_bytes += e.message.size() + e.detail.size() + sizeof(Entry);
        cur = &scratch;
        process(e, key);
        cur = &summary;
        auto s = sessions.find(key);
        if (e.message.starts_with("disconnection: ") ||
            (s != sessions.end() && s->second.run_starts >= 3 && !s->second.waiting))
          p.synced = true;
        else if (prelude_bytes > kMaxPreludeBytes) p.synced = true, ++summary.inexact_sessions;
        if (scratch.groups.size() > 10000) scratch.groups.clear();
        return;
      }
    }
    process(e, key);
  }

  // A LOG entry of session `key`.
  void process(const Entry& e, const std::string& key) {
    std::string_view m = e.message;
    if (m.starts_with("duration: ")) {
      size_t used = 0;
      int64_t us = parse_ms(m.substr(10), used);
      if (us < 0) return;
      std::string_view rest = m.substr(10 + used);
      if (!rest.starts_with(" ms")) return;
      rest.remove_prefix(3);
      if (rest.empty()) {
        // log_duration: the duration of the statement log_statement logged before it
        auto it = sessions.find(key);
        if (it == sessions.end() || !it->second.waiting) return;
        Waiting w = std::move(*it->second.waiting);
        it->second.waiting.reset();
        statement(key, e, w.text, w.parameters, us);
        return;
      }
      if (rest.starts_with("  statement: ")) {
        drop_waiting(key, rest.substr(13));
        statement(key, e, rest.substr(13), {}, us);
      } else if (rest.starts_with("  execute ")) {
        size_t colon = rest.find(": ");
        if (colon == std::string_view::npos) return;
        drop_waiting(key, rest.substr(colon + 2));
        statement(key, e, rest.substr(colon + 2), e.detail, us);
      } else if (rest.starts_with("  plan:")) {
        // auto_explain logs the plan when the executor ends: before its statement's
        // duration line (simple protocol), or after it (extended protocol, at the portal's
        // drop). A plan goes to a statement only when its Query Text is that statement.
        if (!replaying) ++summary.plans;
        Session& s = session(key, e);
        std::string query = plan_query_text(m);
        if (!s.last_fingerprint.empty() && !s.last_text.empty() && query.find(s.last_text) != std::string::npos) {
          attach_plan(s.last_fingerprint, m, us);
          s.last_fingerprint.clear();
        } else {
          s.plan.assign(m);
          s.plan_query = std::move(query);
          s.plan_us = us;
        }
      }
      // parse / bind steps of the extended protocol: the execute step is the statement
      return;
    }
    if (m.starts_with("statement: ")) {
      wait(key, e, m.substr(11), {});
    } else if (m.starts_with("execute ")) {
      size_t colon = m.find(": ");
      if (colon != std::string_view::npos) wait(key, e, m.substr(colon + 2), e.detail);
    } else if (m.starts_with("disconnection: ")) {
      auto it = sessions.find(key);
      if (it != sessions.end()) {
        end_run(it->second, key);
        sessions.erase(it);
      }
    } else if (!replaying && localized(m)) {
      ++summary.localized;
    }
  }

  // A statement's duration in a language the reader does not translate (translate.cpp reads
  // de, es, fr, it, ja, pt_BR, ru and zh_CN; these are the others PostgreSQL 15 ships, and
  // the known ones in case their entry did not read as one).
  static bool localized(std::string_view m) {
    static constexpr std::string_view words[] = {
        "실행시간: ", "수행시간: ", "varaktighet", "тривалість: ", "ხანგრძლივობა: ",      "Dauer: ",   "durée : ",
        "duración: ", "duração: ",  "durata: ",    "期間: ",       "продолжительность: ", "执行时间: "};
    for (auto w : words)
      if (m.starts_with(w)) return true;
    return false;
  }

  void wait(const std::string& key, const Entry& e, std::string_view text, std::string_view detail) {
    Session& s = session(key, e);
    if (s.waiting) {
      // logged without a duration (log_duration off)
      Waiting w = std::move(*s.waiting);
      s.waiting.reset();
      statement(key, e, w.text, w.parameters, -1);
    }
    s.waiting = Waiting{std::string(text), std::string(detail), e.time_us};
  }

  // log_statement and log_min_duration_statement both on: the duration line repeats the
  // statement, which is then counted once.
  void drop_waiting(const std::string& key, std::string_view text) {
    auto it = sessions.find(key);
    if (it != sessions.end() && it->second.waiting && it->second.waiting->text == text) it->second.waiting.reset();
  }

  Session& session(const std::string& key, const Entry& e) {
    auto [it, inserted] = sessions.try_emplace(key);
    if (inserted) {
      it->second.last_us = e.time_us;
      if (sessions.size() > 100000) {
        evict(e.time_us, key);
        it = sessions.find(key);
      }
    }
    return it->second;
  }

  // Sessions that never logged their disconnection: the idle ones end (never `keep`).
  void evict(int64_t now_us, const std::string& keep) {
    for (auto it = sessions.begin(); it != sessions.end();) {
      if (it->first != keep && now_us - it->second.last_us > 600'000'000 && !it->second.waiting) {
        end_run(it->second, it->first);
        it = sessions.erase(it);
      } else {
        ++it;
      }
    }
  }

  void statement(const std::string& key, const Entry& e, std::string_view text, std::string_view parameters,
                 int64_t us) {
    ++cur->statements;
    // What identifies a session: the weakest any statement of the log had.
    SessionIds ids = !e.session.empty() ? SessionIds::session : !e.pid.empty() ? SessionIds::pid : SessionIds::none;
    cur->session_ids = std::min(cur->session_ids, ids);
    Normalized n = normalize(text);
    const std::string& fp = fingerprints.of(n.key, text);
    auto [it, inserted] = cur->groups.try_emplace(fp);
    Group& g = it->second;
    if (inserted) {
      g.fingerprint = fp;
      g.query = n.display;
      g.utility = is_utility(n.first_word);
      g.select = n.first_word == "select" || n.first_word == "with" || n.first_word == "table";
    } else if (e.has_time && (e.time_us < g.first_us || (e.time_us == g.first_us && n.display < g.query))) {
      g.query = n.display;
    }
    ++g.calls;
    if (e.has_time) {
      g.first_us = std::min(g.first_us, e.time_us);
      g.last_us = std::max(g.last_us, e.time_us);
    }
    if (us >= 0) {
      ++g.timed_calls;
      add_to(g.total_us, us);
      g.max_us = std::max(g.max_us, us);
      g.histogram.add(us);
      if (us >= g.worst.duration_us) {
        Example candidate{us, e.time_us, key, std::string(text), std::string(parameter_text(parameters))};
        if (g.worst.duration_us < 0 || worse(candidate, g.worst)) g.worst = std::move(candidate);
      }
    } else {
      ++cur->untimed;
    }
    if (!g.utility) {
      std::string_view params = parameter_text(parameters);
      uint64_t k = hash_text(params, hash_text(text));
      add_repeat(g, k, 1, [&] { return Repeat{k, 1, std::string(text), std::string(params)}; });
    }
    {
      // Tracked from the first statement on, whatever came before: a chunk of a log (-j)
      // must pair its plans as the whole log does.
      Session& s = session(key, e);
      if (s.plan_us >= 0 && !text.empty() && s.plan_query.find(text) != std::string::npos) {
        attach_plan(g.fingerprint, s.plan, s.plan_us);
        s.last_fingerprint.clear();
      } else {
        s.last_fingerprint = g.fingerprint;
        s.last_text.assign(text);
      }
      if (s.plan_us >= 0) {
        s.plan.clear();
        s.plan_query.clear();
        s.plan_us = -1;
      }
    }
    follow(key, e, g, n, text, parameter_text(parameters), us);
  }

  // The slowest plan of a fingerprint (ties: the first); every plan's rows count.
  void attach_plan(const std::string& fingerprint, std::string_view plan, int64_t us) {
    // A chunk's session whose statement was in its prelude (counted on the scratch summary):
    // its plan goes to the group the replay of the prelude makes in the chunk before, which
    // this one (only the plan's figures) merges into.
    auto it = cur->groups.try_emplace(fingerprint).first;
    if (it->second.fingerprint.empty()) it->second.fingerprint = fingerprint;
    if (auto rows = plan_rows(plan)) {
      ++it->second.rows_calls;
      add_rows(it->second.rows, *rows);
    }
    // ties: the smaller text, an order that does not depend on the order of the log
    if (us < it->second.plan_us || (us == it->second.plan_us && plan >= it->second.plan)) return;
    it->second.plan.assign(plan);
    it->second.plan_us = us;
  }

  static std::string_view parameter_text(std::string_view detail) {
    size_t at = detail.find("parameters: ");
    if (at == std::string_view::npos) return {};
    std::string_view p = detail.substr(at + 12);
    return p.substr(0, p.find('\n'));
  }

  // The session's sequence: runs of one fingerprint after a parent.
  void follow(const std::string& key, const Entry& e, const Group& g, const Normalized& n, std::string_view text,
              std::string_view parameters, int64_t us) {
    if (key.empty()) return;  // no session id, no pid: sessions cannot be told apart
    if (g.utility) return;    // BEGIN / COMMIT around each call do not break a loop
    Session& s = session(key, e);
    s.last_us = e.time_us;
    if (s.run != g.fingerprint) {
      end_run(s, key);
      ++s.run_starts;
      s.run = g.fingerprint;
      s.run_select = g.select;
      s.run_single_insert = single_row_insert(n);
      s.run_calls = 0;
      s.run_us = 0;
      s.run_time_us = e.time_us;
      s.run_varies = false;
      s.calls.clear();
    }
    ++s.run_calls;
    if (us > 0) add_to(s.run_us, us);
    if (!s.calls.empty() && !s.run_varies && (s.calls.front().text != text || s.calls.front().parameters != parameters))
      s.run_varies = true;
    if (s.calls.size() < kKeptCalls) s.calls.push_back({std::string(text), std::string(parameters)});
  }

  void end_run(Session& s, std::string_view key) {
    if (!s.run.empty()) {
      bool loop = s.run_calls >= options.n_plus_one_min && s.run_varies;
      const char* kind = s.run_single_insert ? "row-by-row" : s.run_select ? "n+1" : nullptr;
      if (loop && kind) record(s, kind, key);
      s.previous = s.run;
      s.previous_text = s.calls.empty() ? std::string() : s.calls.front().text;
    }
    s.run.clear();
    s.calls.clear();
  }

  void record(const Session& s, const char* kind, std::string_view session_key) {
    std::string k = fmt::format("{}:{}:{}", kind, s.previous, s.run);
    Burst b;
    b.kind = kind;
    b.parent = s.previous;
    b.child = s.run;
    b.occurrences = 1;
    b.calls = s.run_calls;
    b.min_calls = b.max_calls = b.example_calls = s.run_calls;
    b.total_us = s.run_us;
    b.example_time_us = s.run_time_us;
    b.example_session.assign(session_key);
    b.parent_text = s.previous_text;
    b.child_text = s.calls.front().text;
    b.child_parameters = s.calls.front().parameters;
    auto [it, inserted] = cur->bursts.try_emplace(k);
    // Only the example shows a rewrite: the other occurrences are not worth its parses.
    if (b.kind == "n+1" && (inserted || better_example(b, it->second))) rewrite(s, b);
    if (inserted) it->second = std::move(b);
    else merge_burst(it->second, b);
  }

  // The batched statement: the one constant that differs from call to call, compared with
  // `=`, becomes `= ANY($n)`, $n an array of the values the loop sent one by one.
  static void rewrite(const Session& s, Burst& b) {
    const std::string& text = s.calls.front().text;
    Normalized first = normalize(text);
    auto values_of = [](const Call& call, const Normalized& n) {
      std::vector<std::optional<std::string>> values;
      auto params = parse_parameters(call.parameters);
      for (const auto& c : n.constants) {
        if (c.param)
          values.push_back(static_cast<size_t>(c.param) < params.size() ? params[static_cast<size_t>(c.param)]
                                                                        : std::nullopt);
        else values.emplace_back(call.text.substr(c.begin, c.end - c.begin));
      }
      return values;
    };
    auto base = values_of(s.calls.front(), first);
    std::vector<bool> varies(base.size(), false);
    std::vector<std::vector<std::optional<std::string>>> all;
    for (const auto& call : s.calls) {
      Normalized n = call.text == text ? first : normalize(call.text);
      if (n.constants.size() != first.constants.size()) {
        b.rewrite_note = "the calls differ in more than their constants; batch them by hand";
        return;
      }
      auto values = values_of(call, n);
      for (size_t i = 0; i < values.size(); ++i)
        if (values[i] != base[i]) varies[i] = true;
      all.push_back(std::move(values));
    }
    size_t which = SIZE_MAX, count = 0;
    for (size_t i = 0; i < varies.size(); ++i)
      if (varies[i]) which = i, ++count;
    if (count != 1) {
      b.rewrite_note = count == 0 ? "every call sends the same constants"
                                  : fmt::format(
                                        "{} constants change from call to call; batch them with unnest() of "
                                        "one array per constant",
                                        count);
      return;
    }
    const auto& c = first.constants[which];
    // Only `expr = constant`: the constant's left neighbour must be `=`.
    size_t before = c.begin;
    while (before > 0 && (text[before - 1] == ' ' || text[before - 1] == '\t' || text[before - 1] == '\n')) --before;
    if (before == 0 || text[before - 1] != '=' ||
        (before >= 2 && (text[before - 2] == '<' || text[before - 2] == '>' || text[before - 2] == '!'))) {
      b.rewrite_note = "the changing constant is not compared with `=`; batch the calls by hand";
      return;
    }
    int param = c.param;
    if (!param) {
      for (const auto& other : first.constants) param = std::max(param, other.param);
      ++param;
    }
    b.rewrite = text.substr(0, c.begin) + fmt::format("ANY(${})", param) + text.substr(c.end);
    // The array literal of the distinct values, in the order sent.
    std::string array = "{";
    std::vector<std::string> seen;
    for (const auto& values : all) {
      if (!values[which]) continue;
      std::string v = *values[which];
      if (!c.param && v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
        std::string unquoted;
        for (size_t i = 1; i + 1 < v.size(); ++i) {
          unquoted.push_back(v[i]);
          if (v[i] == '\'' && v[i + 1] == '\'') ++i;
        }
        v = std::move(unquoted);
      } else if (!c.param && !v.empty() && v.front() != '\'' && !(v[0] >= '0' && v[0] <= '9') && v[0] != '.' &&
                 v[0] != '-') {
        b.rewrite.clear();
        b.rewrite_note = "the changing constant is a typed or escaped literal; batch the calls by hand";
        return;
      }
      if (std::find(seen.begin(), seen.end(), v) != seen.end()) continue;
      seen.push_back(v);
      if (array.size() > 1) array.push_back(',');
      array.push_back('"');
      for (char ch : v) {
        if (ch == '"' || ch == '\\') array.push_back('\\');
        array.push_back(ch);
      }
      array.push_back('"');
    }
    array.push_back('}');
    b.rewrite_parameter = array;
    std::string select_key;
    // Which column says which row of the parent each row belongs to.
    size_t lhs_end = before - 1;
    while (lhs_end > 0 && text[lhs_end - 1] == ' ') --lhs_end;
    size_t lhs_begin = lhs_end;
    while (lhs_begin > 0 &&
           (std::isalnum(static_cast<unsigned char>(text[lhs_begin - 1])) || text[lhs_begin - 1] == '_' ||
            text[lhs_begin - 1] == '.' || text[lhs_begin - 1] == '"'))
      --lhs_begin;
    if (lhs_begin < lhs_end)
      b.rewrite_note = fmt::format("select {} too, to tell which {} row each result row belongs to",
                                   text.substr(lhs_begin, lhs_end - lhs_begin), b.parent.empty() ? "outer" : "parent");
    if (lhs_begin < lhs_end) join_rewrite(s, b, text, c, text.substr(lhs_begin, lhs_end - lhs_begin));
  }

  // The loop as one statement joined to its parent: the child's changing constant becomes the
  // parent's column it was read from (`user_id = parent.id`), the child a LATERAL subquery.
  // Only when that column is plain to see (the parent selects the child's column's name, or
  // `id` for a child's `<x>_id`) and the parent has no parameters (their values are not kept).
  static void join_rewrite(const Session& s, Burst& b, const std::string& text, const Normalized::Constant& c,
                           std::string_view lhs) {
    const std::string& parent = s.previous_text;
    if (parent.empty() || b.parent.empty()) return;
    Normalized p = normalize(parent);
    if (p.first_word != "select") return;
    for (const auto& k : p.constants)
      if (k.param) return;
    // The child's other parameters would take the parent's numbers: only its changing one.
    Normalized child = normalize(text);
    for (const auto& k : child.constants)
      if (k.param && !(k.begin == c.begin && k.end == c.end)) return;
    std::string column(lhs.substr(lhs.rfind('.') == std::string_view::npos ? 0 : lhs.rfind('.') + 1));
    if (column.size() >= 2 && column.front() == '"' && column.back() == '"')
      column = column.substr(1, column.size() - 2);
    auto columns = output_columns(parent);
    std::string join;
    for (const auto& name : columns)
      if (name == column) join = name;
    if (join.empty() && column.size() > 3 && column.ends_with("_id"))
      for (const auto& name : columns)
        if (name == "id") join = name;
    if (join.empty()) return;
    std::string parent_sql = parent;
    while (!parent_sql.empty() &&
           (parent_sql.back() == ';' || std::isspace(static_cast<unsigned char>(parent_sql.back()))))
      parent_sql.pop_back();
    std::string child_sql = text.substr(0, c.begin) + "parent." + catalog_ident(join) + text.substr(c.end);
    while (!child_sql.empty() &&
           (child_sql.back() == ';' || std::isspace(static_cast<unsigned char>(child_sql.back()))))
      child_sql.pop_back();
    b.join_rewrite =
        fmt::format("SELECT parent.{0} AS parent_{1}, child.* FROM ({2}) AS parent CROSS JOIN LATERAL ({3}) AS child",
                    catalog_ident(join), join, parent_sql, child_sql);
  }

  // An identifier as SQL writes it: bare when it is lower-case letters, digits and _.
  static std::string catalog_ident(const std::string& name) {
    bool bare = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
    for (char ch : name)
      if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) bare = false;
    if (bare) return name;
    std::string out = "\"";
    for (char ch : name) {
      if (ch == '"') out.push_back('"');
      out.push_back(ch);
    }
    return out + "\"";
  }

  // The next chunk of the same file, read by `chunk`: its preludes replayed on this state,
  // its summary merged, its sessions' states taken over.
  void absorb(Impl& chunk) {
    replaying = true;
    for (const auto& key : chunk.prelude_order) {
      auto& p = chunk.preludes[key];
      for (const Entry& e : p.entries) process(e, key);
      // the chunk went on from where its prelude left this session
      if (p.synced) sessions.erase(key);
    }
    replaying = false;
    for (auto& [key, s] : chunk.sessions) {
      auto p = chunk.preludes.find(key);
      if (p != chunk.preludes.end() && !p->second.synced) continue;  // replayed above
      sessions[key] = std::move(s);
    }
    chunk.sessions.clear();
    summary.merge(std::move(chunk.summary));
  }

  void finish() {
    for (auto& [key, s] : sessions) {
      end_run(s, key);
      if (s.waiting) {
        Waiting w = std::move(*s.waiting);
        s.waiting.reset();
        Entry e;
        e.time_us = w.time_us;
        e.has_time = true;
        statement(key, e, w.text, w.parameters, -1);
        end_run(s, key);
      }
    }
    sessions.clear();
  }
};

Analyzer::Analyzer(Summary& summary, const AnalysisOptions& options) : impl_(new Impl(summary, options)) {}
Analyzer::~Analyzer() { delete impl_; }
void Analyzer::add(const Entry& entry) { impl_->add(entry); }
void Analyzer::finish() { impl_->finish(); }
void Analyzer::absorb(Analyzer& next) { impl_->absorb(*next.impl_); }

}  // namespace pglens::log
