#include <fmt/format.h>

#include "registry.hpp"

namespace pglens::rules {
namespace {

// Nobody reads a million rows: the application filters, pages or aggregates them itself.
class ManyRowsReturned final : public detail::PlanRule {
 public:
  const RuleInfo& info() const override {
    static const RuleInfo info{
        .id = "many-rows-returned",
        .category = RuleCategory::performance,
        .targets = {.sql = false, .plan = true},
        .default_severity = Severity::info,
        .options =
            {
                {"max-rows", int64_t{10000}, "Rows the query may return to the client before it is reported"},
            },
        .docs =
            {
                .what_it_does = "Reports a plan whose top node returns more than `max-rows` rows to the client (a "
                                "SELECT; an INSERT, UPDATE or DELETE returns its rows to the table).",
                .why_is_this_bad =
                    "Every row is produced, serialized, sent over the network and held by the client. A "
                    "person reads a page of results; a program that needs a total or a top-N can have "
                    "the database compute it. A missing LIMIT or an aggregation done in application code "
                    "costs the most time outside the database, where EXPLAIN does not show it.",
                .example = "Seq Scan on events  (actual time=0.01..210.5 rows=2000000 loops=1)",
                .use_instead = "SELECT kind, count(*) FROM events GROUP BY kind;  -- aggregate in the database\n"
                               "SELECT * FROM events ORDER BY id LIMIT 100;     -- or page",
                .references = "https://www.postgresql.org/docs/current/queries-limit.html\n"
                              "https://www.postgresql.org/docs/current/tutorial-agg.html",
            },
        .summary = "the query returns far more rows than a person reads",
    };
    return info;
  }

  void check(const plan::Plan& plan, detail::PlanRuleContext& ctx) const override {
    const double max_rows = static_cast<double>(ctx.int_option("max-rows"));
    if (plan.nodes.empty()) return;
    const plan::Node& root = plan.root();
    if (root.node_type == "ModifyTable" || !detail::executed(root)) return;
    double rows = detail::rows_returned(root);
    if (rows <= max_rows) return;
    // PostgreSQL 17's SERIALIZE option times turning the rows into the client's format.
    double serialize_ms = plan.serialization_time_ms.value_or(0);
    if (serialize_ms > 0 && plan.total_time_ms > 0) {
      double share = std::min(1.0, serialize_ms / plan.total_time_ms);
      ctx.report(0,
                 fmt::format("the query returns {} rows to the client, and serializing them took {:.1f} ms ({}) "
                             "outside the plan tree",
                             detail::count_text(rows), serialize_ms, detail::percent_text(share)),
                 std::max(share, root.metrics.share))
          .why(
              "every row is produced, converted to the client's format, sent and held by the client; select fewer "
              "or narrower columns (large text, json and bytea values cost most), add a LIMIT (keyset pagination "
              "for pages), or aggregate in the database what the application sums or counts");
      return;
    }
    ctx.report(0, fmt::format("the query returns {} rows to the client", detail::count_text(rows)))
        .why(
            "every row is produced, sent and held by the client; add a LIMIT (keyset pagination for pages), or "
            "aggregate in the database what the application sums or counts");
  }
};

}  // namespace

const detail::PlanRule& many_rows_returned() {
  static const ManyRowsReturned rule;
  return rule;
}

}  // namespace pglens::rules
