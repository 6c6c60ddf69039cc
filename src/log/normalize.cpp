// Cheap normalisation of logged statements: one pass that drops literals, comments and
// extra whitespace, so that pg_query_fingerprint (a full parse, ~20 MB/s) runs once per
// distinct shape instead of once per line.
#include <pg_query.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "log/log.hpp"

namespace pglens::log {
namespace {

bool ident_start(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80; }
bool ident_char(unsigned char c) { return ident_start(c) || (c >= '0' && c <= '9') || c == '$'; }
bool digit(unsigned char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// End of a '...' literal starting at `i` (the quote); backslash escapes when `escapes`.
size_t string_end(std::string_view s, size_t i, bool escapes) {
  for (++i; i < s.size(); ++i) {
    if (escapes && s[i] == '\\') {
      ++i;
    } else if (s[i] == '\'') {
      if (i + 1 < s.size() && s[i + 1] == '\'') ++i;
      else return i + 1;
    }
  }
  return s.size();
}

}  // namespace

uint64_t hash_text(std::string_view s, uint64_t seed) {
  uint64_t h = seed;  // FNV-1a: the same on every machine, so summaries of many hosts merge
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

Normalized normalize(std::string_view s) {
  Normalized out;
  out.key.reserve(s.size());
  out.display.reserve(s.size());
  int max_param = 0;
  // Parameter numbers first: literals are numbered after them, as pg_stat_statements does.
  for (size_t i = 0; i + 1 < s.size(); ++i)
    if (s[i] == '$' && digit(static_cast<unsigned char>(s[i + 1])) &&
        (i == 0 || !ident_char(static_cast<unsigned char>(s[i - 1])))) {
      int n = 0;
      for (size_t j = i + 1; j < s.size() && digit(static_cast<unsigned char>(s[j])) && n < 100000; ++j)
        n = n * 10 + (s[j] - '0');
      max_param = std::max(max_param, n);
    }
  int next_literal = max_param;
  bool space = false;
  auto separate = [&] {
    if (space && !out.key.empty()) {
      out.key.push_back(' ');
      out.display.push_back(' ');
    }
    space = false;
  };
  // In `IN (1, 2, 3)` and `ARRAY[1, 2]` the constants keep one `?`, so lists of any length
  // share a shape (libpg_query's fingerprint ignores their length too). Nowhere else: `(1,
  // 2)` is a row, whose fingerprint differs from `(1)`'s.
  bool in_list = false;
  auto ends_with = [&](std::string_view tail) {
    return out.key.size() >= tail.size() && out.key.compare(out.key.size() - tail.size(), tail.size(), tail) == 0;
  };
  auto constant = [&](size_t begin, size_t end, int param) {
    separate();
    if (in_list && ends_with("?, ")) {
      out.key.resize(out.key.size() - 3);
    } else {
      in_list = ends_with("in (") || ends_with("in(") || ends_with("array[");
    }
    out.key.push_back('?');
    out.constants.push_back({static_cast<uint32_t>(begin), static_cast<uint32_t>(end), param});
    if (param) out.display.append(s.substr(begin, end - begin));
    else out.display += fmt::format("${}", ++next_literal);
  };
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      space = true;
      ++i;
    } else if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
      while (i < s.size() && s[i] != '\n') ++i;
      space = true;
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      int depth = 0;
      while (i < s.size()) {
        if (s[i] == '/' && i + 1 < s.size() && s[i + 1] == '*') ++depth, i += 2;
        else if (s[i] == '*' && i + 1 < s.size() && s[i + 1] == '/') {
          i += 2;
          if (--depth == 0) break;
        } else ++i;
      }
      space = true;
    } else if (c == '\'') {
      size_t end = string_end(s, i, false);
      constant(i, end, 0);
      i = end;
    } else if (c == '$' && i + 1 < s.size() && digit(static_cast<unsigned char>(s[i + 1]))) {
      size_t j = i + 1;
      int n = 0;
      while (j < s.size() && digit(static_cast<unsigned char>(s[j]))) n = n < 100000 ? n * 10 + (s[j] - '0') : n, ++j;
      constant(i, j, n);
      i = j;
    } else if (c == '$') {
      // $tag$ ... $tag$
      size_t j = i + 1;
      while (j < s.size() && ident_char(static_cast<unsigned char>(s[j])) && s[j] != '$') ++j;
      if (j < s.size() && s[j] == '$') {
        std::string_view tag = s.substr(i, j + 1 - i);
        size_t close = s.find(tag, j + 1);
        size_t end = close == std::string_view::npos ? s.size() : close + tag.size();
        constant(i, end, 0);
        i = end;
      } else {
        separate();
        in_list = false;
        out.key.push_back('$');
        out.display.push_back('$');
        ++i;
      }
    } else if (digit(c) || (c == '.' && i + 1 < s.size() && digit(static_cast<unsigned char>(s[i + 1])))) {
      size_t j = i;
      while (j < s.size() &&
             (ident_char(static_cast<unsigned char>(s[j])) || s[j] == '.' ||
              ((s[j] == '+' || s[j] == '-') && (s[j - 1] == 'e' || s[j - 1] == 'E'))))
        ++j;
      constant(i, j, 0);
      i = j;
    } else if (ident_start(c)) {
      size_t j = i;
      while (j < s.size() && ident_char(static_cast<unsigned char>(s[j]))) ++j;
      // E'...', B'...', X'...', N'...': one literal
      if (j < s.size() && s[j] == '\'' && j - i == 1) {
        char p = lower(s[i]);
        if (p == 'e' || p == 'b' || p == 'x' || p == 'n') {
          size_t end = string_end(s, j, p == 'e');
          constant(i, end, 0);
          i = end;
          continue;
        }
      }
      separate();
      in_list = false;
      bool first = out.first_word.empty();
      for (size_t k = i; k < j; ++k) {
        out.key.push_back(lower(s[k]));
        if (first) out.first_word.push_back(lower(s[k]));
      }
      out.display.append(s.substr(i, j - i));
      i = j;
    } else if (c == '"') {
      size_t j = i + 1;
      while (j < s.size() && !(s[j] == '"' && (j + 1 >= s.size() || s[j + 1] != '"'))) j += s[j] == '"' ? 2 : 1;
      j = std::min(j + 1, s.size());
      separate();
      in_list = false;
      out.key.append(s.substr(i, j - i));
      out.display.append(s.substr(i, j - i));
      i = j;
    } else {
      if (c == ';' && i + 1 >= s.size()) {
        ++i;
        continue;
      }
      // `,` keeps no space before it and one after, so `1 ,2` and `1, 2` share a key.
      if (c == ',') space = false;
      else in_list = false;
      separate();
      out.key.push_back(static_cast<char>(c));
      out.display.push_back(static_cast<char>(c));
      if (c == ',') space = true;
      ++i;
    }
  }
  while (!out.key.empty() && (out.key.back() == ' ' || out.key.back() == ';')) out.key.pop_back();
  while (!out.display.empty() && (out.display.back() == ' ' || out.display.back() == ';')) out.display.pop_back();
  return out;
}

