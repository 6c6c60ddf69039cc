#include "advise/advise.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "catalog/index_advisor.hpp"
#include "catalog/names.hpp"
#include "db/connection.hpp"
#include "pglens/plan.hpp"
#include "pglens/plan_rules.hpp"
#include "sql/lexer.hpp"
#include "sql/parser.hpp"
#include "sql/pg_names.hpp"

namespace pg = pglens::sql::pg;

namespace pglens::advise {
namespace {

// A written row costs each index one index tuple: about one page touched. Charged in the
// planner's units (seq_page_cost = 1) so it can be set against the cost the index saves.
constexpr double kUpkeepPerWrittenRow = 1.0;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct PlanFacts {
  double cost = 0;
  std::vector<std::string> indexes;  // every index a node reads
  plan::Plan plan;
};

std::optional<PlanFacts> read_plan(const std::string& json) {
  auto read = plan::read_plans(json);
  if (read.plans.empty() || read.plans.front().nodes.empty()) return std::nullopt;
  PlanFacts f;
  f.plan = std::move(read.plans.front());
  f.cost = f.plan.root().total_cost.value_or(0);
  for (const auto& n : f.plan.nodes)
    if (!n.index_name.empty()) f.indexes.push_back(n.index_name);
  return f;
}

int64_t shared_blocks(const plan::Plan& p) {
  if (p.nodes.empty()) return 0;
  return p.root().buffers.shared_hit + p.root().buffers.shared_read;
}

std::string kind_of(const std::string& sql) {
  sql::Parser parser;
  auto stmt = parser.parse_one(sql);
  if (!stmt) return "other";
  if (stmt->is(pg::SelectStmt)) return stmt->list(pg::intoClause).size() ? "other" : "select";
  if (stmt->is(pg::InsertStmt)) return "insert";
  if (stmt->is(pg::UpdateStmt)) return "update";
  if (stmt->is(pg::DeleteStmt)) return "delete";
  return "other";
}

std::string concat_rows(const db::QueryResult& r) {
  std::string out;
  for (const auto& row : r.rows) out += row.at(0) + "\n";
  return out;
}

std::string percent(double share) { return fmt::format("{:.1f}%", share * 100); }

}  // namespace

// ---------------------------------------------------------------------------------------
// Session

Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

db::Connection& Session::connection() { return *conn_; }
int Session::server_version() const { return conn_->server_version(); }
std::string Session::describe() const { return conn_->endpoint().describe(); }

std::optional<Session> Session::open(const std::string& url, const Options& options, std::string& error) {
  auto conn = db::Connection::open(url, 10, options.statement_timeout_ms, error);
  if (!conn) return std::nullopt;
  Session s;
  s.conn_ = std::make_unique<db::Connection>(std::move(*conn));
  s.options_ = options;
  std::vector<std::string> path;
  for (const auto& p : options.search_path) path.push_back(catalog::quote_ident(p));
  // The user's queries name their tables unqualified, as the application runs them: they are
  // planned with the project's search path (pg_catalog still first), set only inside the
  // transaction that plans them. pglens's own queries keep the session's empty path.
  s.search_path_sql_ =
      "SET LOCAL search_path = " + (path.empty() ? std::string("''") : fmt::format("{}", fmt::join(path, ", ")));
  auto ext = s.conn_->query(
      "SELECT n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace "
      "WHERE e.extname = 'hypopg'",
      {}, error);
  if (!ext) return std::nullopt;
  if (!ext->rows.empty()) s.hypopg_schema_ = catalog::quote_ident(ext->rows[0].at(0));
  return s;
}

bool Session::run_in_read_only(const std::function<bool()>& body, std::string& error) {
  std::string ignored;
  if (!conn_->execute("BEGIN READ ONLY", error)) return false;
  bool ok = conn_->execute(search_path_sql_, error) && body();
  // Read-only: nothing to keep. HypoPG's indexes are backend-local and not transactional:
  // reset them outside the transaction too, so a failed statement leaves none behind.
  conn_->execute("ROLLBACK", ignored);
  if (has_hypopg()) conn_->execute(fmt::format("SELECT {}.hypopg_reset()", hypopg_schema_), ignored);
  if (!ok) conn_->execute("DEALLOCATE ALL", ignored);
  return ok;
}

std::optional<Session::Explained> Session::explain(const std::string& sql, const std::vector<std::string>& hypothetical,
                                                   std::string& error) {
  Explained out;
  int params = parameter_count(sql);
  out.generic = params > 0;
  bool ok = run_in_read_only(
      [&] {
        // hypopg_create_index works in a READ ONLY transaction (and on a standby): it keeps
        // the index in the backend's memory and writes nothing, so it needs no isolation.
        for (const auto& stmt : hypothetical) {
          auto made =
              conn_->query(fmt::format("SELECT h.indexrelid, h.indexname, {0}.hypopg_relation_size(h.indexrelid) "
                                       "FROM {0}.hypopg_create_index($1) h",
                                       hypopg_schema_),
                           {stmt}, error);
          if (!made) return false;
          for (const auto& r : made->rows) {
            out.hypothetical_names.push_back(r.at(1));
            out.hypothetical_bytes += std::stoll(r.at(2).empty() ? "0" : r.at(2));
          }
        }
        std::optional<db::QueryResult> plan;
        if (!out.generic) {
          plan = conn_->query("EXPLAIN (FORMAT JSON) " + sql, {}, error);
        } else if (conn_->server_version() >= 160000) {
          plan = conn_->query("EXPLAIN (GENERIC_PLAN, FORMAT JSON) " + sql, {}, error);
        } else {
          // Before 16: a prepared statement forced to its generic plan, executed with NULLs
          // (the generic plan never looks at the values).
          std::vector<std::string> nulls(static_cast<size_t>(params), "NULL");
          if (!conn_->execute("PREPARE pglens_advise AS " + sql, error)) return false;
          if (!conn_->execute("SET LOCAL plan_cache_mode = force_generic_plan", error)) return false;
          plan = conn_->query(fmt::format("EXPLAIN (FORMAT JSON) EXECUTE pglens_advise({})", fmt::join(nulls, ", ")),
                              {}, error);
          std::string ignored;
          conn_->execute("DEALLOCATE pglens_advise", ignored);
        }
        if (!plan) return false;
        out.json = concat_rows(*plan);
        return true;
      },
      error);
  if (!ok) return std::nullopt;
  auto facts = read_plan(out.json);
  if (!facts) {
    error = "the server's EXPLAIN output could not be read";
    return std::nullopt;
  }
  out.cost = facts->cost;
  return out;
}

std::optional<std::string> Session::analyze_rolled_back(const std::string& sql,
                                                        const std::vector<std::string>& real_ddl, std::string& error) {
  std::string ignored;
  // The session is read-only by default; this one transaction writes (the statement, or the
  // index of --verify real) and is rolled back whatever happens.
  if (!conn_->execute("BEGIN READ WRITE", error)) return std::nullopt;
  std::optional<std::string> out;
  bool ok = conn_->execute(search_path_sql_, error);
  for (const auto& ddl : real_ddl)
    if (ok) ok = conn_->execute(ddl, error);
  if (ok) {
    if (auto r = conn_->query("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, {}, error)) out = concat_rows(*r);
  }
  conn_->execute("ROLLBACK", ignored);
  return out;
}

bool Session::execute_write(const std::string& sql, std::string& error) {
  std::string ignored;
  // CREATE INDEX CONCURRENTLY runs outside any transaction block, so the session's
  // read-only default is lifted for this one statement and put back after.
  // The script names tables as the queries do: the project's search path, for this statement.
  std::string path = search_path_sql_;
  path.replace(0, std::string_view("SET LOCAL").size(), "SET");
  if (!conn_->execute("SET default_transaction_read_only = off", error)) return false;
  bool ok = conn_->execute(path, error) && conn_->execute(sql, error);
  conn_->execute("SET default_transaction_read_only = on", ignored);
  conn_->execute("SET search_path = ''", ignored);
  return ok;
}

std::optional<bool> Session::try_advisory_lock(std::string& error) {
  // One pglens --apply at a time per database: a session-level lock, released on disconnect.
  auto r = conn_->query("SELECT pg_catalog.pg_try_advisory_lock(7406534856)", {}, error);
  if (!r || r->rows.empty()) return std::nullopt;
  return r->rows[0].at(0) == "t";
}

// ---------------------------------------------------------------------------------------
// Statements and candidates

int parameter_count(std::string_view sql) {
  int highest = 0;
  for (size_t i = 0; i < sql.size();) {
    char c = sql[i];
    if (c == '\'' || c == '"') {
      size_t end = i + 1;
      while (end < sql.size() && !(sql[end] == c && (end + 1 >= sql.size() || sql[end + 1] != c)))
        end += sql[end] == c ? 2 : 1;
      i = end + 1;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      i = sql.find('\n', i);
      if (i == std::string_view::npos) break;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      i = sql.find("*/", i + 2);
      if (i == std::string_view::npos) break;
      i += 2;
    } else if (c == '$' && i + 1 < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i + 1])) &&
               (i == 0 || !(std::isalnum(static_cast<unsigned char>(sql[i - 1])) || sql[i - 1] == '_'))) {
      size_t end = i + 1;
      int n = 0;
      while (end < sql.size() && std::isdigit(static_cast<unsigned char>(sql[end])) && n < 100000)
        n = n * 10 + (sql[end++] - '0');
      highest = std::max(highest, n);
      i = end;
    } else if (c == '$') {
      // A dollar-quoted string: $tag$ ... $tag$.
      size_t close = sql.find('$', i + 1);
      std::string_view tag = close == std::string_view::npos ? std::string_view() : sql.substr(i, close - i + 1);
      bool is_tag = !tag.empty() && std::all_of(tag.begin() + 1, tag.end() - 1, [](char t) {
        return std::isalnum(static_cast<unsigned char>(t)) || t == '_';
      });
      if (!is_tag) {
        ++i;
        continue;
      }
      size_t end = sql.find(tag, close + 1);
      i = end == std::string_view::npos ? sql.size() : end + tag.size();
    } else {
      ++i;
    }
  }
  return highest;
}

