// Reading PostgreSQL logs: the lines of a stderr, csvlog, jsonlog or syslog log become
// entries (one message with its DETAIL), streamed: one read block and one entry in memory.
#include <zlib.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>
#include <re2/re2.h>
#include <simdjson.h>

#include "log/log.hpp"

namespace pglens::log {
namespace {

// A line longer than this is cut (and counted): a log line is never that long, junk may be.
constexpr size_t kMaxLine = 64u << 20;
// An entry (a statement with its continuation lines) is cut at this size.
constexpr size_t kMaxEntry = 64u << 20;

// ---------------------------------------------------------------------------------------
// Timestamps.

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool digits(std::string_view s, size_t at, size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// "2026-12-07 15:55:22.123 UTC", "...T15:55:22.123456+01:00", "1700000000.123" (%n), or
// syslog's "Dec  7 15:55:22", which has no year: `year` (a month after `reference_month`
// belongs to the year before: December's lines of a file written in January). Zone names
// other than UTC/GMT count as UTC: a log's times share one zone.
std::optional<int64_t> parse_time(std::string_view s, int year = 1970, int reference_month = 12) {
  int y, mo, d, h, mi, sec;
  size_t p = 0;
  if (digits(s, 0, 4, y) && s.size() >= 19 && s[4] == '-' && digits(s, 5, 2, mo) && s[7] == '-' && digits(s, 8, 2, d) &&
      (s[10] == ' ' || s[10] == 'T') && digits(s, 11, 2, h) && s[13] == ':' && digits(s, 14, 2, mi) && s[16] == ':' &&
      digits(s, 17, 2, sec)) {
    p = 19;
  } else {
    static constexpr std::array<std::string_view, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    mo = 0;
    for (size_t i = 0; i < months.size(); ++i)
      if (s.starts_with(months[i])) mo = static_cast<int>(i) + 1;
    if (mo && s.size() >= 15 && s[3] == ' ') {
      y = mo > reference_month ? year - 1 : year;
      d = (s[4] == ' ' ? 0 : (s[4] - '0') * 10) + (s[5] - '0');
      if (!digits(s, 7, 2, h) || !digits(s, 10, 2, mi) || !digits(s, 13, 2, sec) || d < 1 || d > 31)
        return std::nullopt;
      p = 15;
    } else {
      // %n: seconds.milliseconds since the epoch
      size_t i = 0;
      int64_t whole = 0;
      while (i < s.size() && i < 12 && s[i] >= '0' && s[i] <= '9') whole = whole * 10 + (s[i++] - '0');
      if (i < 9 || i >= s.size() || s[i] != '.') return std::nullopt;
      int64_t frac = 0, scale = 1000000;
      for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i)
        if (scale > 1) frac += (s[i] - '0') * (scale /= 10);
      return whole * 1000000 + frac;
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || sec > 60) return std::nullopt;
  int64_t us =
      (days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + sec) *
      1000000;
  if (p < s.size() && s[p] == '.') {
    int64_t scale = 1000000;
    for (++p; p < s.size() && s[p] >= '0' && s[p] <= '9'; ++p)
      if (scale > 1) us += (s[p] - '0') * (scale /= 10);
  }
  if (p < s.size() && s[p] == ' ') ++p;
  if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    int oh = 0, om = 0;
    if (digits(s, p + 1, 2, oh)) {
      size_t q = p + 3;
      if (q < s.size() && s[q] == ':') ++q;
      if (!digits(s, q, 2, om)) om = 0;
      int64_t offset = (oh * 3600 + om * 60) * int64_t{1000000};
      us += s[p] == '+' ? -offset : offset;
    }
  }
  return us;
}

// ---------------------------------------------------------------------------------------
// Severities: where the message starts in a stderr line.

bool is_severity(std::string_view w) {
  static constexpr std::array<std::string_view, 17> all = {
      "LOG",    "ERROR",  "WARNING", "FATAL",  "PANIC",  "NOTICE", "INFO",    "DEBUG",    "DEBUG1",
      "DEBUG2", "DEBUG3", "DEBUG4",  "DEBUG5", "DETAIL", "HINT",   "CONTEXT", "STATEMENT"};
  for (auto s : all)
    if (w == s) return true;
  return w == "QUERY" || w == "LOCATION";
}

// A severity word in English: as it is, or translated back.
std::string_view english_of(std::string_view word) {
  if (is_severity(word)) return word;
  std::string_view english = english_severity(word);
  return english.empty() ? word : english;
}

bool is_secondary(std::string_view severity) {
  return severity == "DETAIL" || severity == "HINT" || severity == "CONTEXT" || severity == "STATEMENT" ||
      severity == "QUERY" || severity == "LOCATION";
}

// The "SEVERITY:  " of a line: position of the severity word, npos when none; `severity`:
// its English name (a server with lc_messages in another language translates it).
size_t find_severity(std::string_view line, size_t& word_len, std::string_view& severity) {
  size_t limit = std::min<size_t>(line.size(), 4096);
  size_t found = std::string_view::npos;
  for (size_t pos = line.find(":  "); pos != std::string_view::npos && pos < limit; pos = line.find(":  ", pos + 1)) {
    size_t b = pos;
    while (b > 0 && ((line[b - 1] >= 'A' && line[b - 1] <= 'Z') || (line[b - 1] >= '0' && line[b - 1] <= '9'))) --b;
    if (b == pos) continue;
    if (b > 0 && ((line[b - 1] >= 'a' && line[b - 1] <= 'z') || line[b - 1] == '_')) continue;
    if (!is_severity(line.substr(b, pos - b))) continue;
    word_len = pos - b;
    severity = line.substr(b, word_len);
    found = b;
    break;
  }
  // A translated one before it (in an English log there is no ":  " before the severity).
  size_t translated_len = 0;
  std::string_view english;
  size_t translated = find_translated_severity(
      found == std::string_view::npos ? line : line.substr(0, found + word_len), translated_len, english);
  if (translated == std::string_view::npos) return found;
  word_len = translated_len;
  severity = english;
  return translated;
}

// ---------------------------------------------------------------------------------------
// Sources of bytes: gzread reads plain files as they are (transparent mode), so every input
// goes through zlib, and a .gz needs nothing more.
class Lines {
 public:
  // `limit`: stop after this many bytes (a chunk of the file; it ends at a line's start).
  explicit Lines(gzFile file, uint64_t limit = 0) : gz_(file), limit_(limit) { buffer_.resize(1u << 20); }
  explicit Lines(std::string_view text) : text_(text), in_memory_(true) {}
  ~Lines() {
    if (gz_) gzclose(gz_);
  }
  Lines(const Lines&) = delete;
  Lines& operator=(const Lines&) = delete;