std::vector<std::string> output_columns(std::string_view sql) {
  std::vector<std::string> out;
  std::string text(sql);
  PgQueryParseResult r = pg_query_parse(text.c_str());
  if (!r.error && r.parse_tree) {
    auto tree = nlohmann::json::parse(r.parse_tree, nullptr, false);
    try {
      const auto& stmts = tree.at("stmts");
      if (stmts.size() == 1 && stmts[0].at("stmt").contains("SelectStmt")) {
        const auto& select = stmts[0]["stmt"]["SelectStmt"];
        if (select.contains("targetList")) {
          for (const auto& target : select["targetList"]) {
            const auto& res = target.at("ResTarget");
            std::string name;
            if (res.contains("name")) {
              name = res["name"].get<std::string>();
            } else if (res.contains("val") && res["val"].contains("ColumnRef")) {
              const auto& last = res["val"]["ColumnRef"].at("fields").back();
              if (last.contains("String")) name = last["String"].at("sval").get<std::string>();
            }
            if (name.empty()) {
              out.clear();
              break;
            }
            out.push_back(std::move(name));
          }
        }
      }
    } catch (const std::exception&) { out.clear(); }
  }
  pg_query_free_parse_result(r);
  return out;
}

bool aggregates(std::string_view sql) {
  std::string lower_text;
  lower_text.reserve(sql.size());
  for (char c : sql)
    if (c != ' ' && c != '\n' && c != '\t' && c != '\r') lower_text.push_back(lower(c));
  for (std::string_view word : {"groupby", "count(", "sum(", "avg(", "min(", "max(", "_agg(", "bool_and(", "bool_or(",
                                "every(", "stddev", "variance(", "percentile_", "mode()"})
    if (lower_text.find(word) != std::string::npos) return true;
  return false;
}

const std::string& Fingerprints::of(const std::string& key, std::string_view sql) {
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  // Junk that never repeats must not grow the cache without bound.
  if (cache_.size() >= 200000) cache_.clear();
  std::string text(sql);
  PgQueryFingerprintResult r = pg_query_fingerprint(text.c_str());
  std::string fingerprint =
      r.error || !r.fingerprint_str ? fmt::format("~{:016x}", hash_text(key)) : std::string(r.fingerprint_str);
  pg_query_free_fingerprint_result(r);
  return cache_.emplace(key, std::move(fingerprint)).first->second;
}

std::vector<std::optional<std::string>> parse_parameters(std::string_view detail) {
  std::vector<std::optional<std::string>> out;
  // The DETAIL as logged, or the list alone ("$1 = '42'", as the analysis keeps it).
  size_t at = detail.find("parameters: ");
  size_t i = at == std::string_view::npos ? 0 : at + 12;
  while (i < detail.size()) {
    if (detail[i] != '$') break;
    size_t j = i + 1;
    size_t n = 0;
    while (j < detail.size() && digit(static_cast<unsigned char>(detail[j])) && n < 65536)
      n = n * 10 + static_cast<size_t>(detail[j++] - '0');
    if (n == 0 || n >= 65536 || detail.substr(j, 3) != " = ") break;
    j += 3;
    std::optional<std::string> value;
    if (detail.substr(j, 4) == "NULL") {
      j += 4;
    } else if (j < detail.size() && detail[j] == '\'') {
      std::string v;
      for (++j; j < detail.size(); ++j) {
        if (detail[j] == '\'') {
          if (j + 1 < detail.size() && detail[j + 1] == '\'') {
            v.push_back('\'');
            ++j;
          } else {
            ++j;
            break;
          }
        } else {
          v.push_back(detail[j]);
        }
      }
      value = std::move(v);
    } else {
      break;
    }
    if (out.size() <= n) out.resize(n + 1);
    out[n] = std::move(value);
    if (detail.substr(j, 2) != ", ") break;
    i = j + 2;
  }
  return out;
}

}  // namespace pglens::log
