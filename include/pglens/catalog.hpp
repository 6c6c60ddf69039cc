// What pglens knows of the database schema. The catalog issue fills this model from
// DDL, a live database or a snapshot; rules take it as a read-only view.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pglens {

struct Column {
  std::string name;
  std::string type;
  bool not_null = false;
};

struct Table {
  std::string schema;
  std::string name;
  std::vector<Column> columns;
  std::optional<double> rows;  // estimated row count, when known

  const Column* column(std::string_view n) const;
};

class Catalog {
 public:
  // Finds a table by (possibly schema-qualified) name, honouring the search path.
  const Table* find_table(std::string_view schema, std::string_view name) const;
  bool empty() const { return tables_.empty(); }
  Table& add_table(Table t);
  const std::vector<Table>& tables() const { return tables_; }

  static const Catalog& none();

 private:
  std::vector<Table> tables_;
  std::vector<std::string> search_path_{"public"};
};

}  // namespace pglens
