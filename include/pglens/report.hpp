// Rendering diagnostics: text (compiler-style), json, SARIF 2.1.0, GitHub workflow commands.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pglens/diagnostic.hpp"
#include "pglens/source.hpp"

namespace pglens {

enum class ReportFormat { text, json, sarif, github };
std::optional<ReportFormat> parse_report_format(std::string_view s);

// One linted file: its text (for source excerpts and positions) and its findings, or the
// reason it could not be linted.
// What the server's planner said of a finding's suggested index (lint --db, with HypoPG).
struct IndexVerdict {
  bool used = false;  // the re-planned statement reads the hypothetical index
  double cost_before = 0, cost_after = 0;
};

struct FileReport {
  SourceFile file;
  std::vector<Diagnostic> diagnostics;
  std::string error;                        // non-empty when the file could not be read or decoded
  std::optional<Position> error_position;   // where in the file, when it applies
  size_t fixes_applied = 0;                 // by --fix
  bool write_failed = false;                // `error` is --fix's: the fixed file could not be written
  std::map<size_t, IndexVerdict> verified;  // by index in `diagnostics`: the planner was asked (--db)
};

struct Summary {
  size_t files = 0;
  size_t errors = 0, warnings = 0, infos = 0;
  size_t unreadable = 0;
  size_t unwritten = 0;  // --fix could not write them
  size_t fixed = 0;
};
Summary summarize(std::span<const FileReport> reports);

// Text: `path:line:col: severity: message [rule]`, the source line with the span
// underlined, `help:` and any DDL. Rendered per file so output can stream.
std::string render_text(const FileReport& report, bool color);
std::string render_text_summary(const Summary& summary, bool color);

std::string render_json(std::span<const FileReport> reports);
// The same array written file by file, as each file's turn comes: file() returns the text
// of its findings (with the opening `[` before the first), finish() the end of the array.
// What is written is then no longer held.
class JsonReportWriter {
 public:
  std::string file(const FileReport& report);
  std::string finish();

 private:
  bool first_ = true;
};
std::string render_sarif(std::span<const FileReport> reports);
std::string render_github(const FileReport& report);

// Text from SQL, plans, logs and file names, made safe for a terminal: every control
// character (C0 but tab and, when `keep_newlines`, LF; DEL) is shown as its picture (ESC as
// ␛, CR as ␍), C1 controls and bytes that are not UTF-8 as U+FFFD. Input can then never
// move the cursor, recolour, retitle or erase what pglens prints; one code point per
// character replaced keeps carets aligned.
std::string terminal_safe(std::string_view text, bool keep_newlines = false);
// The same for a whole rendering pglens has styled itself: newlines stay, and its own SGR
// colour sequences stay when `keep_own_colors` (none of them can hide text).
std::string terminal_safe_styled(std::string_view text, bool keep_own_colors);

}  // namespace pglens
