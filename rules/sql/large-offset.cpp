#include <fmt/format.h>

#include "registry.hpp"
#include "sql/pg_names.hpp"

namespace pg = pglens::sql::pg;

namespace pglens::rules {

// One concept, one id, one doc: the SQL side reads `OFFSET n`, the plan side
// (rules/plan/large-offset.cpp) a Limit that throws away the rows it skipped.
const RuleInfo& large_offset_info() {
  static const RuleInfo info{
      .id = "large-offset",
      .category = RuleCategory::performance,
      .targets = {.sql = true, .plan = true},
      .default_severity = Severity::warning,
      .options = {{"min-offset", int64_t{1000}, "report a constant OFFSET from this many rows on"},
                  {"report-parameters", true, "report OFFSET $n, whose value grows with the page number"},
                  {"min-skipped-rows", int64_t{10000},
                   "in a plan, report a Limit whose input produced this many rows that it skipped"}},
      .docs =
          {
              .what_it_does =
                  "Reports `OFFSET n` with a large constant, or with a parameter (page-number "
                  "pagination), and shows the keyset-pagination rewrite. In an EXPLAIN plan it reports a "
                  "Limit whose input produced at least `min-skipped-rows` rows more than the Limit returned: the "
                  "rows OFFSET skipped (from the actual rows, or from the Limit's startup cost in a plan "
                  "without ANALYZE).",
              .why_is_this_bad = "PostgreSQL cannot skip rows: `OFFSET 100000` reads, sorts and throws away 100,000 "
                                 "rows before returning the page, so each page is slower than the last and deep pages "
                                 "time out. Rows inserted meanwhile also shift pages, showing rows twice or never.",
              .example = "SELECT id, created_at FROM orders ORDER BY created_at, id LIMIT 50 OFFSET $1;\n"
                         "-- in its plan: Limit (actual rows=50) over Index Scan (actual rows=100050):\n"
                         "-- 100,000 rows read only to be thrown away",
              .use_instead = "-- keyset pagination: remember the last row of the previous page\n"
                             "SELECT id, created_at FROM orders\nWHERE (created_at, id) > ($1, $2)\n"
                             "ORDER BY created_at, id LIMIT 50;",
              .references = "https://use-the-index-luke.com/no-offset\n"
                            "https://www.postgresql.org/docs/current/queries-limit.html",
          },
      .summary = "OFFSET pagination reads and discards every skipped row",
  };
  return info;
}

namespace {

class LargeOffset final : public detail::SqlRule {
 public:
  const RuleInfo& info() const override { return large_offset_info(); }

  std::vector<std::string_view> node_kinds() const override { return {"SelectStmt"}; }

  void check_node(const sql::Node& select, const detail::Walk&, detail::RuleContext& ctx) const override {
    sql::Node offset = select.field(pg::limitOffset);
    if (!offset) return;
    auto at = offset.location();
    if (!at) return;
    std::string what;
    if (offset.is(pg::A_Const)) {
      sql::Node ival = offset.field(pg::ival);
      if (!ival) return;
      int64_t rows = ival.integer(pg::ival);
      if (rows < ctx.int_option("min-offset")) return;
      what = fmt::format("`OFFSET {}` reads and discards {} rows before returning any", rows, rows);
    } else if (offset.is(pg::ParamRef)) {
      if (!ctx.bool_option("report-parameters")) return;
      what = fmt::format("`OFFSET ${}` reads and discards every skipped row: deep pages get slower and slower",
                         offset.integer(pg::number));
    } else {
      return;
    }
    ctx.report({*at, sql::token_end(ctx.text(), *at)}, what).help(keyset_help(select));
  }

 private:
  static std::string keyset_help(const sql::Node& select) {
    std::vector<std::string> keys;
    std::string order;
    bool descending = false;
    for (sql::Node sort : select.list(pg::sortClause)) {
      sql::Node node = sort.field(pg::node);
      if (!node.is(pg::ColumnRef)) return generic();
      keys.push_back(sql::qualified_name(node.list(pg::fields)));
      bool desc = sort.str(pg::sortby_dir) == pg::SORTBY_DESC;
      order += (order.empty() ? "" : ", ") + keys.back() + (desc ? " DESC" : "");
      descending = descending || desc;
    }
    if (keys.empty())
      return "OFFSET without ORDER BY returns arbitrary rows; add an ORDER BY on a unique key and "
             "paginate by it: `WHERE key > $last ORDER BY key LIMIT n`";
    std::string cols, params;
    for (size_t i = 0; i < keys.size(); ++i) {
      cols += (i ? ", " : "") + keys[i];
      params += fmt::format("{}$last_{}", i ? ", " : "", i + 1);
    }
    std::string lhs = keys.size() == 1 ? cols : "(" + cols + ")";
    std::string rhs = keys.size() == 1 ? params : "(" + params + ")";
    return fmt::format(
        "paginate by the sort key instead (keyset pagination): `WHERE {} {} {} ORDER BY {} LIMIT n`, "
        "passing the last row's values of the previous page; an index on ({}) serves it",
        lhs, descending ? "<" : ">", rhs, order, cols);
  }
  static std::string generic() {
    return "paginate by the sort key instead (keyset pagination): `WHERE key > $last ORDER BY key LIMIT n`";
  }
};

}  // namespace

const detail::SqlRule& large_offset() {
  static const LargeOffset rule;
  return rule;
}

}  // namespace pglens::rules
