#include <fmt/format.h>

#include "catalog/index_advisor.hpp"
#include "catalog/query_facts.hpp"
#include "catalog/selectivity.hpp"
#include "registry.hpp"
#include "schema_rules.hpp"

namespace pglens::rules {
namespace {

using catalog::PredicateOp;

// A query filters a large table on columns no index serves: every row is read to find the
// few it wants. One finding per query and table, with the one index that serves it all.
class MissingIndexFilter final : public detail::SqlRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "missing-index-filter",
        .category = RuleCategory::performance,
        .default_severity = Severity::warning,
        .has_fix = false,
        .options = schema::size_options(),
        .docs =
            {
                .what_it_does =
                    "Reports a WHERE or JOIN ... ON condition (`=`, `<`, `>`, `<=`, `>=`, BETWEEN, IN, `= ANY`, IS "
                    "NULL, "
                    "`LIKE 'prefix%'`) on a column of a large table when no index of the catalog can serve any of the "
                    "query's conditions on that table. An index serves a column when the column is its leading key or "
                    "follows keys the query matches by equality; a partial index only when the query implies its "
                    "predicate. The finding carries the one index that serves the whole query: equality columns first, "
                    "then one range column, then the ORDER BY columns. A BRIN index serves equalities and ranges on "
                    "its columns. When the catalog has the table's statistics (pg_stats, read under `--db` or kept in "
                    "a `catalog dump --db` snapshot), the share of rows the equalities keep decides, estimated as "
                    "PostgreSQL does from the most common values, the NULL fraction and the number of distinct "
                    "values: at most 5 % the finding stands and says the share and where it came from, above it "
                    "(a boolean, a status, `IN (...)` of frequent values) there is none. Without statistics, not "
                    "reported: equality on a boolean or status-like column alone (`status IN (...)` "
                    "keeps a large share of the rows). Never reported: the ON conditions of the null-extended side of "
                    "an outer join "
                    "(the join's index is "
                    "missing-index-join's), and UPDATE / DELETE in migration files (`migrations` in .pglens.toml), "
                    "which run once. When no size hint, snapshot or live statistics give the table's size, the "
                    "finding is `info` unless `assume-large = true`.",
                .why_is_this_bad =
                    "Without an index PostgreSQL reads every row of the table (a Seq Scan) to find the few the query "
                    "wants: the cost grows with the table, not with the result, and the scan competes with every other "
                    "query for I/O and cache.",
                .example = "-- orders: 50 M rows, indexed on id only\n"
                           "SELECT id, total_amount FROM orders WHERE customer_id = $1 AND created_at >= $2;",
                .use_instead = "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_created_at_idx\n"
                               "    ON orders (customer_id, created_at);",
                .references =
                    "https://www.postgresql.org/docs/current/indexes-multicolumn.html\n"
                    "https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY\n"
                    "https://use-the-index-luke.com/sql/where-clause",
            },
        .summary = "A large table is filtered on columns no index serves",
    };
    return info;
  }

  std::vector<std::string_view> node_kinds() const override { return {"SelectStmt", "UpdateStmt", "DeleteStmt"}; }

  void check_node(const sql::Node& node, const detail::Walk& walk, detail::RuleContext& ctx) const override {
    if (!schema::is_query(node) || schema::one_off_change(node, walk, ctx) || ctx.catalog().empty()) return;
    const catalog::QueryFacts& facts = ctx.query_facts(node);
    const schema::LargeTables is_large(ctx);
    for (size_t r = 0; r < facts.relations.size(); ++r) {
      const Table* table = facts.relations[r].table;
      if (!table || table->kind == RelationKind::view || !is_large(*table)) continue;
      if (facts.filter_served(r)) continue;
      // The ON conditions of the null-extended side of an outer join pick the rows to join,
      // they filter nothing out: the join's index is missing-index-join's to find.
      bool joined = facts.relations[r].nullable;
      const catalog::Condition* first = nullptr;
      bool selective = false;
      // The conditions the table's statistics estimate (pg_stats, under --db or from a
      // snapshot): the share of rows they keep together, as the planner multiplies them.
      double kept = 1;
      const catalog::Condition* estimated = nullptr;
      const catalog::Condition* first_selective = nullptr;
      std::optional<catalog::Selectivity> estimate;
      for (const auto& c : facts.conditions) {
        if (c.relation != r || !c.is_lookup() || !c.predicate.is_column() || (c.from_join && joined)) continue;
        if (!first) first = &c;
        if (auto e = catalog::estimate_selectivity(*table, c)) {
          kept *= e->fraction;
          if (!estimate || e->fraction < estimate->fraction) {
            estimate = e;
            estimated = &c;
          }
          continue;
        }
        // Without statistics: a boolean or a status-like column compared for equality
        // (`status IN (...)`) keeps a large share of the rows, and a scan of the table is
        // what the planner would choose. The finding names the first condition that does
        // select (`user_role_id = 1`, not the `status = 'enabled'` written before it).
        bool this_selective = !(c.predicate.op == PredicateOp::equality && !c.predicate.is_null_test &&
                                catalog::low_cardinality(*table, c.predicate.column));
        if (this_selective && !selective) first_selective = &c;
        selective = selective || this_selective;
      }
      if (first_selective) first = first_selective;
      if (estimate && !selective) {
        selective = kept <= catalog::kSelectiveFraction;
        if (selective) first = estimated;
      }
      if (!first || !selective) continue;
      auto suggestion = catalog::suggest_index(ctx.catalog(), *table, facts.filter_request(r));
      if (!suggestion) continue;
      std::string column = fmt::format("{}.{}", table->name, first->predicate.column);
      // Where the share of rows came from, when statistics gave it.
      std::string share;
      if (estimate && first == estimated)
        share = fmt::format(" (it keeps about {} of the rows by {})", catalog::percent_text(kept), estimate->source);
      schema::rests_on_size(ctx.report(schema::token_span(ctx, first->location),
                                       fmt::format("`{}` is filtered on{}, {}, and no index serves it", column, share,
                                                   schema::size_phrase(*table))),
                            *table, ctx)
          .help(fmt::format("without an index every row of `{}` is read to find the matches; create the index "
                            "{} (CONCURRENTLY does not block writes)",
                            table->name, suggestion->summary))
          .ddl(suggestion->ddl);
    }
  }
};

}  // namespace

const detail::SqlRule& missing_index_filter() {
  static const MissingIndexFilter rule;
  return rule;
}

}  // namespace pglens::rules