  // The next line without its '\n' (nor a '\r' before it); false at the end.
  bool next(std::string_view& line, bool& cut) {
    cut = false;
    if (in_memory_) {
      if (pos_ >= text_.size()) return false;
      size_t nl = text_.find('\n', pos_);
      size_t end = nl == std::string_view::npos ? text_.size() : nl;
      line = text_.substr(pos_, end - pos_);
      pos_ = end + 1;
      bytes_ = std::min(pos_, text_.size());
      if (line.size() > kMaxLine) {
        line = line.substr(0, kMaxLine);
        cut = true;
      }
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      return true;
    }
    carry_.clear();
    if (limit_ && consumed_ >= limit_) return false;
    for (;;) {
      if (start_ < end_) {
        auto* data = buffer_.data() + start_;
        auto* nl = static_cast<char*>(std::memchr(data, '\n', end_ - start_));
        size_t n = nl ? static_cast<size_t>(nl - data) : end_ - start_;
        consumed_ += n + (nl ? 1 : 0);
        if (carry_.size() + n <= kMaxLine) {
          if (nl && carry_.empty()) {
            line = std::string_view(data, n);
            start_ += n + 1;
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            return true;
          }
          carry_.append(data, n);
        } else {
          cut = true;
        }
        start_ += n + (nl ? 1 : 0);
        if (nl) {
          line = carry_;
          if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
          return true;
        }
      }
      if (eof_) {
        if (carry_.empty() && !cut) return false;
        line = carry_;
        return true;
      }
      int got = gzread(gz_, buffer_.data(), static_cast<unsigned>(buffer_.size()));
      if (got < 0) {
        int errnum = 0;
        const char* message = gzerror(gz_, &errnum);
        error_ = errnum == Z_ERRNO ? std::strerror(errno) : std::string(message ? message : "read error");
        eof_ = true;
        continue;
      }
      if (got == 0) {
        // A truncated .gz reads as far as it goes; gzerror names what is wrong.
        int errnum = 0;
        const char* message = gzerror(gz_, &errnum);
        if (errnum != Z_OK && errnum != Z_STREAM_END && message && *message) error_ = message;
        eof_ = true;
      }
      start_ = 0;
      end_ = static_cast<size_t>(got);
      bytes_ = static_cast<uint64_t>(gzoffset(gz_));
    }
  }
  uint64_t bytes() const { return limit_ ? std::min(consumed_, limit_) : bytes_; }
  const std::string& error() const { return error_; }

