#include <algorithm>

#include <fmt/format.h>

#include "catalog/index_advisor.hpp"
#include "catalog/names.hpp"
#include "catalog/selectivity.hpp"
#include "registry.hpp"
#include "schema_rules.hpp"
#include "sql/pg_names.hpp"

namespace pg = pglens::sql::pg;

namespace pglens::rules {
namespace {

// FOREIGN KEY (a) REFERENCES t with no index led by `a`: PostgreSQL indexes the referenced
// key, never the referencing one.
class FkWithoutIndex final : public detail::SqlRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "fk-without-index",
        .category = RuleCategory::performance,
        .default_severity = Severity::warning,
        .has_fix = false,
        .options = schema::size_options(),
        .docs =
            {
                .what_it_does =
                    "Reports a FOREIGN KEY (in CREATE TABLE or ALTER TABLE) whose referencing columns lead no index of "
                    "the table, as the catalog stands after all the DDL it knows (an index created later in the "
                    "migrations counts). A partial index counts when the constraint check's lookup implies its "
                    "predicate: `WHERE fk IS NOT NULL` on the key's columns. A table whose size the catalog knows "
                    "(live statistics, a snapshot or a size hint) below `large-table-rows` is not reported: the "
                    "check's scan of it is cheap. With the table's pg_stats (under `--db`, or a snapshot of them), "
                    "neither is a key whose one value finds more than 5% of the rows (an index would be read for "
                    "most of the table), and the finding says what share a check finds.",
                .why_is_this_bad =
                    "PostgreSQL creates an index for the referenced key but not for the referencing columns. Every "
                    "DELETE or key UPDATE on the referenced table then scans the referencing table to check the "
                    "constraint (often under lock), and joins along the key have nothing to use.",
                .example = "CREATE TABLE order_items (\n    order_id bigint REFERENCES orders (id),\n    product_id "
                           "bigint\n);",
                .use_instead =
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS order_items_order_id_idx ON order_items (order_id);",
                .references = "https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK\n"
                              "https://www.cybertec-postgresql.com/en/index-your-foreign-key/",
            },
        .summary = "A foreign key's referencing columns lead no index",
    };
    return info;
  }

  std::vector<std::string_view> node_kinds() const override { return {"CreateStmt", "AlterTableStmt"}; }

  void check_node(const sql::Node& node, const detail::Walk&, detail::RuleContext& ctx) const override {
    // The foreign keys first: a statement declaring none never looks at the catalog, and its
    // findings then hold whatever the catalog holds (the linter keeps them: Prelint).
    std::vector<ForeignKey> keys;
    if (node.is(pg::CreateStmt)) {
      for (sql::Node e : node.list(pg::tableElts)) {
        if (e.is(pg::ColumnDef)) {
          for (sql::Node con : e.list(pg::constraints)) add_if_foreign(keys, con, std::string(e.str(pg::colname)));
        } else if (e.is(pg::Constraint)) {
          add_if_foreign(keys, e, {});
        }
      }
    } else {
      for (sql::Node cmd : node.list(pg::cmds)) {
        if (cmd.str(pg::subtype) == pg::AT_AddConstraint) add_if_foreign(keys, cmd.field(pg::def), {});
        if (cmd.str(pg::subtype) == pg::AT_AddColumn) {
          sql::Node def = cmd.field(pg::def);
          for (sql::Node con : def.list(pg::constraints)) add_if_foreign(keys, con, std::string(def.str(pg::colname)));
        }
      }
    }
    if (keys.empty() || ctx.catalog().empty()) return;
    sql::Node rel = node.field(pg::relation);
    const Table* table = ctx.catalog().find_table(rel.str(pg::schemaname), rel.str(pg::relname));
    if (!table) return;
    // A small table's check reads it whole, and cheaply.
    if (table->size.rows && !schema::is_large(*table, ctx)) return;
    for (auto& key : keys) check(key.constraint, std::move(key.columns), *table, ctx);
  }

 private:
  // Whether the partial index's predicate holds for every row the constraint check looks
  // for: that query is `WHERE col = $1 [AND ...]`, and an equality holds only for non-NULL
  // values, so a predicate made of `col IS NOT NULL` on the key's columns is implied by it
  // (PostgreSQL's planner proves the same, and uses the index). The canonical text of such a
  // predicate is `a IS NOT NULL [AND b IS NOT NULL ...]`.
  static bool check_implies(std::string_view predicate, const std::vector<std::string>& columns) {
    if (predicate.empty()) return true;
    while (!predicate.empty()) {
      size_t and_at = predicate.find(" AND ");
      std::string_view term = predicate.substr(0, and_at);
      predicate = and_at == std::string_view::npos ? std::string_view() : predicate.substr(and_at + 5);
      constexpr std::string_view kNotNull = " IS NOT NULL";
      if (!term.ends_with(kNotNull)) return false;
      term.remove_suffix(kNotNull.size());
      if (std::none_of(columns.begin(), columns.end(),
                       [&](const std::string& c) { return catalog::quote_ident(c) == term; }))
        return false;
    }
    return true;
  }

  static bool leads_an_index(const Table& table, const std::vector<std::string>& columns) {
    for (const auto& i : table.indexes) {
      if (i.method != "btree" || !check_implies(i.predicate, columns) || i.keys.size() < columns.size()) continue;
      bool leads = true;
      for (size_t k = 0; k < columns.size() && leads; ++k)
        leads =
            !i.keys[k].is_expression() && std::find(columns.begin(), columns.end(), i.keys[k].column) != columns.end();
      if (leads) return true;
    }
    return false;
  }

  struct ForeignKey {
    sql::Node constraint;
    std::vector<std::string> columns;  // the column it is declared on, if any
  };
  static void add_if_foreign(std::vector<ForeignKey>& keys, const sql::Node& con, std::string column) {
    if (con.str(pg::contype) != pg::CONSTR_FOREIGN) return;
    std::vector<std::string> columns;
    if (!column.empty()) columns.push_back(std::move(column));
    keys.push_back({con, std::move(columns)});
  }

  static void check(const sql::Node& con, std::vector<std::string> columns, const Table& table,
                    detail::RuleContext& ctx) {
    if (columns.empty())
      for (sql::Node a : con.list(pg::fk_attrs)) columns.emplace_back(a.sval());
    if (columns.empty() || leads_an_index(table, columns)) return;
    for (const auto& c : columns)
      if (!table.column(c)) return;
    // The share of rows the check of one referenced key finds, by the table's statistics.
    auto lookup = catalog::estimate_lookup(table, columns);
    if (lookup && lookup->fraction > catalog::kSelectiveFraction) return;
    Index index;
    for (const auto& c : columns) index.keys.push_back({c, {}, false, false});
    index.name = catalog::free_index_name(ctx.catalog(), table, catalog::choose_name(table.name, columns, "idx"));
    std::string ref = std::string(con.field(pg::pktable).str(pg::relname));
    auto loc = con.location().value_or(0);
    ctx.report(schema::token_span(ctx, loc),
               fmt::format("foreign key `{}` ({}) → `{}` has no index on its referencing columns{}", table.name,
                           fmt::join(columns, ", "), ref,
                           lookup ? fmt::format(" (each check finds about {} of the rows by {})",
                                                catalog::percent_text(lookup->fraction), lookup->source)
                                  : std::string()))
        .help(fmt::format("every DELETE or key UPDATE on `{}` scans `{}` to check the constraint; index ({})", ref,
                          table.name, fmt::join(columns, ", ")))
        .ddl(catalog::create_index_ddl(ctx.catalog(), table, index));
  }
};

}  // namespace

const detail::SqlRule& fk_without_index() {
  static const FkWithoutIndex rule;
  return rule;
}

}  // namespace pglens::rules
