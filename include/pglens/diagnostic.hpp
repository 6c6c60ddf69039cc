// What a rule reports: a finding at a span, with help, an optional fix and suggested DDL.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pglens/source.hpp"

namespace pglens {

enum class Severity { info = 0, warning = 1, error = 2 };

std::string_view to_string(Severity s);
std::optional<Severity> parse_severity(std::string_view s);

struct TextEdit {
  Span span;  // replaced range; empty span = insertion
  std::string replacement;
  friend bool operator==(const TextEdit&, const TextEdit&) = default;
};

struct Fix {
  std::string description;
  std::vector<TextEdit> edits;
  bool safe = true;  // safe fixes keep the statement's meaning; --fix applies only these by default
  friend bool operator==(const Fix&, const Fix&) = default;
};

struct RelatedLocation {
  Span span;
  std::string message;
  friend bool operator==(const RelatedLocation&, const RelatedLocation&) = default;
};

// Built by chaining, squawk-style: Diagnostic(rule, span, msg).help(...).fix(...).ddl(...)
struct Diagnostic {
  std::string rule;
  Severity severity = Severity::warning;
  Span span;
  std::string message;
  std::string help_text;
  std::optional<Fix> fix_value;
  std::string ddl_text;  // suggested DDL, ready to paste
  std::vector<RelatedLocation> related_locations;

  Diagnostic() = default;
  Diagnostic(std::string rule_id, Span at, std::string msg)
      : rule(std::move(rule_id)), span(at), message(std::move(msg)) {}

  Diagnostic& help(std::string text) {
    help_text = std::move(text);
    return *this;
  }
  Diagnostic& fix(Fix f) {
    fix_value = std::move(f);
    return *this;
  }
  Diagnostic& ddl(std::string text) {
    ddl_text = std::move(text);
    return *this;
  }
  Diagnostic& related(Span at, std::string msg) {
    related_locations.push_back({at, std::move(msg)});
    return *this;
  }
  Diagnostic& with_severity(Severity s) {
    severity = s;
    return *this;
  }

  friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
};

// Orders by position, then rule id, then message; removes exact duplicates.
void sort_and_dedup(std::vector<Diagnostic>& diagnostics);

}  // namespace pglens

namespace pglens {

struct AppliedFixes {
  std::string text;
  size_t applied = 0;  // diagnostics whose fix was applied
  size_t skipped = 0;  // fixes left out: unsafe (when not allowed) or overlapping an applied one
};

// Applies the diagnostics' fixes to `text`, in order of position; a fix whose edits overlap
// an already applied one is skipped (a second `--fix` run picks it up).
AppliedFixes apply_fixes(std::string_view text, const std::vector<Diagnostic>& diagnostics, bool include_unsafe);

}  // namespace pglens