 private:
  gzFile gz_ = nullptr;
  uint64_t limit_ = 0;
  uint64_t consumed_ = 0;
  std::string_view text_;
  bool in_memory_ = false;
  size_t pos_ = 0;
  std::vector<char> buffer_;
  size_t start_ = 0, end_ = 0;
  bool eof_ = false;
  std::string carry_;
  uint64_t bytes_ = 0;
  std::string error_;
};

// ---------------------------------------------------------------------------------------
// Assembly of entries from lines.

// Which field continuation lines add to.
enum class Field { message, detail, ignored };

struct Pending {
  Entry entry;
  Field field = Field::ignored;
  bool open = false;
};

class Assembler {
 public:
  Assembler(const ReadOptions& options, ReadResult& result, const std::function<void(const Entry&)>& on_entry)
      : options_(options), result_(result), on_entry_(on_entry) {
    if (!options.prefix.empty()) {
      RE2::Options o;
      o.set_log_errors(false);
      o.set_max_mem(64 << 20);
      prefix_re_ = std::make_unique<RE2>(
          "^" + prefix_pattern(options.prefix) + "(?P<severity>[A-Z0-9]+|" + translated_severity_pattern() + "):  ", o);
      if (!prefix_re_->ok())
        result_.error = fmt::format("--prefix '{}' cannot be read: {}", options.prefix, prefix_re_->error());
    }
  }

  void line(std::string_view text, uint64_t number) {
    if (format_ == Format::automatic) {
      if (text.find_first_not_of(" \t") == std::string_view::npos) return;
      format_ = options_.format != Format::automatic ? options_.format : detect(text);
      result_.format = format_;
    }
    switch (format_) {
      case Format::jsonlog: json_line(text, number); break;
      case Format::csvlog: csv_line(text, number); break;
      case Format::syslog: syslog_line(text, number); break;
      default: stderr_line(text, number, pending_[0], {}); break;
    }
  }

  void finish() {
    if (format_ == Format::csvlog && !csv_record_.empty()) csv_record(csv_line_);
    for (auto& p : pending_) flush(p);
    for (auto& [pid, p] : syslog_pending_) flush(p);
    syslog_pending_.clear();
  }

 private:
  static Format detect(std::string_view first) {
    if (!first.empty() && first[0] == '{') return Format::jsonlog;
    if (RE2::PartialMatch(first, csv_start_re())) return Format::csvlog;
    if (RE2::PartialMatch(first, syslog_re())) return Format::syslog;
    return Format::stderr_log;
  }

 public:
  // log_time (a zone name or offset, no space in it), then the comma: a stderr line's
  // first comma comes after its message started.
  static const RE2& csv_start_re() {
    static const RE2 re(R"(^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}(?: [A-Za-z0-9+:\-]+)?,)");
    return re;
  }
  static Format detect_format(std::string_view first) { return detect(first); }

  // Whether `line` starts an entry of a `format` log (a chunk of it may start there).
  bool starts_entry(std::string_view line, Format format) const {
    if (format == Format::jsonlog) return !line.empty() && line[0] == '{';
    if (format == Format::csvlog) return RE2::PartialMatch(line, csv_start_re());
    if (format != Format::stderr_log || line.empty() || line[0] == '\t') return false;
    if (prefix_re_) {
      if (!prefix_re_->ok()) return false;
      static thread_local std::vector<re2::StringPiece> groups;
      int n = prefix_re_->NumberOfCapturingGroups() + 1;
      groups.resize(static_cast<size_t>(n));
      if (!prefix_re_->Match(line, 0, line.size(), RE2::ANCHOR_START, groups.data(), n)) return false;
      auto it = prefix_re_->NamedCapturingGroups().find("severity");
      if (it == prefix_re_->NamedCapturingGroups().end()) return false;
      auto g = groups[static_cast<size_t>(it->second)];
      return !is_secondary(english_of(std::string_view(g.data(), g.size())));
    }
    size_t word_len = 0;
    std::string_view severity;
    return find_severity(line, word_len, severity) != std::string_view::npos && !is_secondary(severity);
  }

