#include <fmt/format.h>

#include "catalog/query_facts.hpp"
#include "registry.hpp"
#include "sql/pg_names.hpp"

namespace pg = pglens::sql::pg;

namespace pglens::rules {
namespace {

// Skips blanks and comments-free whitespace; returns the offset of the next token.
uint32_t next_token(std::string_view text, uint32_t at) {
  while (at < text.size() && (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r')) ++at;
  return at;
}

class NotInSubquery final : public detail::SqlRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "not-in-subquery",
        .category = RuleCategory::correctness,
        .default_severity = Severity::warning,
        .docs =
            {
                .what_it_does = "Reports `expr NOT IN (SELECT ...)` and suggests `NOT EXISTS`.",
                .why_is_this_bad =
                    "When the subquery returns a single NULL, `NOT IN` is never true and the query silently returns "
                    "no rows. The planner also cannot turn `NOT IN (SELECT ...)` into an anti-join: it runs a hashed "
                    "SubPlan when the result fits in work_mem, and re-scans the subquery for every outer row when it "
                    "does not. `NOT EXISTS` has the expected NULL semantics and is planned as a Hash or Merge Anti "
                    "Join.",
                .example =
                    "SELECT id FROM orders o\nWHERE o.customer_id NOT IN (SELECT customer_id FROM blocked_customers);",
                .use_instead = "SELECT id FROM orders o\nWHERE NOT EXISTS (\n  SELECT 1 FROM blocked_customers b WHERE "
                               "b.customer_id = o.customer_id\n);",
                .references =
                    "https://wiki.postgresql.org/wiki/Don%27t_Do_This#Don.27t_use_NOT_IN\n"
                    "https://www.postgresql.org/docs/current/functions-subquery.html#FUNCTIONS-SUBQUERY-NOTIN",
            },
        .summary = "NOT IN (SELECT ...) returns nothing on a NULL and cannot be an anti-join",
    };
    return info;
  }

  std::vector<std::string_view> node_kinds() const override { return {"BoolExpr"}; }

  void check_node(const sql::Node& node, const detail::Walk& walk, detail::RuleContext& ctx) const override {
    if (node.str(pg::boolop) != pg::NOT_EXPR) return;
    sql::List args = node.list(pg::args);
    if (args.size() != 1) return;
    sql::Node sub = args[0];
    if (!sub.is(pg::SubLink) || sub.str(pg::subLinkType) != pg::ANY_SUBLINK) return;
    sql::Node test = sub.field(pg::testexpr);
    if (yields_no_null(sub.field(pg::subselect), ctx)) return;
    auto not_at = node.location();
    if (!not_at) return;
    std::optional<uint32_t> begin = test ? test.location() : not_at;
    if (!begin || *begin > *not_at) begin = not_at;
    // The span covers `expr NOT IN`.
    std::string_view text = ctx.text();
    uint32_t in_at = next_token(text, sql::token_end(text, *not_at));
    uint32_t end = sql::token_end(text, in_at);
    ctx.report({*begin, end},
               "`NOT IN (SELECT ...)` returns no rows if the subquery yields a NULL, and is not "
               "planned as an anti-join")
        .help(fmt::format("use NOT EXISTS: {}", rewrite(test, sub.field(pg::subselect), outer_qualifier(walk))));
  }

 private:
  // A concrete rewrite when the shapes are simple: one column tested, one column selected
  // from one table; otherwise the pattern.
  // The alias or name of the single table of the enclosing statement, to qualify an outer
  // column inside NOT EXISTS (unqualified, it could bind to the inner table).
  static std::string outer_qualifier(const detail::Walk& walk) {
    for (size_t i = walk.ancestors.size(); i-- > 0;) {
      const sql::Node& n = walk.ancestors[i].node;
      sql::Node rel;
      if (n.is(pg::SelectStmt)) {
        sql::List from = n.list(pg::fromClause);
        if (from.size() == 1 && from[0].is(pg::RangeVar)) rel = from[0];
      } else if (n.is(pg::DeleteStmt) || n.is(pg::UpdateStmt)) {
        rel = n.field(pg::relation);
      }
      if (!rel) continue;
      std::string_view alias = rel.field(pg::alias).str(pg::aliasname);
      return std::string(alias.empty() ? rel.str(pg::relname) : alias);
    }
    return {};
  }