namespace {

struct TypedParameter {
  uint32_t type_begin = 0, param_begin = 0, param_end = 0;  // `date $1`: "date ", "$1"
};

// Every cast written type first with a parameter for its value: libpg_query reads
// pg_stat_statements' `date $1` as a TypeCast of the parameter (PostgreSQL does not), with the
// type's location before the parameter's, where `$1::date` and CAST($1 AS date) have it after.
void typed_parameters(const sql::Node& node, std::string_view text, int depth, std::vector<TypedParameter>& out) {
  if (!node || depth > 200) return;
  if (node.is(pg::TypeCast)) {
    sql::Node arg = node.field(pg::arg), type = node.field(pg::typeName);
    auto param_at = arg.is(pg::ParamRef) ? arg.location() : std::nullopt;
    auto type_at = type ? type.location() : std::nullopt;
    if (param_at && type_at && *type_at < *param_at && *param_at + 1 < text.size() && text[*param_at] == '$' &&
        std::isdigit(static_cast<unsigned char>(text[*param_at + 1]))) {
      uint32_t end = *param_at + 1;
      while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
      out.push_back({*type_at, *param_at, end});
      return;
    }
  }
  for (auto f = node.node_fields_begin(); f != node.node_fields_end(); ++f) {
    const PglField& field = node.fields_begin()[*f];
    if (sql::Node child = node.child(field)) typed_parameters(child, text, depth + 1, out);
    for (sql::Node item : node.child_list(field)) typed_parameters(item, text, depth + 1, out);
  }
}

}  // namespace

