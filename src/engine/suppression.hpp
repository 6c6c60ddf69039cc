// Inline suppression comments:
//   -- pglens-ignore: rule-a, rule-b  optional reason     (this line / the next statement)
//   -- pglens-ignore-file: rule-a                          (the whole file)
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pglens/diagnostic.hpp"
#include "pglens/source.hpp"
#include "sql/lexer.hpp"

namespace pglens::detail {

struct SuppressedRule {
  std::string id;
  Span span;  // of the id inside the comment
  bool used = false;
};

struct Suppression {
  Span comment;
  bool own_line = false;
  bool whole_file = false;
  Span scope;  // byte range whose diagnostics it suppresses (ignored when whole_file)
  std::vector<SuppressedRule> rules;
};

std::vector<Suppression> find_suppressions(std::string_view text, const LineIndex& lines,
                                           const std::vector<sql::Comment>& comments,
                                           const std::vector<sql::StatementSpan>& statements);

// Removes suppressed diagnostics and marks the suppressions that were used.
void apply_suppressions(std::vector<Suppression>& suppressions, std::vector<Diagnostic>& diagnostics);

}  // namespace pglens::detail
