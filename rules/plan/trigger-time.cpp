#include <fmt/format.h>

#include "catalog/index_advisor.hpp"
#include "registry.hpp"

namespace pglens::rules {
namespace {

// Triggers run outside the plan tree: EXPLAIN ANALYZE prints their time after the plan
// (`Trigger for constraint ...: time=... calls=...`), and it is part of the execution time.
// A foreign key's trigger on the referenced table looks up the referencing rows for each
// row deleted or updated: without an index on the referencing columns, that is one scan of
// the referencing table per row.
class TriggerTime final : public detail::PlanRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "trigger-time",
        .category = RuleCategory::performance,
        .targets = {.sql = false, .plan = true},
        .default_severity = Severity::warning,
        .options =
            {
                {"min-share", 0.2, "Share of execution time a trigger must take to be reported"},
                {"min-ms", 100.0, "Trigger time (ms, over all calls) from which it is reported"},
                {"indexed-call-ms", 0.2,
                 "Time per call under which a foreign key check is taken as an indexed lookup (no index suggested)"},
            },
        .docs =
            {
                .what_it_does = "Reports a trigger whose time (printed after the plan by EXPLAIN ANALYZE) is at least "
                                "`min-share` of the execution time and at least `min-ms`. For a foreign key's trigger "
                                "fired by a DELETE or UPDATE of the referenced table, it suggests the index on the "
                                "referencing columns: named from the catalog when pglens has one (`--db`, schema "
                                "files), else with the query that names them.",
                .why_is_this_bad = "Deleting or updating a referenced row makes PostgreSQL look for rows that still "
                                   "reference it (`SELECT 1 FROM ONLY child WHERE fk = $1 FOR KEY SHARE`). PostgreSQL "
                                   "does not index referencing columns by itself: without an index each of those "
                                   "lookups scans the whole referencing table, once per row deleted. The plan tree "
                                   "shows none of it; only the trigger line does.",
                .example = "Delete on accounts  (actual time=1.082..1.082 rows=0 loops=1)\n"
                           "  ->  Seq Scan on accounts  (actual time=0.005..0.786 rows=300 loops=1)\n"
                           "Trigger for constraint sessions_account_id_fkey: time=7203.352 calls=300\n"
                           "Execution Time: 7204.772 ms",
                .use_instead =
                    "CREATE INDEX CONCURRENTLY IF NOT EXISTS sessions_account_id_idx ON sessions (account_id);",
                .references = "https://www.postgresql.org/docs/current/ddl-constraints.html#DDL-CONSTRAINTS-FK\n"
                              "https://www.postgresql.org/docs/current/using-explain.html#USING-EXPLAIN-ANALYZE",
            },
        .summary = "a trigger (often a foreign key's check) takes much of the execution time",
    };
    return info;
  }

  void check(const plan::Plan& plan, detail::PlanRuleContext& ctx) const override {
    const double min_share = ctx.number_option("min-share");
    const double min_ms = ctx.number_option("min-ms");
    const double indexed_call_ms = ctx.number_option("indexed-call-ms");
    if (plan.total_time_ms <= 0) return;
    for (const plan::Trigger& t : plan.triggers) {
      if (!t.time_ms) continue;
      double share = std::min(1.0, *t.time_ms / plan.total_time_ms);
      if (*t.time_ms < min_ms || share < min_share) continue;
      std::string name = t.constraint_name.empty() ? fmt::format("Trigger {}", t.name)
                                                   : fmt::format("Trigger for constraint {}", t.constraint_name);
      double calls = t.calls.value_or(0);
      auto& finding = ctx.report(-1,
                                 fmt::format("{} took {:.1f} ms of the {:.1f} ms execution ({}){}, outside the plan "
                                             "tree",
                                             name, *t.time_ms, plan.total_time_ms, detail::percent_text(share),
                                             calls > 0 ? fmt::format(" in {} calls ({:.2f} ms each)",
                                                                     detail::count_text(calls), *t.time_ms / calls)
                                                       : std::string()),
                                 share);
      if (t.constraint_name.empty()) {
        finding.why(
            "the trigger's own work (its function and the statements it runs) is most of the query; "
            "look at what it does per row, or make it a statement-level trigger");
        continue;
      }
      if (calls > 0 && *t.time_ms / calls < indexed_call_ms) {
        finding.why(
            fmt::format("each call took {:.3f} ms, as an indexed lookup does: the time is the number of rows "
                        "checked. Change fewer rows per statement (batches), or check what else the "
                        "constraint's table does on each row",
                        *t.time_ms / calls));
        continue;
      }
      advise_foreign_key(plan, ctx, t, finding);
    }
  }

 private:
  // The statement's ModifyTable (Delete, Update, Insert, Merge on a table), or nullptr.
  static const plan::Node* modify_node(const plan::Plan& plan) {
    for (const plan::Node& n : plan.nodes)
      if (n.node_type == "ModifyTable") return &n;
    return nullptr;
  }

  static void advise_foreign_key(const plan::Plan& plan, const detail::PlanRuleContext& ctx, const plan::Trigger& t,
                                 detail::PlanFindingDraft& finding) {
    const plan::Node* modify = modify_node(plan);
    std::string operation = modify ? modify->operation : std::string();
    bool on_referenced = operation == "Delete" || operation == "Update" || operation == "Merge";
    // The catalog names the constraint's tables and columns.
    for (const Table& table : ctx.catalog().tables()) {
      for (const Constraint& c : table.constraints) {
        if (c.kind != ConstraintKind::foreign_key || c.name != t.constraint_name || c.columns.empty()) continue;
        std::string child = catalog::table_ref(ctx.catalog(), table);
        bool fired_on_parent = t.relation.empty() ? on_referenced : t.relation == c.ref_table;
        if (!fired_on_parent) {
          finding.why(
              fmt::format("the foreign key {} checks each new or changed row of {} against {} (by its "
                          "unique index); the time is in that lookup per row: look at locks on {}, or batch "
                          "the rows",
                          c.name, child, c.ref_table, c.ref_table));
          return;
        }
        std::vector<std::string> conditions;
        for (size_t k = 0; k < c.columns.size(); ++k)
          conditions.push_back(fmt::format("{} = ${}", c.columns[k], k + 1));
        finding
            .why(fmt::format("for each row deleted or updated in {}, the foreign key {} looks for rows of {} that "
                             "still reference it, by ({}); no index starts with those columns, so each lookup scans "
                             "{}. An index on them makes each lookup a few page reads",
                             c.ref_table, c.name, child, fmt::join(c.columns, ", "), child))
            .want_index({.relation = table.name,
                         .schema = table.schema,
                         .conditions = {fmt::format("{}", fmt::join(conditions, " AND "))}});
        return;
      }
    }
    if (!on_referenced) {
      finding.why(
          fmt::format("the constraint {} runs a check per row; without the schema pglens cannot say more. "
                      "Run the plan with `--db` to name its tables",
                      t.constraint_name));
      return;
    }
    // No catalog: the query that names the referencing table and columns.
    std::string quoted = "'";
    for (char ch : t.constraint_name) quoted += ch == '\'' ? std::string("''") : std::string(1, ch);
    quoted += '\'';
    finding
        .why(fmt::format("if {} is a foreign key referencing {}, each row deleted or updated makes PostgreSQL look "
                         "for rows that still reference it; without an index on the referencing columns each lookup "
                         "scans the referencing table. The query below names that table and its columns: index "
                         "them (or run pglens with `--db` to get the statement)",
                         t.constraint_name,
                         !t.relation.empty()                       ? t.relation
                             : modify && !modify->relation.empty() ? detail::relation_ref(*modify)
                                                                   : std::string("the table modified")))
        .ddl(fmt::format("SELECT conrelid::regclass AS referencing_table, pg_get_constraintdef(oid) AS definition\n"
                         "  FROM pg_constraint WHERE conname = {} AND contype = 'f';",
                         quoted));
  }
};

}  // namespace

const detail::PlanRule& trigger_time() {
  static const TriggerTime rule;
  return rule;
}

}  // namespace pglens::rules