std::string cast_typed_parameters(std::string_view sql_text) {
  std::string text(sql_text);
  std::vector<TypedParameter> found;
  sql::Parser parser;
  parser.parse(text, sql::lex(text).statements, [&](const sql::Statement& st) {
    if (!st.error) typed_parameters(st.root, text, 0, found);
  });
  // From the last to the first, so the earlier offsets hold. `date $2` -> `$2::date`; what
  // lay between the type and the parameter (a comment) is kept after it.
  std::sort(found.begin(), found.end(),
            [](const TypedParameter& a, const TypedParameter& b) { return a.param_begin > b.param_begin; });
  for (const auto& t : found) {
    std::string_view type(std::string_view(text).substr(t.type_begin, t.param_begin - t.type_begin));
    size_t kept = type.find_last_not_of(" \t\r\n");
    if (kept == std::string_view::npos) continue;
    std::string rewritten =
        text.substr(t.param_begin, t.param_end - t.param_begin) + "::" + std::string(type.substr(0, kept + 1));
    text.replace(t.type_begin, t.param_end - t.type_begin, rewritten);
  }
  return text;
}

std::vector<std::string> leaf_index_statements(const Catalog& catalog, const std::string& ddl, std::string* table,
                                               std::string* covered_by) {
  // The advisor's DDL read back as the catalog reads DDL: the new indexes, structured.
  Catalog scratch = catalog;
  std::map<std::string, std::set<std::string>> before;
  for (const auto& t : scratch.tables())
    for (const auto& i : t.indexes) before[t.qualified_name()].insert(i.name);
  load_ddl(scratch, ddl, "advice");
  std::vector<std::string> out;
  for (const auto& t : scratch.tables()) {
    for (const auto& i : t.indexes) {
      if (before[t.qualified_name()].contains(i.name)) continue;
      const Table* original = catalog.find_table(t.schema, t.name);
      if (covered_by && original && covered_by->empty())
        for (const auto& e : original->indexes)
          if (e.valid && catalog::index_covers(e, i)) *covered_by = e.name;
      if (table && (table->empty() || t.is_partitioned())) *table = t.qualified_name();
      if (t.is_partitioned()) continue;  // ON ONLY the parent: the partitions' indexes hold the rows
      Index plain = i;
      plain.parent_index.clear();
      out.push_back(plain.definition(t.schema, t.name));
    }
  }
  return out;
}

const Candidate* QueryAdvice::advice() const {
  const Candidate* best = nullptr;
  for (const auto& c : candidates)
    if (c.kept && (!best || c.proof.cost_after < best->proof.cost_after)) best = &c;
  return best;
}

