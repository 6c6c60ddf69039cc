#include <fmt/format.h>

#include "registry.hpp"
#include "schema_rules.hpp"

namespace pglens::rules {
namespace {

// A SELECT's rows reach the client when it is the statement itself, an arm of a UNION /
// INTERSECT / EXCEPT that does, or the query of a cursor. A `*` in a CTE, a subquery in
// FROM or an EXISTS does not: the outer query decides which columns leave the server.
class SelectStar final : public detail::SqlRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "select-star",
        .category = RuleCategory::performance,
        .default_severity = Severity::warning,
        .has_fix = false,
        .docs = {
            .what_it_does = "Reports `SELECT *` and `t.*` (and `RETURNING *`) where the rows reach the client. "
                            "A `*` inside `EXISTS (...)`, `count(*)`, or a CTE or subquery whose columns the "
                            "outer query lists explicitly is not reported.",
            .why_is_this_bad = "Every column travels to the client, including wide text and jsonb the code never "
                               "reads: more I/O, more network, more memory. It defeats index-only scans, and the "
                               "result silently changes shape when a column is added or reordered.",
            .example = "SELECT * FROM orders WHERE customer_id = $1;",
            .use_instead = "SELECT id, status, total_amount FROM orders WHERE customer_id = $1;",
            .references = "https://www.postgresql.org/docs/current/indexes-index-only-scans.html\n"
                          "https://wiki.postgresql.org/wiki/Don%27t_Do_This",
        },
        .summary = "SELECT * sends every column to the client",
    };
    return info;
  }

  std::vector<std::string_view> node_kinds() const override {
    return {"SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt"};
  }

  void check_node(const sql::Node& node, const detail::Walk& walk, detail::RuleContext& ctx) const override {
    if (node.is("SelectStmt")) {
      if (!schema::client_path(walk).reaches_client || node.has("intoClause")) return;
      report_stars(node.list("targetList"), node, ctx, "SELECT");
    } else if (walk.ancestors.empty()) {
      report_stars(node.list("returningList"), node, ctx, "RETURNING");
    }
  }

 private:
  static std::string relation_names(const sql::Node& stmt) {
    std::string out;
    int n = 0;
    for (sql::Node from : stmt.list("fromClause")) {
      if (!from.is("RangeVar")) continue;
      if (n++) out += "`, `";
      if (!from.str("schemaname").empty()) out += fmt::format("{}.", from.str("schemaname"));
      out += from.str("relname");
    }
    return n ? fmt::format(" of `{}`", out) : std::string();
  }

  static void report_stars(const sql::List& targets, const sql::Node& stmt, detail::RuleContext& ctx,
                           std::string_view clause) {
    for (sql::Node target : targets) {
      sql::Node ref = target.field("val");
      if (!ref.is("ColumnRef")) continue;
      sql::List fields = ref.list("fields");
      if (fields.empty() || !fields[fields.size() - 1].is("A_Star")) continue;
      auto loc = ref.location();
      if (!loc) continue;
      Span span{*loc, sql::token_end(ctx.text(), *loc)};
      std::string what = sql::qualified_name(fields);  // "*" or "t.*"
      std::string of = fields.size() > 1 ? fmt::format(" of `{}`", what.substr(0, what.size() - 2)) : relation_names(stmt);
      ctx.report(span, fmt::format("`{} {}` sends every column{} to the client", clause, what, of))
          .help("list the columns the code reads: fewer bytes on the wire, index-only scans become possible, "
                "and the result keeps its shape when columns are added");
    }
  }
};

}  // namespace

const detail::SqlRule& select_star() {
  static const SelectStar rule;
  return rule;
}

}  // namespace pglens::rules
