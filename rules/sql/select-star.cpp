#include <cctype>
#include <functional>
#include <span>

#include <fmt/format.h>

#include "catalog/names.hpp"
#include "catalog/query_facts.hpp"
#include "registry.hpp"
#include "schema_rules.hpp"
#include "sql/pg_names.hpp"

namespace pg = pglens::sql::pg;

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
        .docs =
            {
                .what_it_does = "Reports `SELECT *` and `t.*` (and `RETURNING *`) where the rows reach the client. "
                                "A `*` inside `EXISTS (...)`, `count(*)`, or a CTE or subquery whose columns the "
                                "outer query lists explicitly is not reported. The fix (safe) writes out the columns "
                                "the star stands for, from the catalog, in table order: `*` becomes every column of "
                                "every relation in FROM (qualified by alias when there are several), `t.*` only "
                                "`t`'s columns (`t.id, t.status`). It is offered only when the catalog knows the "
                                "columns of every relation the star covers (tables, views), and not for a star over "
                                "a CTE, a subquery, a function or a JOIN ... USING / NATURAL JOIN (whose `*` shows the "
                                "join columns once), nor where FROM renames columns (`AS x(a, b)`), aliases a join "
                                "(`(a JOIN b ON ...) AS j`) or names two relations alike (`public.t, audit.t`).",
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
    // A function's declared result type, not `*`, says which columns its caller gets; and
    // `RETURNS SETOF t ... SELECT * FROM t` is what keeps matching t when a column is added.
    if (schema::in_function_body(walk)) return;
    if (node.is(pg::SelectStmt)) {
      if (!schema::client_path(walk).reaches_client || node.has(pg::intoClause)) return;
      sql::List targets = node.list(pg::targetList);
      if (!has_star(targets)) return;
      std::vector<sql::Node> ctes = schema::visible_ctes(node, walk);
      const catalog::QueryFacts& facts = ctx.query_facts(node, ctes);
      report_stars(targets, node, facts.relations, facts.merged_join_columns, ctx, "SELECT", ctes);
    } else if (walk.ancestors.empty()) {
      sql::List targets = node.field(pg::returningClause).list(pg::exprs);
      if (!has_star(targets)) return;
      report_stars(targets, node, returning_relations(node, ctx.catalog()), false, ctx, "RETURNING");
    }
  }

 private:
  static bool is_star(const sql::Node& ref) {
    if (!ref.is(pg::ColumnRef)) return false;
    sql::List fields = ref.list(pg::fields);
    return !fields.empty() && fields[fields.size() - 1].is(pg::A_Star);
  }

  static bool has_star(const sql::List& targets) {
    for (sql::Node target : targets)
      if (is_star(target.field(pg::val))) return true;
    return false;
  }

  // The relation whose rows RETURNING shows: the target table, alone (a FROM / USING adds
  // its relations to RETURNING *, left without a fix).
  static std::vector<catalog::RelationRef> returning_relations(const sql::Node& stmt, const Catalog& catalog) {
    if (!stmt.list(pg::fromClause).empty() || !stmt.list(pg::usingClause).empty()) return {};
    sql::Node rel = stmt.field(pg::relation);
    catalog::RelationRef r;
    r.table = catalog.find_table(rel.str(pg::schemaname), rel.str(pg::relname));
    sql::Node alias = rel.field(pg::alias);
    r.alias = std::string(alias ? alias.str(pg::aliasname) : rel.str(pg::relname));
    return {r};
  }

  // The explicit list a star stands for, or nullopt unless the catalog knows the columns of
  // every relation it covers.
  static std::optional<std::string> expansion(const sql::List& fields,
                                              const std::vector<catalog::RelationRef>& relations,
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

  // Whether FROM renames what a star shows, so that the catalog's column names would not be
  // the star's: column aliases (`t AS x(a, b)`) or an aliased join (`(a JOIN b ON ...) AS j`
  // hides `a` and `b`).
  static bool renames_columns(const sql::Node& item) {
    if (item.is(pg::RangeVar)) {
      sql::Node alias = item.field(pg::alias);
      return alias && !alias.list(pg::colnames).empty();
    }
    if (item.is(pg::JoinExpr))
      return item.has(pg::alias) || renames_columns(item.field(pg::larg)) || renames_columns(item.field(pg::rarg));
    return false;
  }

  // Whether two relations a star covers go by the same name: their columns could not be
  // told apart once written out (`public.t, audit.t`).
  static bool names_clash(const std::vector<catalog::RelationRef>& relations) {
    for (size_t i = 0; i < relations.size(); ++i)
      for (size_t j = i + 1; j < relations.size(); ++j)
        if (relations[i].alias == relations[j].alias) return true;
    return false;
  }

  static std::string relation_names(const sql::Node& stmt) {
    std::string out;
    int n = 0;
    for (sql::Node from : stmt.list(pg::fromClause)) {
      if (!from.is(pg::RangeVar)) continue;
      if (n++) out += "`, `";
      if (!from.str(pg::schemaname).empty()) out += fmt::format("{}.", from.str(pg::schemaname));
      out += from.str(pg::relname);
    }
    return n ? fmt::format(" of `{}`", out) : std::string();
  }

  // Whether the columns of a FROM item are fixed by the query text itself: a function or
  // table function (its declared result), VALUES, or a subquery / WITH query whose own output
  // list names its columns. A star over such items sends exactly what the text shows, and
  // gains no column when a table does.
  static bool fixed_item(const sql::Node& item, std::span<const sql::Node> ctes, int depth) {
    if (depth > 8 || !item) return false;
    if (item.is(pg::RangeFunction) || item.is(pg::RangeTableFunc) || item.is(pg::JsonTable)) return true;
    if (item.is(pg::RangeSubselect)) return fixed_select(item.field(pg::subquery), ctes, depth + 1);
    if (item.is(pg::JoinExpr))
      return fixed_item(item.field(pg::larg), ctes, depth + 1) && fixed_item(item.field(pg::rarg), ctes, depth + 1);
    if (item.is(pg::RangeVar) && item.str(pg::schemaname).empty())
      for (const auto& cte : ctes)
        if (cte.str(pg::ctename) == item.str(pg::relname))
          return fixed_select(cte.field(pg::ctequery), ctes, depth + 1);
    return false;  // a table or view: its columns are the schema's
  }

  static bool fixed_select(const sql::Node& select, std::span<const sql::Node> ctes, int depth) {
    if (depth > 8 || !select.is(pg::SelectStmt)) return false;
    std::string_view op = select.str(pg::op);
    if (!op.empty() && op != pg::SETOP_NONE)
      return fixed_select(select.field(pg::larg), ctes, depth + 1);  // the first arm names them
    if (select.has(pg::valuesLists)) return true;
    std::vector<sql::Node> inner(ctes.begin(), ctes.end());
    catalog::add_ctes(select, inner);
    for (sql::Node target : select.list(pg::targetList))
      if (is_star(target.field(pg::val)) &&
          !stars_over_fixed(target.field(pg::val).list(pg::fields), select, inner, depth + 1))
        return false;
    return true;
  }

  // Whether the star (`*` or `t.*`) of `select` covers only FROM items of fixed columns.
  static bool stars_over_fixed(const sql::List& fields, const sql::Node& select, std::span<const sql::Node> ctes,
                               int depth) {
    sql::List from = select.list(pg::fromClause);
    if (from.empty()) return false;
    if (fields.size() == 1) {
      for (sql::Node item : from)
        if (!fixed_item(item, ctes, depth)) return false;
      return true;
    }
    if (fields.size() != 2) return false;
    std::string_view name = fields[0].sval();
    // The FROM item that `name` names, looking through joins.
    std::function<std::optional<bool>(const sql::Node&)> find = [&](const sql::Node& item) -> std::optional<bool> {
      if (item.is(pg::JoinExpr)) {
        if (auto l = find(item.field(pg::larg))) return l;
        return find(item.field(pg::rarg));
      }
      sql::Node alias = item.field(pg::alias);
      std::string_view item_name = alias ? alias.str(pg::aliasname)
          : item.is(pg::RangeVar)        ? item.str(pg::relname)
                                         : std::string_view();
      if (item_name != name) return std::nullopt;
      return fixed_item(item, ctes, depth);
    };
    for (sql::Node item : from)
      if (auto fixed = find(item)) return *fixed;
    return false;
  }

  static void report_stars(const sql::List& targets, const sql::Node& stmt,
                           const std::vector<catalog::RelationRef>& relations, bool merged_join_columns,
                           detail::RuleContext& ctx, std::string_view clause, std::span<const sql::Node> ctes = {}) {
    for (sql::Node target : targets) {
      sql::Node ref = target.field(pg::val);
      if (!is_star(ref)) continue;
      sql::List fields = ref.list(pg::fields);
      if (clause == "SELECT" && stars_over_fixed(fields, stmt, ctes, 0)) continue;
      auto loc = ref.location();
      if (!loc) continue;
      Span span{*loc, sql::token_end(ctx.text(), *loc)};
      std::string what = sql::qualified_name(fields);  // "*" or "t.*"
      std::string of =
          fields.size() > 1 ? fmt::format(" of `{}`", what.substr(0, what.size() - 2)) : relation_names(stmt);
      auto& d = ctx.report(span, fmt::format("`{} {}` sends every column{} to the client", clause, what, of))
                    .help(
                        "list the columns the code reads: fewer bytes on the wire, index-only scans become "
                        "possible, and the result keeps its shape when columns are added");
      // The edit replaces exactly the star as written (`*`, `o.*`).
      std::string_view text = ctx.text();
      bool whole = span.end > span.begin && text[span.end - 1] == '*';
      bool renamed = false;
      for (sql::Node from : stmt.list(pg::fromClause)) renamed = renamed || renames_columns(from);
      if (renamed || names_clash(relations)) continue;
      if (auto list = expansion(fields, relations, merged_join_columns); list && whole) {
        // `SELECT*FROM t` has no blank around the star: the list must not glue to its neighbours.
        auto glues = [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '"' ||
              static_cast<unsigned char>(c) >= 0x80;
        };
        if (span.begin > 0 && glues(text[span.begin - 1])) list->insert(0, " ");
        if (span.end < text.size() && glues(text[span.end])) *list += " ";
        d.fix(Fix{fmt::format("list the columns of `{}`", what), {{span, *list}}, true});
      }
    }
  }
};

}  // namespace

const detail::SqlRule& select_star() {
  static const SelectStar rule;
  return rule;
}

}  // namespace pglens::rules
