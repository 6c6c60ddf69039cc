#include "pglens/catalog.hpp"

namespace pglens {

const Column* Table::column(std::string_view n) const {
  for (const auto& c : columns)
    if (c.name == n) return &c;
  return nullptr;
}

const Table* Catalog::find_table(std::string_view schema, std::string_view name) const {
  auto find_in = [&](std::string_view s) -> const Table* {
    for (const auto& t : tables_)
      if (t.schema == s && t.name == name) return &t;
    return nullptr;
  };
  if (!schema.empty()) return find_in(schema);
  for (const auto& s : search_path_)
    if (const Table* t = find_in(s)) return t;
  return nullptr;
}

Table& Catalog::add_table(Table t) {
  tables_.push_back(std::move(t));
  return tables_.back();
}

const Catalog& Catalog::none() {
  static const Catalog empty;
  return empty;
}

}  // namespace pglens
