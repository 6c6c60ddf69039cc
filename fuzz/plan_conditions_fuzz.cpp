// Fuzzes the condition reader of the plan rules (src/engine/plan_conditions.*): a Filter,
// Index Cond or Sort Key as a plan prints it is untrusted text handed to libpg_query. The
// input is read as a condition and as a sort key, then put in a small plan — a Seq Scan
// that throws away most rows under a Sort, an Append over three partitions — and every plan
// rule runs over it, index advice included.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "pglens/catalog.hpp"
#include "pglens/config.hpp"
#include "pglens/plan.hpp"
#include "pglens/plan_rules.hpp"
#include "rules/api/plan_conditions.hpp"

namespace {

pglens::plan::Node scan(int id, int parent, std::string relation, std::string alias, const std::string& condition,
                        double rows, double removed) {
  pglens::plan::Node n;
  n.id = id;
  n.parent = parent;
  n.node_type = "Seq Scan";
  n.relation = std::move(relation);
  n.alias = std::move(alias);
  n.filter = condition;
  n.actual_rows = rows;
  n.actual_loops = 1;
  n.actual_total_ms = 10;
  n.plan_rows = 1;
  n.rows_removed_by_filter = removed;
  n.lines = {static_cast<uint32_t>(id), static_cast<uint32_t>(id)};
  return n;
}

pglens::plan::Plan sorted_scan(const std::string& condition) {
  pglens::plan::Plan plan;
  pglens::plan::Node sort;
  sort.id = 1;
  sort.node_type = "Sort";
  sort.sort_key = {condition};
  sort.sort_method = "external merge";
  sort.sort_space_kb = 100000;
  sort.sort_space_type = "Disk";
  sort.actual_rows = 5;
  sort.actual_loops = 1;
  sort.actual_total_ms = 20;
  sort.children = {1};
  plan.nodes.push_back(sort);
  plan.nodes.push_back(scan(2, 0, "orders", "o", condition, 5, 1000000));
  plan.execution_time_ms = 20;
  return plan;
}

pglens::plan::Plan partitions(const std::string& condition) {
  pglens::plan::Plan plan;
  pglens::plan::Node append;
  append.id = 1;
  append.node_type = "Append";
  append.actual_rows = 5;
  append.actual_loops = 1;
  append.actual_total_ms = 30;
  append.children = {1, 2, 3};
  plan.nodes.push_back(append);
  for (int i = 1; i <= 3; ++i) {
    plan.nodes.push_back(
        scan(i + 1, 0, "events_" + std::to_string(i), "events_" + std::to_string(i), condition, i == 1 ? 5 : 0, 20000));
    plan.nodes.back().parent_relationship = "Member";
  }
  plan.execution_time_ms = 30;
  return plan;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  pglens::sql::Parser parser;
  auto parsed = pglens::detail::parse_condition(input, parser);
  for (const auto& c : parsed.conjuncts)
    for (const auto& column : c.columns)
      if (column.column.empty()) __builtin_trap();  // every column read has a name
  (void)pglens::detail::parse_sort_key(input, parser);

  // The catalog that gives the partitions a key, so the known-key path runs as well.
  static const pglens::Catalog catalog = [] {
    pglens::Catalog c;
    pglens::load_ddl(c,
                     "CREATE TABLE events (id int, created date, kind int) PARTITION BY RANGE (created);"
                     "CREATE TABLE events_1 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2024-04-01');"
                     "CREATE TABLE events_2 PARTITION OF events FOR VALUES FROM ('2024-04-01') TO ('2024-07-01');"
                     "CREATE TABLE events_3 PARTITION OF events FOR VALUES FROM ('2024-07-01') TO ('2024-10-01');"
                     "CREATE TABLE orders (id int PRIMARY KEY, customer_id int, status text, created_at timestamptz);",
                     "fuzz");
    return c;
  }();
  pglens::Config config;
  for (auto plan : {sorted_scan(input), partitions(input)}) {
    pglens::plan::compute_metrics(plan);
    (void)pglens::plan::diagnose(plan, config, pglens::Catalog::none());
    (void)pglens::plan::diagnose(plan, config, catalog);
  }
  return 0;
}