namespace {

void prove(Session& session, Candidate& c, const std::string& sql, double cost_before) {
  std::string error;
  c.proof.cost_before = cost_before;
  auto after = session.explain(sql, c.hypothetical, error);
  if (!after) {
    c.verdict = "not proven: " + error;
    return;
  }
  auto facts = read_plan(after->json);
  c.proof.cost_after = after->cost;
  c.proof.size_bytes = after->hypothetical_bytes;
  c.proof.used = facts && std::any_of(facts->indexes.begin(), facts->indexes.end(), [&](const std::string& n) {
                   return std::find(after->hypothetical_names.begin(), after->hypothetical_names.end(), n) !=
                       after->hypothetical_names.end();
                 });
  double need = session.options().min_cost_reduction;
  std::string figures = fmt::format("cost {:.2f} -> {:.2f} ({}{})", c.proof.cost_before, c.proof.cost_after,
                                    c.proof.reduction() >= 0 ? "-" : "+", percent(std::abs(c.proof.reduction())));
  if (!c.proof.used) {
    c.verdict = fmt::format("dropped: the planner does not use it ({})", figures);
  } else if (c.proof.reduction() < need) {
    c.verdict =
        fmt::format("dropped: used, but {} is less than the {} asked (--min-cost-reduction)", figures, percent(need));
  } else {
    c.kept = true;
    c.verdict = fmt::format("proven with HypoPG: the planner uses it, {}", figures);
  }
}

void measure(Session& session, Candidate& c, const QueryAdvice& qa) {
  Measured m;
  if (qa.generic) {
    m.note = "not measured: a parameterised statement has no values to run with";
  } else if (qa.kind != "select" && !session.options().analyze_dml) {
    m.note = "not measured: a data-changing statement runs only with --analyze-dml";
  } else {
    std::string error;
    auto before = session.analyze_rolled_back(qa.query.text, {}, error);
    auto after = before ? session.analyze_rolled_back(qa.query.text, c.hypothetical, error) : std::nullopt;
    auto fb = before ? read_plan(*before) : std::nullopt;
    auto fa = after ? read_plan(*after) : std::nullopt;
    if (!fb || !fa) {
      m.note = "not measured: " + (error.empty() ? std::string("the plan could not be read") : error);
    } else {
      m.blocks_before = shared_blocks(fb->plan);
      m.blocks_after = shared_blocks(fa->plan);
      m.ms_before = fb->plan.execution_time_ms.value_or(0);
      m.ms_after = fa->plan.execution_time_ms.value_or(0);
      // The real index carries the advisor's name: any index the new plan reads that the
      // old one did not is the new index.
      for (const auto& n : fa->indexes)
        if (std::find(fb->indexes.begin(), fb->indexes.end(), n) == fb->indexes.end()) m.used = true;
    }
  }
  c.measured = m;
}

// Where each index request of the existing reasoning comes from: the SQL rules read the
// query's text with the live catalog; the plan rules read the server's plan.
std::vector<std::pair<std::string, std::string>> proposals(const Config& config, const Linter& linter,
                                                           const Catalog& catalog, const Query& query,
                                                           const std::string& plan_json) {
  std::vector<std::pair<std::string, std::string>> out;  // {ddl, rule}
  auto add = [&](const std::string& ddl, const std::string& rule) {
    if (ddl.find("CREATE") == std::string::npos) return;
    for (auto& [d, r] : out)
      if (d == ddl) {
        if (r.find(rule) == std::string::npos) r += ", " + rule;
        return;
      }
    out.emplace_back(ddl, rule);
  };
  // Any rule's index: missing-index-* and fk-without-index, and non-sargable-predicate's
  // expression index.
  for (const auto& d : linter.lint(SourceFile{.path = query.origin, .text = query.text}, catalog))
    if (d.ddl_text.find("CREATE INDEX") != std::string::npos) add(d.ddl_text, d.rule);
  auto read = plan::read_plans(plan_json);
  if (!read.plans.empty()) {
    read.plans.front().query_text = query.text;
    for (const auto& a : plan::diagnose(read.plans.front(), config, catalog).indexes)
      add(a.ddl, fmt::format("{}", fmt::join(a.rules, ", ")));
  }
  return out;
}

}  // namespace

QueryAdvice advise_query(Session& session, const Config& config, const Linter& linter, const Catalog& catalog,
                         const Query& query) {
  QueryAdvice qa;
  qa.query = query;
  qa.kind = kind_of(query.text);
  if (qa.kind == "other") {
    qa.note = "not a SELECT, INSERT, UPDATE or DELETE: skipped";
    return qa;
  }
  std::string error;
  auto explained = session.explain(query.text, {}, error);
  if (!explained) {
    qa.error = error;
    return qa;
  }
  qa.generic = explained->generic;
  qa.cost = explained->cost;
  qa.plan_json = explained->json;
  std::string analyzed_json;  // the plan rules read actual rows: an analysed plan, when there is one
  if (qa.kind != "select" && session.options().analyze_dml && !qa.generic) {
    // Measured in a transaction that is always rolled back: no row changes.
    if (auto analyzed = session.analyze_rolled_back(query.text, {}, error)) {
      if (auto f = read_plan(*analyzed)) qa.analyzed_ms = f->plan.execution_time_ms;
      analyzed_json = std::move(*analyzed);
    }
  }
  for (auto& [ddl, rule] :
       proposals(config, linter, catalog, query, analyzed_json.empty() ? qa.plan_json : analyzed_json)) {
    Candidate c;
    c.ddl = ddl;
    c.rules = {rule};
    std::string covered;
    c.hypothetical = leaf_index_statements(catalog, ddl, &c.table, &covered);
    if (const Table* t = catalog.find_table(c.table)) c.summary = t->name;
    std::smatch m;
    static const std::regex keys(
        R"(ON (?:ONLY )?(\S+ (?:USING \w+ )?\(.*\)(?: INCLUDE \([^)]*\))?(?: WHERE [^;]*)?);)");
    if (std::regex_search(ddl, m, keys)) c.summary = m[1];
    if (!covered.empty()) {
      c.verdict = fmt::format("dropped: the existing index {} covers it", covered);
    } else if (c.hypothetical.empty()) {
      c.verdict = "dropped: the DDL names no table the catalog knows";
    } else if (!session.has_hypopg()) {
      c.verdict = "not proven: HypoPG is not installed";
    } else {
      prove(session, c, query.text, qa.cost);
      if (c.kept && session.options().verify_real) measure(session, c, qa);
    }
    qa.candidates.push_back(std::move(c));
  }
  if (qa.candidates.empty()) qa.note = "no index proposed: the plan reads what it needs";
  return qa;
}

