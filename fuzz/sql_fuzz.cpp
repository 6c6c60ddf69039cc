// Fuzzes the whole SQL front end and rule engine: decode, lex, parse, walk, suppressions.
#include <cstddef>
#include <cstdint>
#include <string>

#include "pglens/lint.hpp"
#include "sql/lexer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const pglens::Linter linter{pglens::Config{}};
  pglens::SourceFile file;
  pglens::DecodeError error;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  (void)pglens::sql::lex(bytes);  // the lexer sees raw bytes too, before validation
  if (!pglens::decode_source("fuzz.sql", std::move(bytes), file, error)) return 0;
  auto diagnostics = linter.lint(file);
  for (const auto& d : diagnostics)
    if (d.span.begin > d.span.end || d.span.end > file.text.size()) __builtin_trap();
  return 0;
}
