// Fuzzes the reading of PostgreSQL's parse tree: every statement of the input, read through
// sql::Node, must equal libpg_query's JSON output for it (sql/tree_check.hpp).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "pglens/source.hpp"
#include "sql/lexer.hpp"
#include "sql/tree_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;  // one parse each way per statement; keep runs short
  // Only what pglens parses: decoded UTF-8 without NUL bytes (decode_source refuses the rest).
  pglens::SourceFile file;
  pglens::DecodeError error;
  if (!pglens::decode_source("fuzz.sql", std::string(reinterpret_cast<const char*>(data), size), file, error)) return 0;
  const std::string& text = file.text;
  for (const auto& s : pglens::sql::lex(text).statements) {
    std::string statement = text.substr(s.span.begin, s.end - s.span.begin);
    if (auto mismatch = pglens::sql::tree_mismatch(statement)) {
      std::fprintf(stderr, "%s\n%s\n", statement.c_str(), mismatch->c_str());
      __builtin_trap();
    }
  }
  return 0;
}