 private:
  static const RE2& syslog_re() {
    // rsyslog's traditional (`Dec  7 15:55:22`) or ISO 8601 time, the host, postgres[pid]:,
    // PostgreSQL's own [sequence-line] numbers, the rest.
    static const RE2 re(
        R"(^((?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d)|(?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)) \S+ [^\s\[]+\[(\d+)\]: \[\d+-(\d+)\] ?(.*)$)");
    return re;
  }

  void flush(Pending& p) {
    if (!p.open) return;
    p.open = false;
    ++result_.entries;
    to_english(p.entry);
    on_entry_(p.entry);
  }

  void start(Pending& p, uint64_t number) {
    flush(p);
    p.entry = Entry{};
    p.entry.line = number;
    p.open = true;
  }

  void append(Pending& p, std::string_view text, bool newline) {
    std::string* field = p.field == Field::message ? &p.entry.message
        : p.field == Field::detail                 ? &p.entry.detail
                                                   : nullptr;
    if (!field || field->size() + text.size() + 1 > kMaxEntry) return;
    if (newline) field->push_back('\n');
    field->append(text);
  }

  void unrecognised(uint64_t number) {
    if (result_.unrecognised_lines++ == 0) result_.first_unrecognised = number;
  }

  // A stderr line, or the body of a syslog line (pid from syslog: `syslog_pid`).
  void stderr_line(std::string_view text, uint64_t number, Pending& p, std::string_view syslog_pid) {
    if (!text.empty() && text[0] == '\t') {
      if (p.open) append(p, text.substr(1), true);
      else unrecognised(number);
      return;
    }
    std::string_view prefix, severity, message, time_text, session, pid;
    if (prefix_re_) {
      if (!prefix_re_->ok()) return;
      static thread_local std::vector<re2::StringPiece> groups;
      int n = prefix_re_->NumberOfCapturingGroups() + 1;
      groups.resize(static_cast<size_t>(n));
      if (!prefix_re_->Match(text, 0, text.size(), RE2::ANCHOR_START, groups.data(), n)) {
        unrecognised(number);
        return;
      }
      const auto& names = prefix_re_->NamedCapturingGroups();
      auto group = [&](const char* name) -> std::string_view {
        auto it = names.find(name);
        if (it == names.end()) return {};
        auto g = groups[static_cast<size_t>(it->second)];
        return g.data() ? std::string_view(g.data(), g.size()) : std::string_view();
      };
      severity = english_of(group("severity"));
      time_text = group("time");
      session = group("session");
      pid = group("pid");
      message = text.substr(groups[0].size());
    } else {
      size_t word_len = 0;
      size_t at = find_severity(text, word_len, severity);
      if (at == std::string_view::npos) {
        unrecognised(number);
        return;
      }
      prefix = text.substr(0, at);
      message = text.substr(at + word_len + 3);
      if (!is_secondary(severity) && !prefix.empty()) detect_in_prefix(prefix, time_text, session, pid);
    }
    if (is_secondary(severity)) {
      if (!p.open) return;  // the rest of an entry whose first line was cut away
      if (severity == "DETAIL" && p.entry.detail.empty()) {
        p.field = Field::detail;
        append(p, message, false);
      } else {
        p.field = Field::ignored;
      }
      return;
    }
    start(p, number);
    Entry& e = p.entry;
    if (!time_text.empty()) {
      if (auto t = parse_time(time_text)) {
        e.time_us = *t;
        e.has_time = true;
      }
    }
    e.session.assign(session);
    e.pid.assign(syslog_pid.empty() ? pid : syslog_pid);
    if (!e.session.empty()) result_.has_session_ids = true;
    if (!e.pid.empty()) result_.has_pids = true;
    e.severity.assign(severity);
    p.field = Field::message;
    append(p, message, false);
  }

