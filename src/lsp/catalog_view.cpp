#include "lsp/catalog_view.hpp"

#include <fmt/format.h>

namespace pglens::lsp {
namespace {

std::string rows_text(double rows) {
  if (rows >= 1e9) return fmt::format("{:.1f} billion", rows / 1e9);
  if (rows >= 1e6) return fmt::format("{:.1f} million", rows / 1e6);
  return fmt::format("{:.0f}", rows);
}

// Markdown table cells must not hold a bare `|`.
std::string cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else out += c;
  }
  return out;
}

}  // namespace

std::string render_table_hover(const Table& t, const Catalog& catalog) {
  std::string out = fmt::format("**{}** {}", to_string(t.kind), t.qualified_name());
  if (t.size.rows) {
    out += fmt::format(" · ~{} rows", rows_text(*t.size.rows));
    if (t.size.pages) out += fmt::format(", {:.0f} pages", *t.size.pages);
    if (!t.size.source.empty()) out += fmt::format(" ({})", t.size.source);
  } else {
    out += " · row count unknown";
  }
  out += "\n\n";
  if (t.partitioning) {
    std::string keys;
    for (const auto& k : t.partitioning->keys) keys += (keys.empty() ? "" : ", ") + k;
    size_t n = catalog.partitions_of(t).size();
    out += fmt::format("Partitioned by {} ({}), {} partition{}.\n\n", t.partitioning->strategy, keys, n,
                       n == 1 ? "" : "s");
  }
  if (t.is_partition()) out += fmt::format("Partition of {}.{} {}.\n\n", t.parent_schema, t.parent_name, t.bound);
  if (!t.columns.empty()) {
    out += "| column | type | |\n|---|---|---|\n";
    for (const Column& c : t.columns)
      out += fmt::format("| {} | {} | {} |\n", cell(c.name), cell(c.type), c.not_null ? "not null" : "");
    out += "\n";
  }
  if (t.indexes.empty()) {
    out += "No indexes.\n";
  } else {
    out += "Indexes:\n\n```sql\n";
    for (const Index& i : t.indexes) {
      out += i.definition(t.schema, t.name);
      if (!i.valid) out += "  -- INVALID";
      out += ";\n";
    }
    out += "```\n";
  }
  if (!t.origin.empty()) out += fmt::format("\nFrom {}.\n", t.origin);
  return out;
}

}  // namespace pglens::lsp