  // Whether the subquery cannot yield a NULL: it selects one column, which its WHERE tests
  // with IS NOT NULL (or compares with `=`, `<` ...: a NULL never passes), or which the
  // catalog knows as NOT NULL in its one table. Then NOT IN means what it says.
  static bool yields_no_null(const sql::Node& select, detail::RuleContext& ctx) {
    sql::List targets = select.list(pg::targetList);
    if (!select.is(pg::SelectStmt) || targets.size() != 1) return false;
    std::string_view op = select.str(pg::op);
    if (!op.empty() && op != pg::SETOP_NONE) return false;
    sql::Node val = targets[0].field(pg::val);
    if (!val.is(pg::ColumnRef)) return false;
    sql::List fields = val.list(pg::fields);
    if (fields.empty() || fields[fields.size() - 1].is(pg::A_Star)) return false;
    std::string column(fields[fields.size() - 1].sval());
    std::string ref = sql::qualified_name(fields);
    auto same_ref = [&](const sql::Node& n) {
      return n.is(pg::ColumnRef) && sql::qualified_name(n.list(pg::fields)) == ref;
    };
    for (const sql::Node& c : catalog::and_conjuncts(select.field(pg::whereClause))) {
      if (c.is(pg::NullTest) && c.str(pg::nulltesttype) == pg::IS_NOT_NULL && same_ref(c.field(pg::arg))) return true;
      if (c.is(pg::A_Expr) && c.str(pg::kind) == pg::AEXPR_OP &&
          (same_ref(c.field(pg::lexpr)) || same_ref(c.field(pg::rexpr)))) {
        sql::List name = c.list(pg::name);
        std::string_view o = name.empty() ? std::string_view() : name[name.size() - 1].sval();
        if (o == "=" || o == "<" || o == ">" || o == "<=" || o == ">=" || o == "<>") return true;
      }
    }
    sql::List from = select.list(pg::fromClause);
    if (from.size() != 1 || !from[0].is(pg::RangeVar) || ctx.catalog().empty()) return false;
    const Table* table = ctx.catalog().find_table(from[0].str(pg::schemaname), from[0].str(pg::relname));
    const Column* c = table ? table->column(column) : nullptr;
    return c && c->not_null;
  }

  static std::string rewrite(const sql::Node& test, const sql::Node& select, const std::string& qualifier_outer) {
    std::string outer = test.is(pg::ColumnRef) ? sql::qualified_name(test.list(pg::fields)) : "";
    if (test.is(pg::ColumnRef) && test.list(pg::fields).size() == 1 && !qualifier_outer.empty())
      outer = qualifier_outer + "." + outer;
    sql::List targets = select.list(pg::targetList);
    sql::List from = select.list(pg::fromClause);
    if (outer.empty() || targets.size() != 1 || from.size() != 1 || !from[0].is(pg::RangeVar))
      return "`NOT EXISTS (SELECT 1 FROM ... WHERE inner_col = outer_col)`";
    sql::Node val = targets[0].field(pg::val);
    if (!val.is(pg::ColumnRef)) return "`NOT EXISTS (SELECT 1 FROM ... WHERE inner_col = outer_col)`";
    sql::Node rel = from[0];
    std::string alias(rel.field(pg::alias).str(pg::aliasname));
    std::string name(rel.str(pg::relname));
    std::string schema(rel.str(pg::schemaname));
    std::string qualifier = alias.empty() ? name : alias;
    sql::List inner_fields = val.list(pg::fields);
    std::string inner_col(inner_fields.size() ? inner_fields[inner_fields.size() - 1].sval() : "");
    std::string table = schema.empty() ? name : schema + "." + name;
    std::string where = select.has(pg::whereClause) ? " AND ..." : "";
    return fmt::format("`NOT EXISTS (SELECT 1 FROM {}{} WHERE {}.{} = {}{})`", table, alias.empty() ? "" : " " + alias,
                       qualifier, inner_col, outer, where);
  }
};

}  // namespace

const detail::SqlRule& not_in_subquery() {
  static const NotInSubquery rule;
  return rule;
}

}  // namespace pglens::rules