  // The time, %c session id and [pid] in a prefix nobody described. Scanned by hand: this
  // runs on every line, and three regular expressions here took a third of the run.
  static void detect_in_prefix(std::string_view prefix, std::string_view& time_text, std::string_view& session,
                               std::string_view& pid) {
    auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    auto is_hex = [&](char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); };
    auto is_word = [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.';
    };
    const size_t n = prefix.size();
    for (size_t i = 0; i < n && time_text.empty(); ++i) {
      if (!is_digit(prefix[i]) || (i > 0 && is_digit(prefix[i - 1]))) continue;
      // YYYY-MM-DD hh:mm:ss (%m, %t), or seconds.millis since the epoch (%n)
      if (i + 19 <= n && prefix[i + 4] == '-' && prefix[i + 7] == '-' && prefix[i + 13] == ':') {
        time_text = prefix.substr(i);
      } else {
        size_t j = i;
        while (j < n && is_digit(prefix[j])) ++j;
        if (j - i == 10 && j + 1 < n && prefix[j] == '.' && is_digit(prefix[j + 1])) time_text = prefix.substr(i);
      }
    }
    for (size_t dot = prefix.find('.'); dot != std::string_view::npos && session.empty();
         dot = prefix.find('.', dot + 1)) {
      size_t b = dot, e = dot + 1;
      while (b > 0 && is_hex(prefix[b - 1])) --b;
      while (e < n && is_hex(prefix[e])) ++e;
      if (dot - b < 6 || dot - b > 8 || e - dot - 1 < 1 || e - dot - 1 > 8) continue;
      if ((b > 0 && is_word(prefix[b - 1])) || (e < n && is_word(prefix[e]))) continue;
      session = prefix.substr(b, e - b);
    }
    for (size_t i = 0; i < n && pid.empty(); ++i) {
      size_t start = 0;
      if (prefix[i] == '[') start = i + 1;
      else if (prefix.substr(i, 4) == "pid=") start = i + 4;
      else continue;
      size_t j = start;
      while (j < n && is_digit(prefix[j])) ++j;
      if (j > start && (prefix[i] != '[' || (j < n && prefix[j] == ']'))) pid = prefix.substr(start, j - start);
    }
  }

  void syslog_line(std::string_view text, uint64_t number) {
    re2::StringPiece time, pid, part, rest;
    if (!RE2::FullMatch(text, syslog_re(), &time, &pid, &part, &rest)) {
      unrecognised(number);
      return;
    }
    std::string key(pid.data(), pid.size());
    Pending& p = syslog_pending_[key];
    std::string_view body(rest.data(), rest.size());
    if (part != "1") {
      // PostgreSQL cuts a line at a newline (the next part starts with a tab, which
      // rsyslog writes as #011) or at 900 bytes (the next part goes on the same line).
      if (!p.open) return unrecognised(number);
      if (body.starts_with("#011")) append(p, body.substr(4), true);
      else if (!body.empty() && body[0] == '\t') append(p, body.substr(1), true);
      else append(p, body, false);
      return;
    }
    if (body.starts_with("#011")) {
      if (p.open) append(p, body.substr(4), true);
      return;
    }
    bool was_open = p.open;
    stderr_line(body, number, p, std::string_view(pid.data(), pid.size()));
    if (p.open && (!was_open || p.entry.line == number) && !p.entry.has_time) {
      std::string_view t_text(time.data(), time.size());
      if (auto t = parse_time(t_text, options_.year, options_.reference_month)) {
        p.entry.time_us = *t;
        p.entry.has_time = true;
        // rsyslog's traditional time has no year
        if (!t_text.empty() && t_text[0] >= 'A' && t_text[0] <= 'Z') result_.year_assumed = options_.year;
      }
    }
    // Each pid's last entry waits for its DETAIL; many short-lived pids must not pile up.
    if (syslog_pending_.size() > 4096) {
      for (auto it = syslog_pending_.begin(); it != syslog_pending_.end();) {
        if (it->first != key) {
          flush(it->second);
          it = syslog_pending_.erase(it);
        } else {
          ++it;
        }
      }
    }
  }

  void csv_line(std::string_view text, uint64_t number) {
    if (csv_record_.empty()) csv_line_ = number;
    else csv_record_.push_back('\n');
    if (csv_record_.size() + text.size() > kMaxEntry) {
      csv_record_.clear();
      csv_in_quote_ = false;
      unrecognised(number);
      return;
    }
    csv_record_.append(text);
    for (char c : text)
      if (c == '"') csv_in_quote_ = !csv_in_quote_;
    if (!csv_in_quote_) csv_record(csv_line_);
  }

