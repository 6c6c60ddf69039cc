// The "Known problems" and "Fix safety" headings of the rules' documentation, one line per
// rule in id order (rule_notes.hpp). A rule with no entry has no known problem and no fix;
// tests/config/rule_notes_test.cpp checks that every entry names a rule and that every rule
// with a fix says here whether it is safe.
#include "config/rule_notes.hpp"

#include <algorithm>

namespace pglens {
namespace {

constexpr std::string_view kCatalogSize =
    "It knows only the catalog pglens is given (`--db`, the schema files, a snapshot): an index created "
    "elsewhere is unknown to it, so it may suggest one that exists on the server. A table's size comes from "
    "that catalog (statistics, snapshot or hints); when it has none, `unknown-size-is-large` decides. It "
    "reasons from the SQL, not from a plan: for a condition that matches most of the table the planner "
    "rightly prefers a sequential scan, and the suggested index would go unused.";

constexpr std::string_view kNoFix = "";

constexpr RuleNotes kNotes[] = {
    {"cache-misses",
     "`shared read` counts blocks from outside PostgreSQL's shared buffers, which may still come from the "
     "operating system's page cache: a finding does not prove disk reads. `track_io_timing` shows the time "
     "they took.",
     kNoFix},
    {"fk-without-index",
     "It reports whatever the tables' sizes: on a small referencing table the index may cost more in writes "
     "than it saves. An index created outside the DDL pglens reads is unknown to it; lint with `--db` to see "
     "the server's indexes.",
     kNoFix},
    {"heap-fetches",
     "VACUUM marks a page all-visible only when no transaction still needs its old rows: on a table written "
     "constantly the heap fetches come back, and the remedy is autovacuum tuned for that table.",
     kNoFix},
    {"in-app-aggregation", kCatalogSize, kNoFix},
    {"large-offset",
     "In SQL it cannot know how many rows an OFFSET skips when the query runs: a parameter is reported as "
     "page-number pagination whichever page is asked for.",
     kNoFix},
    {"missing-index-filter", kCatalogSize, kNoFix},
    {"missing-index-join", kCatalogSize, kNoFix},
    {"missing-index-sort", kCatalogSize, kNoFix},
    {"needs-newer-postgres",
     "Silent without a target version (`postgres-version` or `--db`). It knows the syntax listed above, not "
     "every feature each release added.",
     kNoFix},
    {"non-sargable-predicate", kCatalogSize,
     "Unsafe (applied only with `--unsafe-fixes`). The fix compares the bare column with what the expression "
     "meant: a half-open range for a cast to `date` or a `date_trunc` (`created_at::date = '2026-06-01'` becomes "
     "`created_at >= '2026-06-01' AND created_at < '2026-06-02'`), the arithmetic moved to the value (`id + 1 = "
     "10` becomes `id = 9`), `coalesce(n, 0) = 5` becomes `n = 5`. It assumes the value means the same day in "
     "the session's time zone as the expression did, which a value with a time zone of its own breaks. It is "
     "offered only when the compared value lies inside the replaced text; the expression and trigram indexes "
     "are suggested as DDL, never applied."},
    {"row-misestimate",
     "ANALYZE fixes an estimate made from stale statistics. An estimate wrong for another reason (columns "
     "correlated across joined tables, a function's result, a value the planner cannot see) stays wrong "
     "after it.",
     kNoFix},
    {"select-star",
     "The columns come from the catalog pglens is given: when the database has columns the catalog lacks (a "
     "migration it did not read), the fixed query returns fewer columns than the star did.",
     "Safe: it writes out exactly the columns the star stands for, in table order, so the result keeps its "
     "columns and their order for the catalog pglens read. It is offered only when the catalog knows every "
     "relation the star covers, and never where FROM renames columns, aliases a join or names two relations "
     "alike. A column added to the table later is no longer returned: that is the point of the rule."},
    {"single-row-inserts", "",
     "Unsafe (applied only with `--unsafe-fixes`). One multi-row INSERT fails or succeeds as a whole: a row "
     "that fails (a duplicate key, a CHECK) takes the run's other rows with it, where before only its own "
     "statement failed. A `FOR EACH STATEMENT` trigger fires once instead of once per row."},
    {"unbounded-select", kCatalogSize, kNoFix},
    {"unused-ignore", "",
     "Safe: it removes only the comment (with its line when the comment stands alone), or only the unused "
     "rule id and its comma when the comment names others that are used; the SQL is untouched."},
    {"workers-not-launched",
     "Fewer workers launch when other sessions hold `max_parallel_workers` or `max_worker_processes` at that "
     "moment: one plan does not tell whether it is the usual case.",
     kNoFix},
};

}  // namespace

std::span<const RuleNotes> all_rule_notes() { return kNotes; }

const RuleNotes* find_rule_notes(std::string_view id) {
  const auto* it = std::find_if(std::begin(kNotes), std::end(kNotes), [&](const RuleNotes& n) { return n.id == id; });
  return it == std::end(kNotes) ? nullptr : it;
}

}  // namespace pglens