std::optional<Candidate> prove_index(Session& session, const Catalog& catalog, const std::string& query,
                                     const std::string& ddl, std::string& error) {
  if (!session.has_hypopg()) {
    error = "HypoPG is not installed";
    return std::nullopt;
  }
  auto before = session.explain(query, {}, error);
  if (!before) return std::nullopt;
  Candidate c;
  c.ddl = ddl;
  std::string covered;
  c.hypothetical = leaf_index_statements(catalog, ddl, &c.table, &covered);
  if (!covered.empty()) {
    c.verdict = fmt::format("dropped: the existing index {} covers it", covered);
    return c;
  }
  if (c.hypothetical.empty()) {
    error = "the DDL names no table the catalog knows";
    return std::nullopt;
  }
  prove(session, c, query, before->cost);
  return c;
}

namespace {

// A proof's verdict on one suggestion, written into its message and DDL: the figures when the
// planner uses the index; its DDL gone and why when it would not (or an existing index covers
// it). nullopt when the planner was not asked (a query that does not plan): left as it is.
std::optional<IndexVerdict> mark(const std::optional<Candidate>& c, std::string& message, std::string& ddl) {
  if (!c) return std::nullopt;
  static constexpr std::string_view kCovered = "dropped: the existing index ";
  if (c->verdict.starts_with(kCovered)) {
    message += "; " + c->verdict.substr(9) + ": no new index needed";
    ddl.clear();
    return std::nullopt;
  }
  if (c->verdict.starts_with("not proven")) return std::nullopt;
  double r = c->proof.reduction();
  std::string figures = fmt::format("cost {:.2f} \u2192 {:.2f} ({}{:.0f}%)", c->proof.cost_before, c->proof.cost_after,
                                    r >= 0 ? "\u2212" : "+", std::abs(r) * 100);
  if (c->proof.used) {
    message += "; verified: " + figures;
  } else {
    message += "; the planner would not use this index (" + figures + " with it)";
    ddl.clear();
  }
  return IndexVerdict{.used = c->proof.used, .cost_before = c->proof.cost_before, .cost_after = c->proof.cost_after};
}

const std::optional<Candidate>& proven_once(Session& session, const Catalog& catalog, const std::string& stmt,
                                            const std::string& ddl, ProofCache& cache) {
  auto key = std::make_pair(stmt, ddl);
  auto known = cache.find(key);
  if (known == cache.end()) {
    std::string error;
    known = cache.emplace(key, prove_index(session, catalog, stmt, ddl, error)).first;
  }
  return known->second;
}

}  // namespace

void verify_index_findings(Session& session, const Catalog& catalog, FileReport& report, ProofCache* cache) {
  if (!session.has_hypopg()) return;
  std::string_view text = report.file.text;
  std::optional<sql::Lexed> lexed;
  ProofCache own;  // {statement, ddl}: asked once
  ProofCache& proven = cache ? *cache : own;
  for (size_t i = 0; i < report.diagnostics.size(); ++i) {
    Diagnostic& d = report.diagnostics[i];
    if (d.ddl_text.find("CREATE INDEX") == std::string::npos) continue;
    if (!lexed) lexed = sql::lex(text);
    const sql::StatementSpan* at = nullptr;
    for (const auto& st : lexed->statements)
      if (st.span.begin <= d.span.begin && d.span.begin < std::max(st.end, st.span.end + 1)) at = &st;
    if (!at || at->psql_variables) continue;  // psql fills its variables in: the server cannot plan the text as written
    std::string stmt(text.substr(at->span.begin, at->span.end - at->span.begin));
    if (auto v = mark(proven_once(session, catalog, stmt, d.ddl_text, proven), d.message, d.ddl_text))
      report.verified[i] = *v;
  }
}

IndexVerifier::Entry& IndexVerifier::entry_for(const std::string& url, const Config& config) {
  auto now = std::chrono::steady_clock::now();
  Entry& e = entries_[{url, config.search_path, config.database_statement_timeout_ms}];
  if (e.opened == std::chrono::steady_clock::time_point{} || now - e.opened > std::chrono::minutes(1)) {
    e = Entry{};
    e.opened = now;
    Options options;
    options.search_path = config.search_path;
    options.statement_timeout_ms = static_cast<int>(config.database_statement_timeout_ms);
    std::string error;
    e.session = Session::open(url, options, error);
    if (!e.session) say_once("suggested indexes are not verified: " + error);
    else if (!e.session->has_hypopg())
      say_once("suggested indexes are not verified: HypoPG is not installed on the server (CREATE EXTENSION hypopg)");
  }
  return e;
}

void IndexVerifier::say_once(const std::string& notice) {
  if (said_.insert(notice).second && say_) say_(notice);
}

void IndexVerifier::operator()(const std::string& url, const Config& config, const Catalog& catalog,
                               const SourceFile& file, std::vector<Diagnostic>& diagnostics) {
  if (std::none_of(diagnostics.begin(), diagnostics.end(),
                   [](const Diagnostic& d) { return d.ddl_text.find("CREATE INDEX") != std::string::npos; }))
    return;
  std::lock_guard lock(mutex_);
  Entry& e = entry_for(url, config);
  if (!e.session) return;
  FileReport report;
  report.file = file;
  report.diagnostics = std::move(diagnostics);
  verify_index_findings(*e.session, catalog, report, &e.proven);
  diagnostics = std::move(report.diagnostics);
}

