#include <fmt/format.h>

#include "catalog/names.hpp"
#include "catalog/query_facts.hpp"
#include "registry.hpp"
#include "schema_rules.hpp"
#include "sql/pg_names.hpp"

namespace pg = pglens::sql::pg;

namespace pglens::rules {
namespace {

// A SELECT that hands every row of a large table to the client: no WHERE, no LIMIT, no
// aggregate. Through a CTE or a subquery in FROM too, when that query is unbounded itself.
class UnboundedSelect final : public detail::SqlRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "unbounded-select",
        .category = RuleCategory::performance,
        .default_severity = Severity::warning,
        .has_fix = false,
        .options = options(),
        .docs =
            {
                .what_it_does =
                    "Reports a SELECT whose rows reach the client and that reads a large table with no WHERE, no "
                    "LIMIT / FETCH FIRST, no aggregate, GROUP BY or DISTINCT: every row of the table is sent. A CTE or "
                    "subquery in FROM counts when it is itself unbounded; a join only when every joined relation is "
                    "large. Quiet for a SELECT that feeds the server (INSERT ... SELECT, CREATE TABLE AS, EXISTS, a "
                    "subquery), for a cursor (the client fetches in batches, which is the remedy), for a table the "
                    "catalog knows to be small, and, by default, for a table of unknown size. A query that "
                    "`in-app-aggregation` reports (when "
                    "enabled) is left to that rule.",
                .why_is_this_bad =
                    "The cost grows with the table, not with what the caller needs: a 50 M-row table is read whole, "
                    "serialised, sent over the network and held in the client's memory (most drivers buffer the whole "
                    "result). It works in development with 100 rows and falls over in production.",
                .example = "-- orders: 50 M rows\nSELECT id, status, total_amount FROM orders;",
                .use_instead = "-- filter, or page by key (keyset pagination)\n"
                               "SELECT id, status, total_amount FROM orders WHERE id > $1 ORDER BY id LIMIT 1000;\n"
                               "-- a full export: COPY (SELECT ...) TO STDOUT, or a cursor",
                .references = "https://www.postgresql.org/docs/current/queries-limit.html\n"
                              "https://use-the-index-luke.com/no-offset\n"
                              "https://www.postgresql.org/docs/current/sql-declare.html",
            },
        .summary = "Every row of a large table is sent to the client",
    };
    return info;
  }

  std::vector<std::string_view> node_kinds() const override { return {"SelectStmt"}; }

  void check_node(const sql::Node& node, const detail::Walk& walk, detail::RuleContext& ctx) const override {
    if (ctx.catalog().empty() || !schema::is_query(node) || node.has(pg::intoClause)) return;
    schema::ClientPath path = schema::client_path(walk);
    if (!path.reaches_client || path.through_cursor || path.limited || path.filtered) return;
    std::vector<sql::Node> ctes = schema::visible_ctes(node, walk);
    auto found = unbounded_source(node, ctes, ctx, 0);
    if (!found) return;
    // One finding per query: the more specific one, with the aggregate to run instead.
    if (schema::in_app_aggregation_reports(ctx.query_facts(node, ctes), node, ctx)) return;
    const Table& table = *found->table;
    std::string through = found->through.empty() ? std::string() : fmt::format(" (through `{}`)", found->through);
    auto& d = ctx.report(schema::token_span(ctx, found->location),
                         fmt::format("every row of `{}`{} goes to the client: no WHERE, no LIMIT, and {}", table.name,
                                     through, schema::size_phrase(table)));
    schema::rests_on_size(d, table, ctx);
    std::string help =
        "filter with WHERE, page with LIMIT by key (keyset pagination), or aggregate in the database; "
        "to export the whole table use `COPY (SELECT ...) TO STDOUT` or a cursor";
    if (auto paged = paged_rewrite(node, walk, *found, ctx)) help += fmt::format(". Paged: `{}`", *paged);
    d.help(std::move(help));
  }

 private:
  static std::vector<RuleOption> options() {
    auto o = schema::size_options(false);
    o.push_back({.name = "page-size",
                 .default_value = int64_t{1000},
                 .description = "The LIMIT of the keyset-pagination rewrite the help shows"});
    return o;
  }

  struct Source {
    const Table* table = nullptr;
    uint32_t location = 0;  // of the FROM item in the reported SELECT
    std::string through;    // the CTE or subquery the rows come through, when any
  };

  // The large table every row of which `select` yields, or nullopt. `depth` bounds the walk
  // through CTEs (a recursive CTE names itself).
  static std::optional<Source> unbounded_source(const sql::Node& select, std::span<const sql::Node> ctes,
                                                const detail::RuleContext& ctx, int depth) {
    if (depth > 8 || !select.is(pg::SelectStmt) || schema::has_row_limit(select)) return std::nullopt;
    std::string_view op = select.str(pg::op);
    if (!op.empty() && op != pg::SETOP_NONE) {
      if (op != pg::SETOP_UNION) return std::nullopt;  // INTERSECT / EXCEPT keep only some rows
      auto left = unbounded_source(select.field(pg::larg), ctes, ctx, depth + 1);
      return left ? left : unbounded_source(select.field(pg::rarg), ctes, ctx, depth + 1);
    }
    if (select.has(pg::whereClause) || select.has(pg::valuesLists)) return std::nullopt;
    const catalog::QueryFacts& facts = ctx.query_facts(select, ctes);
    if (facts.has_aggregate || facts.has_group_by || facts.distinct || facts.relations.empty()) return std::nullopt;
    // A JOIN ... ON comparing a column with a constant or parameter filters like a WHERE,
    // unless it is on the null-extended side of an outer join: that keeps every row.
    for (const auto& c : facts.conditions)
      if ((c.value == catalog::ValueKind::constant || c.value == catalog::ValueKind::parameter) &&
          !facts.relations[c.relation].nullable)
        return std::nullopt;
    std::optional<Source> largest;
    for (const catalog::RelationRef& rel : facts.relations) {
      // `a LEFT JOIN b` sends every row of a, whatever b holds: b is not where the rows come from.
      if (rel.nullable) continue;
      std::optional<Source> here;
      if (rel.table && schema::is_large(*rel.table, ctx)) {
        here = Source{rel.table, rel.location, {}};
      } else if (rel.source == catalog::RelationSource::cte || rel.source == catalog::RelationSource::subquery) {
        if (auto inner = unbounded_source(rel.query, ctes, ctx, depth + 1)) {
          // A subquery has no location of its own: point at the table inside it.
          uint32_t at = rel.source == catalog::RelationSource::cte ? rel.location : inner->location;
          here = Source{inner->table, at, rel.alias};
        }
      }
      // A join with a small or unknown relation may keep few rows: only all-large joins count.
      if (!here) return std::nullopt;
      if (!largest || rows_of(*here->table) > rows_of(*largest->table)) largest = here;
    }
    return largest;
  }

  static double rows_of(const Table& t) { return t.size.rows.value_or(0); }

  // The statement paged by its table's one-column primary key, when the SELECT is the whole
  // statement on that table alone and has no clause the appended text would land after.
  static std::optional<std::string> paged_rewrite(const sql::Node& select, const detail::Walk& walk,
                                                  const Source& source, detail::RuleContext& ctx) {
    if (!walk.ancestors.empty() || !source.through.empty() || select.has(pg::sortClause) ||
        select.has(pg::limitCount) || select.has(pg::limitOffset) || select.has(pg::lockingClause) ||
        select.has(pg::windowClause) || select.list(pg::fromClause).size() != 1 ||
        !select.list(pg::fromClause)[0].is(pg::RangeVar))
      return std::nullopt;
    const Table& table = *source.table;
    const Constraint* pk = nullptr;
    for (const auto& c : table.constraints)
      if (c.kind == ConstraintKind::primary_key && c.columns.size() == 1) pk = &c;
    if (!pk) return std::nullopt;
    Span span = walk.statement.span;
    auto flat = schema::one_line(ctx.text().substr(span.begin, span.end - span.begin));
    if (!flat) return std::nullopt;
    sql::Node alias = select.list(pg::fromClause)[0].field(pg::alias);
    std::string key = catalog::quote_ident(pk->columns[0]);
    if (alias) key = fmt::format("{}.{}", catalog::quote_ident(alias.str(pg::aliasname)), key);
    return fmt::format("{} WHERE {} > $1 ORDER BY {} LIMIT {};", *flat, key, key, ctx.int_option("page-size"));
  }
};

}  // namespace

const detail::SqlRule& unbounded_select() {
  static const UnboundedSelect rule;
  return rule;
}

}  // namespace pglens::rules
