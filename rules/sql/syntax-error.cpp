#include "registry.hpp"

namespace pglens::rules {
namespace {

class SyntaxError final : public detail::SqlRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "syntax-error",
        .category = RuleCategory::syntax,
        .default_severity = Severity::error,
        .docs =
            {
                .what_it_does = "Reports a statement that PostgreSQL's own parser (libpg_query) rejects, at the "
                                "position the parser names, with its message.",
                .why_is_this_bad = "The statement fails when it runs. pglens keeps linting the other statements "
                                   "of the file: one broken statement never hides the findings in the rest.",
                .example = "SELECT id, FROM orders;",
                .use_instead = "SELECT id FROM orders;",
                .references = "https://www.postgresql.org/docs/current/sql-syntax.html",
            },
        .summary = "a statement PostgreSQL cannot parse",
    };
    return info;
  }

  void check_statement(const sql::Statement& st, detail::RuleContext& ctx) const override {
    if (!st.error || st.error->too_deep) return;  // valid SQL: too-deep-to-analyze says so
    uint32_t at = st.error->offset;
    uint32_t end = at < ctx.text().size() ? sql::token_end(ctx.text(), at) : at;
    if (end > st.end) end = st.end;
    ctx.report({at, std::max(at, end)}, st.error->message)
        .help(st.error->help.empty() ? "PostgreSQL's parser stops here; the statement will fail when it runs."
                                     : st.error->help);
  }
};

}  // namespace

const detail::SqlRule& syntax_error() {
  static const SyntaxError rule;
  return rule;
}

}  // namespace pglens::rules