void IndexVerifier::verify_plan(const std::string& url, const Config& config, const Catalog& catalog,
                                std::string_view query, plan::Diagnosis& diagnosis) {
  if (std::none_of(diagnosis.findings.begin(), diagnosis.findings.end(),
                   [](const plan::Finding& f) { return f.ddl.find("CREATE INDEX") != std::string::npos; }))
    return;
  std::lock_guard lock(mutex_);
  Entry& e = entry_for(url, config);
  if (!e.session || !e.session->has_hypopg()) return;  // said when the session opened
  PlanVerdicts verdicts = verify_plan_indexes(*e.session, catalog, query, diagnosis, &e.proven);
  if (!verdicts.not_asked.empty()) say_once("suggested indexes are not verified: " + verdicts.not_asked);
}

PlanVerdicts verify_plan_indexes(Session& session, const Catalog& catalog, std::string_view query,
                                 plan::Diagnosis& diagnosis, ProofCache* cache) {
  PlanVerdicts out;
  auto asks_index = [](const std::string& ddl) { return ddl.find("CREATE INDEX") != std::string::npos; };
  bool any = std::any_of(diagnosis.findings.begin(), diagnosis.findings.end(),
                         [&](const plan::Finding& f) { return asks_index(f.ddl); }) ||
      std::any_of(diagnosis.indexes.begin(), diagnosis.indexes.end(),
                  [&](const plan::IndexAdvice& a) { return asks_index(a.ddl); });
  if (!any) return out;
  if (!session.has_hypopg()) {
    out.not_asked = "HypoPG is not installed on the server";
    return out;
  }
  // The statement the plan belongs to, alone: the server plans exactly one.
  auto lexed = sql::lex(query);
  std::vector<const sql::StatementSpan*> statements;
  for (const auto& st : lexed.statements)
    if (st.span.end > st.span.begin) statements.push_back(&st);
  if (statements.empty()) {
    out.not_asked = "the plan carries no query text (give it with --sql FILE)";
    return out;
  }
  if (statements.size() > 1) {
    out.not_asked = fmt::format("the query text holds {} statements, not the plan's one", statements.size());
    return out;
  }
  if (statements.front()->psql_variables) {
    out.not_asked = "the query text holds psql variables (:name), which the server cannot plan";
    return out;
  }
  std::string stmt(
      query.substr(statements.front()->span.begin, statements.front()->span.end - statements.front()->span.begin));
  ProofCache own;  // {statement, ddl}: asked once
  ProofCache& proven = cache ? *cache : own;
  for (size_t i = 0; i < diagnosis.findings.size(); ++i) {
    plan::Finding& f = diagnosis.findings[i];
    if (!asks_index(f.ddl)) continue;
    if (auto v = mark(proven_once(session, catalog, stmt, f.ddl, proven), f.message, f.ddl)) out.findings[i] = *v;
  }
  std::vector<plan::IndexAdvice> kept;
  for (auto& a : diagnosis.indexes) {
    if (asks_index(a.ddl)) {
      std::string ignored;
      auto v = mark(proven_once(session, catalog, stmt, a.ddl, proven), ignored, a.ddl);
      if (a.ddl.empty()) continue;  // the planner would not use it, or an existing index covers it: the findings say so
      if (v) out.indexes[kept.size()] = *v;
    }
    kept.push_back(std::move(a));
  }
  diagnosis.indexes = std::move(kept);
  return out;
}

// ---------------------------------------------------------------------------------------
// Workload

namespace {

// Rows written to `table` (and its partitions) since the stats reset, each of which an index
// would have to follow: inserts, non-HOT updates, deletes.
double written_rows(Session& session, const Catalog& catalog, const std::string& table) {
  std::vector<std::string> names;
  if (const Table* t = catalog.find_table(table)) {
    names.push_back(t->qualified_name());
    for (const Table* p : catalog.partitions_of(*t)) names.push_back(p->qualified_name());
  }
  double rows = 0;
  std::string error;
  for (const auto& n : names) {
    auto r = session.connection().query(
        "SELECT s.n_tup_ins + s.n_tup_upd - s.n_tup_hot_upd + s.n_tup_del FROM pg_catalog.pg_stat_user_tables s "
        "WHERE s.relid = pg_catalog.to_regclass($1)",
        {n}, error);
    if (r && !r->rows.empty() && !r->rows[0].is_null(0)) rows += std::stod(r->rows[0].at(0));
  }
  return rows;
}

bool mentions(const std::string& sql, const std::string& table) {
  std::string bare = table.substr(table.rfind('.') + 1);
  return lower(sql).find(lower(bare)) != std::string::npos;
}

}  // namespace

