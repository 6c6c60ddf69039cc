#include <fmt/format.h>

#include "pglens/report.hpp"

namespace pglens {

std::optional<ReportFormat> parse_report_format(std::string_view s) {
  if (s == "text") return ReportFormat::text;
  if (s == "json") return ReportFormat::json;
  if (s == "sarif") return ReportFormat::sarif;
  if (s == "github") return ReportFormat::github;
  return std::nullopt;
}

Summary summarize(std::span<const FileReport> reports) {
  Summary s;
  for (const auto& r : reports) {
    ++s.files;
    if (r.write_failed) ++s.unwritten;
    else if (!r.error.empty()) ++s.unreadable;
    s.fixed += r.fixes_applied;
    for (const auto& d : r.diagnostics) {
      switch (d.severity) {
        case Severity::error: ++s.errors; break;
        case Severity::warning: ++s.warnings; break;
        case Severity::info: ++s.infos; break;
      }
    }
  }
  return s;
}

namespace {

constexpr std::string_view kBold = "\x1b[1m", kRed = "\x1b[31m", kYellow = "\x1b[33m", kCyan = "\x1b[36m",
                           kGreen = "\x1b[32m", kDim = "\x1b[2m", kReset = "\x1b[0m";

struct Paint {
  bool on;
  std::string operator()(std::string_view style, std::string_view text) const {
    return on ? fmt::format("{}{}{}", style, text, kReset) : std::string(text);
  }
};

std::string render_counts(const Summary& s, const Paint& paint) {
  size_t total = s.errors + s.warnings + s.infos;
  std::string files = fmt::format("{} file{}", s.files, s.files == 1 ? "" : "s");
  std::string unreadable = s.unreadable ? fmt::format(", {} could not be read", s.unreadable) : "";
  if (s.unwritten) unreadable += fmt::format(", {} could not be written", s.unwritten);
  if (total == 0 && (s.unreadable || s.unwritten)) {
    std::vector<std::string> failures;
    if (s.unreadable) failures.push_back(fmt::format("{} of {} could not be read", s.unreadable, files));
    if (s.unwritten) failures.push_back(fmt::format("{} of {} could not be written", s.unwritten, files));
    return fmt::format("{} {}.\n", paint(fmt::format("{}{}", kBold, kRed), "✗"), fmt::join(failures, ", "));
  }
  if (total == 0)
    return fmt::format("{} {} checked: no problems found.\n", paint(fmt::format("{}{}", kBold, kGreen), "✓"), files);
  return fmt::format("{} {} problem{} ({} error{}, {} warning{}, {} info) in {}{}.\n",
                     paint(fmt::format("{}{}", kBold, s.errors ? kRed : kYellow), "✗"), total, total == 1 ? "" : "s",
                     s.errors, s.errors == 1 ? "" : "s", s.warnings, s.warnings == 1 ? "" : "s", s.infos, files,
                     unreadable);
}

std::string_view severity_color(Severity s) {
  return s == Severity::error ? kRed : s == Severity::warning ? kYellow : kCyan;
}

// Source lines can be 100,000 characters long: show a window around the span.
constexpr size_t kMaxShown = 160;

void excerpt(std::string& out, const LineIndex& lines, const Diagnostic& d, const Paint& paint) {
  uint32_t line = lines.line_of(d.span.begin);
  std::string_view text = lines.line_text(line);
  uint32_t line_start = lines.line_start(line);
  size_t col = d.span.begin - line_start;
  size_t len = std::max<size_t>(1, std::min<size_t>(d.span.end, line_start + text.size()) - d.span.begin);
  if (d.span.end <= d.span.begin) len = 1;
  size_t from = 0;
  std::string prefix, suffix;
  if (text.size() > kMaxShown) {
    from = col > kMaxShown / 2 ? col - kMaxShown / 2 : 0;
    // Do not cut a UTF-8 sequence.
    while (from > 0 && (static_cast<unsigned char>(text[from]) & 0xC0) == 0x80) --from;
    size_t to = std::min(text.size(), from + kMaxShown);
    while (to < text.size() && (static_cast<unsigned char>(text[to]) & 0xC0) == 0x80) ++to;
    if (from > 0) prefix = "...";
    if (to < text.size()) suffix = "...";
    text = text.substr(from, to - from);
    len = std::min(len, text.size() > col - from ? text.size() - (col - from) : 1);
  }
  std::string gutter = fmt::format("{:>5} | ", line + 1);
  std::string shown = terminal_safe(text);
  for (char& c : shown)
    if (c == '\t') c = ' ';  // tabs as one column keeps the caret aligned
  out += paint(kDim, gutter) + prefix + shown + suffix + "\n";
  // Caret line: one space per character (code point) before the span.
  size_t pad = prefix.size();
  for (size_t i = from; i < col && i < from + text.size(); ++i)
    if ((static_cast<unsigned char>(text[i - from]) & 0xC0) != 0x80) ++pad;
  size_t carets = 0;
  for (size_t i = col; i < col + len && i - from < text.size(); ++i)
    if ((static_cast<unsigned char>(text[i - from]) & 0xC0) != 0x80) ++carets;
  out += paint(kDim, "      | ") + std::string(pad, ' ') +
      paint(fmt::format("{}{}", kBold, severity_color(d.severity)), std::string(std::max<size_t>(carets, 1), '^')) +
      "\n";
}

}  // namespace

std::string render_text(const FileReport& r, bool color) {
  Paint paint{color};
  std::string out;
  // Everything that comes from the input (its path, its SQL, messages quoting it) is shown
  // through terminal_safe: a .sql file must not be able to drive the terminal.
  std::string path = terminal_safe(r.file.path);
  if (!r.error.empty()) {
    std::string where =
        r.error_position ? fmt::format("{}:{}:{}", path, r.error_position->line, r.error_position->column) : path;
    out += fmt::format("{}: {} {}\n", paint(kBold, where), paint(fmt::format("{}{}", kBold, kRed), "error:"),
                       terminal_safe(r.error));
    return out;
  }
  if (r.diagnostics.empty()) return out;
  LineIndex lines(r.file.text);
  for (const auto& d : r.diagnostics) {
    Position p = lines.position(d.span.begin);
    out += fmt::format(
        "{}: {} {} {}\n", paint(kBold, fmt::format("{}:{}:{}", path, p.line, p.column)),
        paint(fmt::format("{}{}", kBold, severity_color(d.severity)), fmt::format("{}:", to_string(d.severity))),
        paint(kBold, terminal_safe(d.message)), paint(kDim, fmt::format("[{}]", d.rule)));
    excerpt(out, lines, d, paint);
    if (!d.help_text.empty())
      out += fmt::format("      = {} {}\n", paint(fmt::format("{}{}", kBold, kGreen), "help:"),
                         terminal_safe(d.help_text));
    if (d.fix_value)
      out += fmt::format("      = {} {}\n", paint(fmt::format("{}{}", kBold, kGreen), "fix:"),
                         terminal_safe(d.fix_value->description));
    if (!d.ddl_text.empty()) {
      out += fmt::format("      = {}\n", paint(fmt::format("{}{}", kBold, kGreen), "suggested DDL:"));
      size_t b = 0;
      while (b < d.ddl_text.size()) {
        size_t e = d.ddl_text.find('\n', b);
        if (e == std::string::npos) e = d.ddl_text.size();
        out +=
            fmt::format("          {}\n", paint(kCyan, terminal_safe(std::string_view(d.ddl_text).substr(b, e - b))));
        b = e + 1;
      }
    }
    for (const auto& rel : d.related_locations) {
      Position rp = lines.position(rel.span.begin);
      out += fmt::format("      = note: {}:{}:{}: {}\n", path, rp.line, rp.column, terminal_safe(rel.message));
    }
  }
  return out;
}

std::string render_text_summary(const Summary& s, bool color) {
  Paint paint{color};
  std::string fixed = s.fixed ? fmt::format("Fixed {} problem{}. ", s.fixed, s.fixed == 1 ? "" : "s") : "";
  return fixed + render_counts(s, paint);
}

std::string render_github(const FileReport& r) {
  // Workflow-command escaping: data escapes %, CR, LF; properties also ':' and ','. The
  // log is read in a terminal-like viewer too: other controls are shown (terminal_safe).
  auto data = [](std::string_view s) {
    std::string o;
    for (char c : terminal_safe(s, true)) {
      if (c == '%') o += "%25";
      else if (c == '\r') o += "%0D";
      else if (c == '\n') o += "%0A";
      else o += c;
    }
    return o;
  };
  auto prop = [&](std::string_view s) {
    std::string o;
    for (char c : data(s)) {
      if (c == ':') o += "%3A";
      else if (c == ',') o += "%2C";
      else o += c;
    }
    return o;
  };
  std::string out;
  if (!r.error.empty()) {
    out += fmt::format("::error file={},title=pglens::{}\n", prop(r.file.path), data(r.error));
    return out;
  }
  LineIndex lines(r.file.text);
  for (const auto& d : r.diagnostics) {
    Position b = lines.position(d.span.begin, ColumnUnit::utf16);
    Position e = lines.position(d.span.end, ColumnUnit::utf16);
    std::string_view level = d.severity == Severity::error ? "error"
        : d.severity == Severity::warning                  ? "warning"
                                                           : "notice";
    std::string msg = d.message;
    if (!d.help_text.empty()) msg += "\nhelp: " + d.help_text;
    if (!d.ddl_text.empty()) msg += "\n" + d.ddl_text;
    out += fmt::format("::{} file={},line={},col={},endLine={},endColumn={},title={}::{}\n", level, prop(r.file.path),
                       b.line, b.column, e.line, e.column, prop(d.rule), data(msg));
  }
  return out;
}

}  // namespace pglens
