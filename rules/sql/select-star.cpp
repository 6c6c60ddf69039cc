#include <fmt/format.h>

#include "catalog/names.hpp"
#include "catalog/query_facts.hpp"
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
        .has_fix = true,
        .docs = {
            .what_it_does = "Reports `SELECT *` and `t.*` (and `RETURNING *`) where the rows reach the client. "
                            "A `*` inside `EXISTS (...)`, `count(*)`, or a CTE or subquery whose columns the "
                            "outer query lists explicitly is not reported. The fix (safe) writes out the columns "
                            "the star stands for, from the catalog, in table order: `*` becomes every column of "
                            "every relation in FROM (qualified by alias when there are several), `t.*` only "
                            "`t`'s columns (`t.id, t.status`). It is offered only when the catalog knows the "
                            "columns of every relation the star covers (tables, views), and not for a star over "
                            "a CTE, a subquery, a function or a JOIN ... USING / NATURAL JOIN (whose `*` shows the "
                            "join columns once).",
            .why_is_this_bad = "Every column travels to the client, including wide text and jsonb the code never "
                               "reads: more I/O, more network, more memory. It defeats index-only scans, and the "
                               "result silently changes shape when a column is added or reordered.",
            .example = "SELECT * FROM orders WHERE customer_id = $1;",
            .use_instead = "-- the fix lists every column; then drop those the code does not read\n"
                           "SELECT id, status, total_amount FROM orders WHERE customer_id = $1;",
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
      sql::List targets = node.list("targetList");
      if (!has_star(targets)) return;
      const catalog::QueryFacts& facts = ctx.query_facts(node, schema::visible_ctes(node, walk));
      report_stars(targets, node, facts.relations, facts.merged_join_columns, ctx, "SELECT");
    } else if (walk.ancestors.empty()) {
      sql::List targets = node.field("returningClause").list("exprs");
      if (!has_star(targets)) return;
      report_stars(targets, node, returning_relations(node, ctx.catalog()), false, ctx, "RETURNING");
    }
  }

 private:
  static bool is_star(const sql::Node& ref) {
    if (!ref.is("ColumnRef")) return false;
    sql::List fields = ref.list("fields");
    return !fields.empty() && fields[fields.size() - 1].is("A_Star");
  }

  static bool has_star(const sql::List& targets) {
    for (sql::Node target : targets)
      if (is_star(target.field("val"))) return true;
    return false;
  }

  // The relation whose rows RETURNING shows: the target table, alone (a FROM / USING adds
  // its relations to RETURNING *, left without a fix).
  static std::vector<catalog::RelationRef> returning_relations(const sql::Node& stmt, const Catalog& catalog) {
    if (!stmt.list("fromClause").empty() || !stmt.list("usingClause").empty()) return {};
    sql::Node rel = stmt.field("relation");
    catalog::RelationRef r;
    r.table = catalog.find_table(rel.str("schemaname"), rel.str("relname"));
    sql::Node alias = rel.field("alias");
    r.alias = std::string(alias ? alias.str("aliasname") : rel.str("relname"));
    return {r};
  }

  // The explicit list a star stands for, or nullopt unless the catalog knows the columns of
  // every relation it covers.
  static std::optional<std::string> expansion(const sql::List& fields, const std::vector<catalog::RelationRef>& relations,
                                              bool merged_join_columns) {
    auto columns_of = [](const catalog::RelationRef& r) -> const std::vector<Column>* {
      bool known = r.source == catalog::RelationSource::table && r.table && !r.table->columns.empty();
      return known ? &r.table->columns : nullptr;
    };
    std::vector<std::string> out;
    auto add = [&](const std::vector<Column>& columns, const std::string& prefix) {
      for (const auto& c : columns) out.push_back(prefix + catalog::quote_ident(c.name));
    };
    if (fields.size() > 1) {  // t.* or schema.t.*: that relation's columns, qualified as written
      std::string prefix, written = sql::qualified_name(fields);
      written.resize(written.size() - 2);  // without ".*"
      for (size_t i = 0; i + 1 < fields.size(); ++i) prefix += catalog::quote_ident(fields[i].sval()) + ".";
      const catalog::RelationRef* match = nullptr;
      for (const auto& r : relations) {
        if ((fields.size() == 2 ? r.alias : r.written) != written) continue;
        if (match) return std::nullopt;  // ambiguous
        match = &r;
      }
      const auto* columns = match ? columns_of(*match) : nullptr;
      if (!columns) return std::nullopt;
      add(*columns, prefix);
    } else {  // *: every relation's columns, in FROM order
      if (relations.empty() || merged_join_columns) return std::nullopt;
      for (const auto& r : relations) {
        const auto* columns = columns_of(r);
        if (!columns) return std::nullopt;
        add(*columns, relations.size() > 1 ? catalog::quote_ident(r.alias) + "." : std::string());
      }
    }
    return fmt::format("{}", fmt::join(out, ", "));
  }

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

  static void report_stars(const sql::List& targets, const sql::Node& stmt,
                           const std::vector<catalog::RelationRef>& relations, bool merged_join_columns,
                           detail::RuleContext& ctx, std::string_view clause) {
    for (sql::Node target : targets) {
      sql::Node ref = target.field("val");
      if (!is_star(ref)) continue;
      sql::List fields = ref.list("fields");
      auto loc = ref.location();
      if (!loc) continue;
      Span span{*loc, sql::token_end(ctx.text(), *loc)};
      std::string what = sql::qualified_name(fields);  // "*" or "t.*"
      std::string of = fields.size() > 1 ? fmt::format(" of `{}`", what.substr(0, what.size() - 2)) : relation_names(stmt);
      auto& d = ctx.report(span, fmt::format("`{} {}` sends every column{} to the client", clause, what, of))
                    .help("list the columns the code reads: fewer bytes on the wire, index-only scans become "
                          "possible, and the result keeps its shape when columns are added");
      // The edit replaces exactly the star as written (`*`, `o.*`).
      bool whole = span.end > span.begin && ctx.text()[span.end - 1] == '*';
      if (auto list = expansion(fields, relations, merged_join_columns); list && whole)
        d.fix(Fix{fmt::format("list the columns of `{}`", what), {{span, *list}}, true});
    }
  }
};

}  // namespace

const detail::SqlRule& select_star() {
  static const SelectStar rule;
  return rule;
}

}  // namespace pglens::rules
