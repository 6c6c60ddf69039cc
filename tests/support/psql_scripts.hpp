// The psql scripts and pg_dump output of testdata/psql/ (apart from fixtures.hpp, which
// nearly every test includes).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace pglens::test {

// Every testdata/psql/*.sql script, sorted.
std::vector<std::filesystem::path> psql_script_files();

// The text of each statement sql::lex finds in `text` (without its `;`).
std::vector<std::string> lexed_statements(std::string_view text);

}  // namespace pglens::test