void choose_indexes(Session& session, const Catalog& catalog, Report& report) {
  struct Option {
    const Candidate* c = nullptr;
    std::vector<double> saved;  // per query, per call
    double write_cost = 0;
  };
  std::vector<Option> options;
  for (const auto& qa : report.queries)
    if (const Candidate* c = qa.advice()) {
      bool seen = std::any_of(options.begin(), options.end(), [&](const Option& o) { return o.c->ddl == c->ddl; });
      if (!seen) options.push_back({c, std::vector<double>(report.queries.size(), 0), 0});
    }
  // Writes are counted since the stats reset, as pg_stat_statements counts calls: the two
  // weigh against each other only for a workload read from there. A file's statement has
  // no call count to set against them.
  bool workload = std::any_of(report.queries.begin(), report.queries.end(),
                              [](const QueryAdvice& qa) { return qa.query.from_workload; });
  for (auto& o : options) {
    if (workload) o.write_cost = written_rows(session, catalog, o.c->table) * kUpkeepPerWrittenRow;
    for (size_t q = 0; q < report.queries.size(); ++q) {
      const QueryAdvice& qa = report.queries[q];
      if (!qa.error.empty() || qa.plan_json.empty() || !mentions(qa.query.text, o.c->table)) continue;
      const Candidate* own = qa.advice();
      if (own && own->ddl == o.c->ddl) {
        o.saved[q] = own->proof.cost_before - own->proof.cost_after;
        continue;
      }
      Candidate trial = *o.c;
      trial.kept = false;
      prove(session, trial, qa.query.text, qa.cost);
      if (trial.proof.used && trial.proof.cost_after < qa.cost) o.saved[q] = qa.cost - trial.proof.cost_after;
    }
  }
  // Greedy by net benefit per byte: what each index adds over the ones already chosen (a
  // query served by two chosen indexes counts the better one only).
  std::vector<double> best(report.queries.size(), 0);
  std::vector<bool> taken(options.size(), false);
  int64_t used_bytes = 0;
  for (;;) {
    int pick = -1;
    double pick_score = 0, pick_gain = 0;
    for (size_t i = 0; i < options.size(); ++i) {
      if (taken[i]) continue;
      const Option& o = options[i];
      if (report.queries.empty()) break;
      if (session.options().budget_bytes > 0 && used_bytes + o.c->proof.size_bytes > session.options().budget_bytes)
        continue;
      double gain = -o.write_cost;
      for (size_t q = 0; q < best.size(); ++q)
        gain += std::max(0.0, o.saved[q] - best[q]) * report.queries[q].query.calls;
      if (gain <= 0) continue;
      double score = gain / static_cast<double>(std::max<int64_t>(o.c->proof.size_bytes, 8192));
      if (pick < 0 || score > pick_score) {
        pick = static_cast<int>(i);
        pick_score = score;
        pick_gain = gain;
      }
    }
    if (pick < 0) break;
    const Option& o = options[static_cast<size_t>(pick)];
    taken[static_cast<size_t>(pick)] = true;
    used_bytes += o.c->proof.size_bytes;
    Choice ch;
    ch.ddl = o.c->ddl;
    ch.summary = o.c->summary;
    ch.table = o.c->table;
    ch.size_bytes = o.c->proof.size_bytes;
    ch.benefit = pick_gain + o.write_cost;
    ch.write_cost = o.write_cost;
    for (size_t q = 0; q < best.size(); ++q)
      if (o.saved[q] > best[q]) {
        best[q] = o.saved[q];
        ch.serves.push_back(report.queries[q].query.origin);
      }
    ch.proof = o.c->verdict;
    report.chosen.push_back(std::move(ch));
  }
  for (size_t i = 0; i < options.size(); ++i) {
    if (taken[i]) continue;
    double saved = 0;
    for (size_t q = 0; q < best.size(); ++q)
      saved += std::max(0.0, options[i].saved[q] - best[q]) * report.queries[q].query.calls;
    if (saved <= options[i].write_cost)
      report.notes.push_back(fmt::format(
          "not chosen: {} saves {:.0f} but its write cost is {:.0f} ({} rows written "
          "since the stats reset)",
          options[i].c->summary, saved, options[i].write_cost, options[i].write_cost / kUpkeepPerWrittenRow));
    else if (session.options().budget_bytes > 0 &&
             used_bytes + options[i].c->proof.size_bytes > session.options().budget_bytes)
      report.notes.push_back(fmt::format("not chosen, over the budget of {} bytes: {} ({} bytes)",
                                         session.options().budget_bytes, options[i].c->summary,
                                         options[i].c->proof.size_bytes));
  }
}

