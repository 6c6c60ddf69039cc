// CREATE / ALTER / DROP statements and views applied to a catalog the way PostgreSQL would
// apply them, as far as the catalog model goes (ddl_statements.cpp). A statement naming an
// object that does not exist is skipped (PostgreSQL would have failed it), so the catalog
// stays consistent whatever order migrations arrive in.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "pglens/catalog.hpp"
#include "sql/ast.hpp"

namespace pglens::ddl {

class DdlLoader;

// Applies parsed DDL statements, one after another, to one catalog.
class StatementApplier {
 public:
  StatementApplier(Catalog& catalog, std::string origin);
  ~StatementApplier();
  StatementApplier(const StatementApplier&) = delete;
  StatementApplier& operator=(const StatementApplier&) = delete;

  // `text`: the statement's own text, kept when it names a table not created yet: it applies
  // once a table of that name is created.
  void apply(const sql::Node& stmt, std::string_view text = {});
  // Where the next statements come from ("db/schema.sql:12"), for the facts they add.
  void set_origin(std::string origin);

 private:
  std::unique_ptr<DdlLoader> loader_;
};

}  // namespace pglens::ddl
