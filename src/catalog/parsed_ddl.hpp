// What the DDL loader hands a ParsedDdlHook (pglens/catalog.hpp): the parsed statements with
// the file they come from. The trees live only during the call.
#pragma once

#include <filesystem>
#include <string_view>

#include "pglens/catalog.hpp"
#include "sql/parser.hpp"

namespace pglens {

struct ParsedDdl {
  const std::filesystem::path& file;    // as the loader was given it: absolute for linted files
  std::string_view text;                // the whole file, decoded as the linter decodes it
  const sql::Lexed& lexed;              // the whole file's statements and comments
  const sql::ParsedStatements& parsed;  // consecutive statements of it; spans are offsets in `text`
  bool first = false;                   // the first piece of this reading of the file
};

}  // namespace pglens
