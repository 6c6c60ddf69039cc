#include <fmt/format.h>

#include "registry.hpp"
#include "sql/pg_names.hpp"

namespace pg = pglens::sql::pg;

namespace pglens::rules {
namespace {

// The fact of one plain single-row INSERT ... VALUES statement, which could join its
// neighbours into one multi-row INSERT.
struct SingleRow {
  std::string target;  // "schema.table(col, col)"
  Span row;            // "(1, 'a')", relative to the statement's start
};

// A member of a run of consecutive single-row INSERTs into the same target.
struct RunMember {
  const SingleRow* insert;
  Span statement;  // in the file, without the `;`
};

std::string target_of(const sql::Node& insert) {
  sql::Node rel = insert.field(pg::relation);
  std::string t = rel.str(pg::schemaname).empty() ? std::string(rel.str(pg::relname))
                                                  : fmt::format("{}.{}", rel.str(pg::schemaname), rel.str(pg::relname));
  t += "(";
  bool first = true;
  for (sql::Node col : insert.list(pg::cols)) {
    t += (first ? "" : ", ") + std::string(col.str(pg::name));
    first = false;
  }
  return t + ")";
}

// The statement's single VALUES row, when it is a plain one-row INSERT.
std::optional<SingleRow> single_row(const sql::Statement& st, std::string_view text) {
  sql::Node insert = st.root;
  if (!insert.is(pg::InsertStmt) || insert.has(pg::returningClause) || insert.has(pg::onConflictClause) ||
      insert.has(pg::withClause) || (insert.has(pg::override) && insert.str(pg::override) != pg::OVERRIDING_NOT_SET))
    return std::nullopt;
  sql::Node select = insert.field(pg::selectStmt);
  sql::List rows = select.list(pg::valuesLists);
  if (rows.size() != 1) return std::nullopt;
  sql::List values = rows[0].list(pg::items);
  if (values.empty()) return std::nullopt;
  auto first = values[0].location();
  if (!first) return std::nullopt;
  // The row starts at the `(` before its first value and runs to the end of the statement.
  uint32_t open = *first;
  while (open > st.span.begin && text[open - 1] != '(') {
    char c = text[open - 1];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return std::nullopt;
    --open;
  }
  if (open == st.span.begin) return std::nullopt;
  return SingleRow{target_of(insert), {open - 1 - st.span.begin, st.span.end - st.span.begin}};
}

// Whether the text between two statements holds only what SQL ignores: blanks, the `;`,
// comments. A psql meta-command there (`\connect other_db`, `\set ON_ERROR_STOP`) or any
// other line the server never sees ends a run: merging across it would move rows past it.
bool only_sql_separators(std::string_view between) {
  for (size_t i = 0; i < between.size();) {
    char c = between[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' || c == '\f' || c == '\v') {
      ++i;
    } else if (between.substr(i, 2) == "--") {
      size_t eol = between.find('\n', i);
      i = eol == std::string_view::npos ? between.size() : eol + 1;
    } else if (between.substr(i, 2) == "/*") {
      size_t close = between.find("*/", i + 2);
      if (close == std::string_view::npos) return false;
      i = close + 2;
    } else {
      return false;
    }
  }
  return true;
}

// The line break the file uses where `at` ends its line: a CRLF file keeps CRLF.
std::string_view line_break_at(std::string_view text, uint32_t at) {
  size_t eol = text.find('\n', at);
  return eol != std::string_view::npos && eol > 0 && text[eol - 1] == '\r' ? "\r\n" : "\n";
}

class SingleRowInserts final : public detail::SqlRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "single-row-inserts",
        .category = RuleCategory::performance,
        .default_severity = Severity::warning,
        .has_fix = true,
        .options = {{"min-run", int64_t{5},
                     "how many consecutive single-row INSERTs into the same table and "
                     "columns make a finding"}},
        .docs =
            {
                .what_it_does = "Reports runs of consecutive single-row `INSERT ... VALUES (...)` statements into the "
                                "same table and columns, and fixes them into one multi-row INSERT. A run ends at "
                                "anything between two INSERTs that is not SQL (a psql meta-command such as "
                                "`\\connect`). The fix is unsafe (`--unsafe-fixes`): one statement fails as a whole, "
                                "so a row that fails (a duplicate key) takes the run's other rows with it.",
                .why_is_this_bad =
                    "Every statement pays a round trip, a parse, a plan, and in autocommit a commit with "
                    "its WAL flush. One multi-row INSERT (or COPY for thousands of rows) loads the same "
                    "rows many times faster.",
                .example = "INSERT INTO tags (name) VALUES ('a');\nINSERT INTO tags (name) VALUES ('b');\n"
                           "INSERT INTO tags (name) VALUES ('c');\nINSERT INTO tags (name) VALUES ('d');\n"
                           "INSERT INTO tags (name) VALUES ('e');",
                .use_instead = "INSERT INTO tags (name) VALUES ('a'),\n    ('b'),\n    ('c'),\n    ('d'),\n    ('e');\n"
                               "-- many thousands of rows: COPY tags (name) FROM STDIN",
                .references = "https://www.postgresql.org/docs/current/populate.html\n"
                              "https://www.postgresql.org/docs/current/sql-copy.html",
            },
        .summary = "consecutive single-row INSERTs that one multi-row INSERT or COPY would do",
    };
    return info;
  }

  bool spans_statements() const override { return true; }

  std::any statement_fact(const sql::Statement& st, detail::RuleContext& ctx) const override {
    if (!st.root) return {};
    auto row = single_row(st, ctx.text());
    return row ? std::any(std::move(*row)) : std::any();
  }

  void check_file(std::span<const detail::StatementFact> statements, detail::RuleContext& ctx) const override {
    size_t min_run = static_cast<size_t>(std::max<int64_t>(2, ctx.int_option("min-run")));
    std::vector<RunMember> run;
    std::string_view text = ctx.text();
    for (const auto& st : statements) {
      // Most statements are no INSERT: an empty fact is told apart without comparing types.
      const auto* insert = st.fact->has_value() ? std::any_cast<SingleRow>(st.fact) : nullptr;
      if (!insert || (!run.empty() && run.back().insert->target != insert->target)) flush(run, min_run, ctx);
      if (insert && !run.empty() &&
          !only_sql_separators(text.substr(run.back().statement.end, st.span.begin - run.back().statement.end)))
        flush(run, min_run, ctx);
      if (insert) run.push_back({insert, st.span});
    }
    flush(run, min_run, ctx);
  }

 private:
  static void flush(std::vector<RunMember>& run, size_t min_run, detail::RuleContext& ctx) {
    if (run.size() < min_run) {
      run.clear();
      return;
    }
    auto inserts = std::move(run);
    run.clear();
    const auto& first = inserts.front();
    const auto& last = inserts.back();
    Diagnostic& d = ctx.report(first.statement,
                               fmt::format("{} single-row INSERTs into {} in a row: one multi-row "
                                           "INSERT does the same in one statement",
                                           inserts.size(), first.insert->target));
    d.help("merge them into one INSERT ... VALUES (...), (...); for thousands of rows use COPY")
        .related(last.statement, "the last INSERT of the run");
    // The fix keeps the first statement, appends the other rows, and removes the rest.
    // Comments between the statements would be lost: then no fix.
    std::string_view text = ctx.text();
    std::string rows;
    std::string_view line_break = line_break_at(text, first.statement.begin);
    for (size_t i = 1; i < inserts.size(); ++i) {
      std::string_view between =
          text.substr(inserts[i - 1].statement.end, inserts[i].statement.begin - inserts[i - 1].statement.end);
      if (between.find("--") != std::string_view::npos || between.find("/*") != std::string_view::npos) return;
      rows += ",";
      rows += line_break;
      rows += "    ";
      const Span& row = inserts[i].insert->row;
      rows += text.substr(inserts[i].statement.begin + row.begin, row.end - row.begin);
    }
    // Unsafe: one statement fails or succeeds as a whole, so a row that fails (a duplicate
    // key) now takes the others with it, where before only its own INSERT failed.
    d.fix(Fix{fmt::format("merge the {} INSERTs into one (a failing row then fails them all)", inserts.size()),
              {{{first.statement.end, last.statement.end}, rows}},
              false});
  }
};

}  // namespace

const detail::SqlRule& single_row_inserts() {
  static const SingleRowInserts rule;
  return rule;
}

}  // namespace pglens::rules
