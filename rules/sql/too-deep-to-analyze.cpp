#include "registry.hpp"

namespace pglens::rules {
namespace {

// A statement PostgreSQL's parser reads but whose tree is too deep for pglens to walk: said,
// so that its silence is not taken for a clean bill, but no error: the SQL is valid.
class TooDeepToAnalyze final : public detail::SqlRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "too-deep-to-analyze",
        .category = RuleCategory::syntax,
        .default_severity = Severity::info,
        .docs =
            {
                .what_it_does = "Reports a statement whose parse tree is more than 20,000 levels deep (a "
                                "machine-written chain such as `1+1+...+1` or a UNION ALL of tens of thousands of "
                                "branches): PostgreSQL's parser reads it, pglens does not analyse it.",
                .why_is_this_bad = "No rule looks into the statement, so its silence says nothing. PostgreSQL "
                                   "itself, at its default max_stack_depth (2 MB), refuses to run far shallower "
                                   "chains (\"stack depth limit exceeded\"): a sum of 5,000 terms already fails.",
                .example = "SELECT amount + amount + amount + /* ... 20,000 more ... */ amount FROM payments;",
                .use_instead = "SELECT sum(amount) FROM payments;",
                .references = "https://www.postgresql.org/docs/current/runtime-config-resource.html"
                              "#GUC-MAX-STACK-DEPTH",
            },
        .summary = "a statement too deep for pglens to analyse",
    };
    return info;
  }

  void check_statement(const sql::Statement& st, detail::RuleContext& ctx) const override {
    if (!st.error || !st.error->too_deep) return;
    ctx.report({st.span.begin, sql::token_end(ctx.text(), st.span.begin)}, st.error->message).help(st.error->help);
  }
};

}  // namespace

const detail::SqlRule& too_deep_to_analyze() {
  static const TooDeepToAnalyze rule;
  return rule;
}

}  // namespace pglens::rules
