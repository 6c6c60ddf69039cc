#include <fmt/format.h>

#include "registry.hpp"

namespace pglens::rules {
namespace {

// One INSERT ... VALUES (one row) statement that could join its neighbours.
struct SingleRowInsert {
  std::string target;  // "schema.table(col, col)"
  Span statement;      // without the `;`
  Span row;            // "(1, 'a')"
};

struct Run {
  std::vector<SingleRowInsert> inserts;
};

std::string target_of(const sql::Node& insert) {
  sql::Node rel = insert.field("relation");
  std::string t = rel.str("schemaname").empty() ? std::string(rel.str("relname"))
                                                : fmt::format("{}.{}", rel.str("schemaname"), rel.str("relname"));
  t += "(";
  bool first = true;
  for (sql::Node col : insert.list("cols")) {
    t += (first ? "" : ", ") + std::string(col.str("name"));
    first = false;
  }
  return t + ")";
}

// The statement's single VALUES row, when it is a plain one-row INSERT.
std::optional<SingleRowInsert> single_row(const sql::Statement& st, std::string_view text) {
  sql::Node insert = st.root;
  if (!insert.is("InsertStmt") || insert.has("returningList") || insert.has("onConflictClause") ||
      insert.has("withClause") || (insert.has("override") && insert.str("override") != "OVERRIDING_NOT_SET"))
    return std::nullopt;
  sql::Node select = insert.field("selectStmt");
  sql::List rows = select.list("valuesLists");
  if (rows.size() != 1) return std::nullopt;
  sql::List values = rows[0].list("items");
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
  return SingleRowInsert{target_of(insert), st.span, {open - 1, st.span.end}};
}

class SingleRowInserts final : public detail::SqlRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "single-row-inserts",
        .category = RuleCategory::performance,
        .default_severity = Severity::warning,
        .has_fix = true,
        .options = {{"min-run", int64_t{5}, "how many consecutive single-row INSERTs into the same table and "
                                            "columns make a finding"}},
        .docs = {
            .what_it_does = "Reports runs of consecutive single-row `INSERT ... VALUES (...)` statements into the "
                            "same table and columns, and fixes them into one multi-row INSERT.",
            .why_is_this_bad = "Every statement pays a round trip, a parse, a plan, and in autocommit a commit with "
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

  void check_statement(const sql::Statement& st, detail::RuleContext& ctx) const override {
    Run& run = ctx.state<Run>();
    auto row = st.root ? single_row(st, ctx.text()) : std::nullopt;
    if (!row || (!run.inserts.empty() && run.inserts.back().target != row->target)) flush(run, ctx);
    if (row) run.inserts.push_back(std::move(*row));
  }

  void finish_file(detail::RuleContext& ctx) const override { flush(ctx.state<Run>(), ctx); }

  bool spans_statements() const override { return true; }

 private:
  static void flush(Run& run, detail::RuleContext& ctx) {
    auto inserts = std::move(run.inserts);
    run.inserts.clear();
    if (inserts.size() < static_cast<size_t>(std::max<int64_t>(2, ctx.int_option("min-run")))) return;
    const auto& first = inserts.front();
    const auto& last = inserts.back();
    Diagnostic& d = ctx.report(first.statement, fmt::format("{} single-row INSERTs into {} in a row: one multi-row "
                                                            "INSERT does the same in one statement",
                                                            inserts.size(), first.target));
    d.help("merge them into one INSERT ... VALUES (...), (...); for thousands of rows use COPY")
        .related(last.statement, "the last INSERT of the run");
    // The fix keeps the first statement, appends the other rows, and removes the rest.
    // Comments between the statements would be lost: then no fix.
    std::string_view text = ctx.text();
    std::string rows;
    for (size_t i = 1; i < inserts.size(); ++i) {
      std::string_view between = text.substr(inserts[i - 1].statement.end, inserts[i].statement.begin - inserts[i - 1].statement.end);
      if (between.find("--") != std::string_view::npos || between.find("/*") != std::string_view::npos) return;
      rows += ",\n    ";
      rows += text.substr(inserts[i].row.begin, inserts[i].row.end - inserts[i].row.begin);
    }
    d.fix(Fix{fmt::format("merge the {} INSERTs into one", inserts.size()), {{{first.statement.end, last.statement.end}, rows}}, true});
  }
};

}  // namespace

const detail::SqlRule& single_row_inserts() {
  static const SingleRowInserts rule;
  return rule;
}

}  // namespace pglens::rules