  void csv_record(uint64_t number) {
    std::vector<std::string>& fields = csv_fields_;
    fields.clear();
    fields.emplace_back();
    bool quoted = false;
    for (size_t i = 0; i < csv_record_.size(); ++i) {
      char c = csv_record_[i];
      if (quoted) {
        if (c == '"') {
          if (i + 1 < csv_record_.size() && csv_record_[i + 1] == '"') {
            fields.back().push_back('"');
            ++i;
          } else {
            quoted = false;
          }
        } else {
          fields.back().push_back(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.emplace_back();
      } else {
        fields.back().push_back(c);
      }
    }
    csv_record_.clear();
    csv_in_quote_ = false;
    // log_time, user, database, pid, connection_from, session_id, session_line_num,
    // command_tag, session_start_time, vxid, xid, error_severity, sql_state, message, detail...
    if (fields.size() < 15) return unrecognised(number);
    auto t = parse_time(fields[0]);
    if (!t) return unrecognised(number);
    Entry e;
    e.line = number;
    e.time_us = *t;
    e.has_time = true;
    e.pid = fields[3];
    e.session = fields[5];
    e.severity = english_of(fields[11]);
    e.message = std::move(fields[13]);
    e.detail = std::move(fields[14]);
    if (!e.session.empty()) result_.has_session_ids = true;
    if (!e.pid.empty()) result_.has_pids = true;
    ++result_.entries;
    to_english(e);
    on_entry_(e);
  }

  void json_line(std::string_view text, uint64_t number) {
    simdjson::dom::element doc;
    if (json_parser_.parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS) return unrecognised(number);
    simdjson::dom::object obj;
    if (doc.get_object().get(obj) != simdjson::SUCCESS) return unrecognised(number);
    Entry e;
    e.line = number;
    std::string_view s;
    if (obj["timestamp"].get_string().get(s) == simdjson::SUCCESS) {
      if (auto t = parse_time(s)) {
        e.time_us = *t;
        e.has_time = true;
      }
    }
    int64_t pid = 0;
    if (obj["pid"].get_int64().get(pid) == simdjson::SUCCESS) e.pid = std::to_string(pid);
    if (obj["session_id"].get_string().get(s) == simdjson::SUCCESS) e.session.assign(s);
    if (obj["error_severity"].get_string().get(s) == simdjson::SUCCESS) e.severity.assign(english_of(s));
    else return unrecognised(number);
    if (obj["message"].get_string().get(s) == simdjson::SUCCESS) e.message.assign(s);
    if (obj["detail"].get_string().get(s) == simdjson::SUCCESS) e.detail.assign(s);
    if (!e.session.empty()) result_.has_session_ids = true;
    if (!e.pid.empty()) result_.has_pids = true;
    ++result_.entries;
    to_english(e);
    on_entry_(e);
  }

  const ReadOptions& options_;
  ReadResult& result_;
  const std::function<void(const Entry&)>& on_entry_;
  Format format_ = Format::automatic;
  std::unique_ptr<RE2> prefix_re_;
  std::array<Pending, 1> pending_;
  std::map<std::string, Pending> syslog_pending_;
  std::string csv_record_;
  std::vector<std::string> csv_fields_;
  uint64_t csv_line_ = 0;
  bool csv_in_quote_ = false;
  simdjson::dom::parser json_parser_;
};

bool looks_binary(std::string_view line) {
  size_t odd = 0;
  for (char c : line.substr(0, 4096)) {
    auto u = static_cast<unsigned char>(c);
    if (u == 0) return true;
    if ((u < 0x20 && c != '\t') || u == 0x7f) ++odd;
  }
  return odd * 20 > std::min<size_t>(line.size(), 4096);
}

std::string printable_start(std::string_view line) {
  std::string out;
  for (char c : line.substr(0, 80)) out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
  return out;
}

ReadResult read_lines(Lines& lines, const std::string& name, const ReadOptions& options,
                      const std::function<void(const Entry&)>& on_entry, std::string_view whole) {
  ReadResult result;
  Assembler assembler(options, result, on_entry);
  if (!result.error.empty()) return result;
  std::string_view line;
  bool cut = false;
  uint64_t number = 0;
  std::string first_line;
  bool binary = false;
  while (lines.next(line, cut)) {
    ++number;
    if (cut) ++result.cut_lines;
    if (number == 1) {
      first_line = printable_start(line);
      binary = looks_binary(line);
    }
    assembler.line(line, number);
  }
  assembler.finish();
  result.lines = number;
  result.bytes = whole.empty() ? lines.bytes() : whole.size();
  if (!lines.error().empty()) {
    result.error = fmt::format("{}: {} (after line {})", name, lines.error(), number);
  } else if (result.entries == 0 && number > 0) {
    if (binary) result.error = fmt::format("{}: binary data, not a PostgreSQL log (line 1 has control bytes)", name);
    else if (!options.prefix.empty())
      result.error = fmt::format(
          "{}: no line matches --prefix '{}' (line {}: \"{}\"); give the server's log_line_prefix "
          "(SHOW log_line_prefix)",
          name, options.prefix, result.first_unrecognised ? result.first_unrecognised : 1, first_line);
    else
      result.error = fmt::format(
          "{}: no PostgreSQL log entry found (line 1: \"{}\"); a stderr log needs its `LOG:  ` severity words in "
          "English (lc_messages = 'C'), or give the format with --input-format csvlog|jsonlog|syslog, or the prefix "
          "with "
          "--prefix",
          name, first_line);
  }
  return result;
}

}  // namespace

std::string_view format_name(Format format) {
  switch (format) {
    case Format::stderr_log: return "stderr";
    case Format::csvlog: return "csvlog";
    case Format::jsonlog: return "jsonlog";
    case Format::syslog: return "syslog";
    default: return "automatic";
  }
}

std::string prefix_pattern(std::string_view prefix) {
  static constexpr std::string_view kTimestamp = R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?: [A-Za-z0-9+:\-]+)?)";
  static constexpr std::string_view kTimestampMs = R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+(?: [A-Za-z0-9+:\-]+)?)";
  std::string out;
  int optional = 0;
  bool time_seen = false, session_seen = false, pid_seen = false;
  // Each named group once: a prefix with %m twice reads its first.
  auto named = [&](bool& seen, const char* name, std::string_view body) {
    if (seen) return fmt::format("(?:{})", body);
    seen = true;
    return fmt::format("(?P<{}>{})", name, body);
  };
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = prefix[i];
    if (c != '%' || i + 1 == prefix.size()) {
      out += RE2::QuoteMeta(std::string_view(&prefix[i], 1));
      continue;
    }
    ++i;
    // %-10u, %10u: padded to a width
    bool padded = false;
    if (prefix[i] == '-') ++i, padded = true;
    while (i < prefix.size() && prefix[i] >= '0' && prefix[i] <= '9') ++i, padded = true;
    if (i >= prefix.size()) break;
    if (padded) out += " *";
    switch (prefix[i]) {
      case 'm': out += named(time_seen, "time", kTimestampMs); break;
      case 't': out += named(time_seen, "time", kTimestamp); break;
      case 'n': out += named(time_seen, "time", R"(\d+\.\d+)"); break;
      case 's': out += fmt::format("(?:{})", kTimestamp); break;
      case 'c': out += named(session_seen, "session", R"([0-9a-f]*\.[0-9a-f]*)"); break;
      case 'p': out += named(pid_seen, "pid", R"(\d*)"); break;
      case 'P':
      case 'l':
      case 'x':
      case 'Q': out += R"(-?\d*)"; break;
      case 'v': out += R"([0-9/]*)"; break;
      case 'e': out += R"([0-9A-Z]*)"; break;
      case '%': out += "%"; break;
      case 'q':
        out += "(?:";
        ++optional;
        break;
      default: out += ".*?"; break;  // %a %u %d %r %h %b %i: free text
    }
    if (padded) out += " *";
  }
  for (; optional > 0; --optional) out += ")?";
  return out;
}