std::optional<std::string> review_indexes(Session& session, const Catalog& catalog, Report& report) {
  std::string error;
  auto& conn = session.connection();
  if (auto since = conn.query("SELECT d.stats_reset FROM pg_catalog.pg_stat_database d "
                              "WHERE d.datname = pg_catalog.current_database()",
                              {}, error);
      since && !since->rows.empty())
    report.stats_since = since->rows[0].at(0);
  auto rows = conn.query(
      "SELECT s.schemaname, s.relname, s.indexrelname, s.idx_scan, pg_catalog.pg_relation_size(s.indexrelid), "
      "  i.indisunique OR i.indisprimary OR i.indisexclusion "
      "    OR EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conindid = s.indexrelid) "
      "FROM pg_catalog.pg_stat_user_indexes s JOIN pg_catalog.pg_index i ON i.indexrelid = s.indexrelid "
      "ORDER BY 1, 2, 3",
      {}, error);
  if (!rows) return error;
  std::map<std::string, int64_t> sizes;
  std::set<std::string> constrained;
  for (const auto& r : rows->rows) {
    std::string name = r.at(0) + "." + r.at(2);
    sizes[name] = std::stoll(r.at(4).empty() ? "0" : r.at(4));
    if (r.at(5) == "t") constrained.insert(name);
  }
  auto drop = [](const std::string& schema, const std::string& index) {
    return fmt::format("DROP INDEX CONCURRENTLY IF EXISTS {}.{};", catalog::quote_ident(schema),
                       catalog::quote_ident(index));
  };
  std::string since = report.stats_since.empty() ? "the statistics were last reset" : report.stats_since;
  for (const auto& r : rows->rows) {
    std::string name = r.at(0) + "." + r.at(2);
    if (r.at(3) != "0" || constrained.contains(name)) continue;
    report.removals.push_back(
        {name, r.at(0) + "." + r.at(1), sizes[name], "never scanned since " + since, drop(r.at(0), r.at(2))});
  }
  for (const auto& t : catalog.tables()) {
    for (size_t a = 0; a < t.indexes.size(); ++a) {
      const Index& ia = t.indexes[a];
      std::string name = t.schema + "." + ia.name;
      if (!ia.valid || constrained.contains(name) || ia.unique || ia.primary) continue;
      for (size_t b = 0; b < t.indexes.size(); ++b) {
        const Index& ib = t.indexes[b];
        if (a == b || !ib.valid || !catalog::index_covers(ib, ia)) continue;
        // Two identical indexes: the second one named goes, the first stays.
        bool same = catalog::index_covers(ia, ib) && ia.keys.size() == ib.keys.size();
        if (same && ia.name < ib.name && !(ib.unique || ib.primary || constrained.contains(t.schema + "." + ib.name)))
          continue;
        std::string reason = same ? fmt::format("a duplicate of {}", ib.name)
                                  : fmt::format("a prefix of {} (which serves every query it serves)", ib.name);
        auto existing = std::find_if(report.removals.begin(), report.removals.end(),
                                     [&](const Removal& r) { return r.index == name; });
        if (existing != report.removals.end()) existing->reason += "; " + reason;
        else report.removals.push_back({name, t.qualified_name(), sizes[name], reason, drop(t.schema, ia.name)});
        break;
      }
    }
  }
  return std::nullopt;
}

std::optional<std::vector<Query>> workload_queries(Session& session, int top, std::string& error) {
  auto& conn = session.connection();
  auto ext = conn.query(
      "SELECT n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace "
      "WHERE e.extname = 'pg_stat_statements'",
      {}, error);
  if (!ext) return std::nullopt;
  if (ext->rows.empty()) {
    error = fmt::format(
        "pg_stat_statements is not installed in the database ({}): add pg_stat_statements to "
        "shared_preload_libraries in postgresql.conf, restart the server, then run CREATE EXTENSION pg_stat_statements",
        session.describe());
    return std::nullopt;
  }
  if (session.server_version() < 130000) {
    error = "--from-pg-stat-statements reads total_exec_time, which pg_stat_statements has from PostgreSQL 13";
    return std::nullopt;
  }
  auto rows = conn.query(
      fmt::format(
          "SELECT s.queryid, s.query, s.calls, s.total_exec_time FROM {}.pg_stat_statements s "
          "WHERE s.dbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()) "
          "  AND s.query ~* '^\\s*(select|with|insert|update|delete)\\M' "
          // Statements that read no table of the user's have no index to gain; pglens's
          // own (catalog reads, HypoPG calls) are not the workload's.
          "  AND s.query ~* '\\m(from|into|update)\\M' AND s.query !~* '\\mfrom\\s+pg_catalog\\.' "
          "  AND s.query !~* '\\mhypopg_|\\mpg_stat_statements' "
          "ORDER BY s.total_exec_time DESC LIMIT $1",
          catalog::quote_ident(ext->rows[0].at(0))),
      {std::to_string(top)}, error);
  if (!rows) return std::nullopt;
  std::vector<Query> out;
  for (const auto& r : rows->rows) {
    Query q;
    q.origin = "pg_stat_statements " + r.at(0);
    q.text = cast_typed_parameters(r.at(1));
    q.cast_parameters = q.text != r.at(1);
    q.calls = std::stod(r.at(2).empty() ? "1" : r.at(2));
    q.total_ms = std::stod(r.at(3).empty() ? "0" : r.at(3));
    q.from_workload = true;
    out.push_back(std::move(q));
  }
  return out;
}

std::string index_script(const Report& report) {
  std::string out = "-- Indexes proven by pglens advise on " + report.server +
      ".\n-- Each statement runs on its own (CONCURRENTLY cannot run inside a transaction block).\n"
      "-- A CREATE INDEX CONCURRENTLY that fails leaves an INVALID index: drop it (DROP INDEX CONCURRENTLY) and "
      "retry.\n";
  for (const auto& c : report.chosen) {
    out += fmt::format("\n-- {}: {}; about {} bytes\n", c.summary, c.proof, c.size_bytes);
    out += fmt::format("-- serves: {}\n", fmt::join(c.serves, ", "));
    if (c.write_cost > 0)
      out += fmt::format("-- write cost charged: {:.0f} (rows written since the stats reset)\n", c.write_cost);
    out += c.ddl;
    if (!c.ddl.ends_with("\n")) out += "\n";
  }
  return out;
}

}  // namespace pglens::advise