std::vector<uint64_t> chunk_starts(const std::string& path, const ReadOptions& options, size_t parts, Format& format) {
  std::vector<uint64_t> out{0};
  format = options.format;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  struct stat st {};
  std::string window;
  auto read_at = [&](uint64_t at, size_t n) {
    window.resize(n);
    ssize_t got = ::pread(fd, window.data(), n, static_cast<off_t>(at));
    window.resize(got > 0 ? static_cast<size_t>(got) : 0);
  };
  if (parts > 1 && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= (64 << 10)) {
    auto size = static_cast<uint64_t>(st.st_size);
    read_at(0, 1u << 16);
    bool gzip = window.size() >= 2 && static_cast<unsigned char>(window[0]) == 0x1f &&
        static_cast<unsigned char>(window[1]) == 0x8b;
    if (format == Format::automatic && !gzip) {
      for (size_t b = 0; b < window.size();) {
        size_t e = window.find('\n', b);
        std::string_view line(window.data() + b, (e == std::string::npos ? window.size() : e) - b);
        if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
          format = Assembler::detect_format(line);
          break;
        }
        if (e == std::string::npos) break;
        b = e + 1;
      }
    }
    // syslog interleaves processes (an entry's DETAIL may come lines later): whole files only
    if (!gzip && (format == Format::stderr_log || format == Format::csvlog || format == Format::jsonlog)) {
      ReadResult ignored;
      std::function<void(const Entry&)> none = [](const Entry&) {};
      Assembler assembler(options, ignored, none);
      for (size_t k = 1; k < parts; ++k) {
        uint64_t pos = size * k / parts;
        if (pos <= out.back()) continue;
        read_at(pos, 4u << 20);
        size_t b = window.find('\n');
        while (b != std::string::npos) {
          ++b;
          size_t e = window.find('\n', b);
          if (e == std::string::npos) break;  // no whole line left in the window
          std::string_view line(window.data() + b, e - b);
          if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
          if (assembler.starts_entry(line, format)) {
            out.push_back(pos + b);
            break;
          }
          b = e;
        }
      }
    }
  }
  ::close(fd);
  return out;
}

namespace {

// The year (and month) year-less syslog times are read in: given, or the file's modification
// time, or today for a stream.
ReadOptions with_year(const ReadOptions& options, int fd, std::string& from) {
  ReadOptions o = options;
  if (o.year) {
    from = "--year";
    return o;
  }
  struct stat st {};
  time_t when = 0;
  if (fd >= 0 && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    when = st.st_mtime;
    from = "the file's modification time";
  } else {
    when = ::time(nullptr);
    from = "today's date";
  }
  struct tm tm {};
  ::gmtime_r(&when, &tm);
  o.year = tm.tm_year + 1900;
  o.reference_month = tm.tm_mon + 1;
  return o;
}

}  // namespace

ReadResult read_log(const std::string& path, const ReadOptions& given,
                    const std::function<void(const Entry&)>& on_entry) {
  return read_log_range(path, 0, 0, given, on_entry);
}

ReadResult read_log_range(const std::string& path, uint64_t begin, uint64_t end, const ReadOptions& given,
                          const std::function<void(const Entry&)>& on_entry) {
  int fd = path == "-" ? ::dup(0) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    ReadResult r;
    r.error = fmt::format("{}: {}", path, std::strerror(errno));
    return r;
  }
  if (begin > 0 && ::lseek(fd, static_cast<off_t>(begin), SEEK_SET) < 0) {
    ReadResult r;
    r.error = fmt::format("{}: {}", path, std::strerror(errno));
    ::close(fd);
    return r;
  }
  std::string year_from;
  ReadOptions options = with_year(given, fd, year_from);
  gzFile gz = gzdopen(fd, "rb");
  if (!gz) {
    ::close(fd);
    ReadResult r;
    r.error = fmt::format("{}: cannot open", path);
    return r;
  }
  gzbuffer(gz, 1u << 18);
  Lines lines(gz, end > begin ? end - begin : 0);
  ReadResult r = read_lines(lines, path == "-" ? "<stdin>" : path, options, on_entry, {});
  if (r.year_assumed) r.year_from = year_from;
  return r;
}

ReadResult read_log_text(std::string_view text, const ReadOptions& given,
                         const std::function<void(const Entry&)>& on_entry) {
  std::string year_from;
  ReadOptions options = with_year(given, -1, year_from);
  Lines lines(text);
  ReadResult r = read_lines(lines, "<text>", options, on_entry, text);
  if (r.year_assumed) r.year_from = year_from;
  return r;
}

}  // namespace pglens::log
