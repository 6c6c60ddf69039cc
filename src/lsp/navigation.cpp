#include "lsp/navigation.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "lsp/uri.hpp"
#include "sql/lexer.hpp"

namespace pglens::lsp {
namespace {

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || static_cast<unsigned char>(c) >= 0x80;
}

// The words of a statement's head, lower-cased, with their offsets (quoted names kept as written).
struct Word {
  std::string text;
  uint32_t begin = 0, end = 0;
};
std::vector<Word> head_words(std::string_view text, uint32_t begin, uint32_t end, size_t count) {
  std::vector<Word> out;
  uint32_t i = begin;
  while (i < end && out.size() < count) {
    char c = text[i];
    if (c == '"') {
      uint32_t j = i + 1;
      while (j < end && text[j] != '"') ++j;
      out.push_back({std::string(text.substr(i + 1, j - i - 1)), i, std::min(j + 1, end)});
      i = j + 1;
    } else if (name_char(c)) {
      uint32_t j = i;
      std::string w;
      while (j < end && (name_char(text[j]) || text[j] == '.'))
        w += static_cast<char>(std::tolower(static_cast<unsigned char>(text[j++])));
      out.push_back({w, i, j});
      i = j;
    } else if (c == '(' || c == ';') {
      break;
    } else {
      ++i;
    }
  }
  return out;
}

}  // namespace

std::vector<DocumentSymbol> document_symbols(std::string_view text, const LspLines& lines, ColumnUnit unit) {
  std::vector<DocumentSymbol> out;
  for (const sql::StatementSpan& st : sql::lex(text).statements) {
    DocumentSymbol s;
    s.range = lines.range({st.span.begin, std::max(st.end, st.span.end)}, unit);
    auto words = head_words(text, st.span.begin, st.span.end, 8);
    size_t at = 0;
    auto next_is = [&](std::initializer_list<std::string_view> options) {
      if (at < words.size() && std::find(options.begin(), options.end(), words[at].text) != options.end()) {
        ++at;
        return true;
      }
      return false;
    };
    if (next_is({"create"})) {
      next_is({"or"}) && next_is({"replace"});
      next_is({"unlogged", "temporary", "temp", "materialized", "unique"});
      std::string what = at < words.size() ? words[at].text : "";
      if (next_is({"table", "view", "index"})) {
        next_is({"concurrently"});
        if (next_is({"if"})) next_is({"not"}) && next_is({"exists"});
        if (at < words.size() && words[at].text != "on") {
          s.name = words[at].text;
          s.detail = "CREATE " + std::string(what == "table" ? "TABLE" : what == "view" ? "VIEW" : "INDEX");
          s.kind = what == "index" ? kSymbolObject : kSymbolStruct;
          s.selection_range = lines.range({words[at].begin, words[at].end}, unit);
        }
      }
    }
    if (s.name.empty()) {
      std::string_view first = text.substr(st.span.begin, st.span.end - st.span.begin);
      first = first.substr(0, first.find_first_of("\r\n"));
      if (first.size() > 60) first = first.substr(0, 60);
      s.name = std::string(first);
      s.selection_range = lines.range({st.span.begin, st.span.begin + static_cast<uint32_t>(first.size())}, unit);
    }
    if (s.name.empty()) continue;
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<FoldingRange> folding_ranges(std::string_view text, const LspLines& lines) {
  std::vector<FoldingRange> out;
  sql::Lexed lexed = sql::lex(text);
  for (const sql::StatementSpan& st : lexed.statements) {
    uint32_t first = lines.line_of(st.span.begin), last = lines.line_of(std::max(st.end, st.span.end));
    if (last > first) out.push_back({first, last, "region"});
  }
  // A run of comments on consecutive lines, or one comment over several lines.
  for (size_t i = 0; i < lexed.comments.size();) {
    uint32_t first = lines.line_of(lexed.comments[i].span.begin);
    uint32_t last = lines.line_of(lexed.comments[i].span.end > 0 ? lexed.comments[i].span.end - 1 : 0);
    size_t j = i + 1;
    while (j < lexed.comments.size() && lexed.comments[j].own_line &&
           lines.line_of(lexed.comments[j].span.begin) == last + 1) {
      last = lines.line_of(lexed.comments[j].span.end > 0 ? lexed.comments[j].span.end - 1 : 0);
      ++j;
    }
    if (last > first) out.push_back({first, last, "comment"});
    i = j;
  }
  std::sort(out.begin(), out.end(),
            [](const FoldingRange& a, const FoldingRange& b) { return a.start_line < b.start_line; });
  return out;
}

std::optional<Location> table_location(const Table& table, const std::filesystem::path& root,
                                       std::string_view document_origin, std::string_view document_uri) {
  std::string_view origin = table.origin;
  size_t colon = origin.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;  // "live", a snapshot: no file to go to
  uint32_t line = 0;
  for (char c : origin.substr(colon + 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    line = line * 10 + static_cast<uint32_t>(c - '0');
  }
  if (line == 0) return std::nullopt;
  std::string_view file = origin.substr(0, colon);
  Range at{{line - 1, 0}, {line - 1, 0}};
  if (file == document_origin) return Location{std::string(document_uri), at};
  std::filesystem::path path = std::filesystem::path(file).is_absolute() ? std::filesystem::path(file) : root / file;
  return Location{path_to_uri(path.lexically_normal()), at};
}

std::vector<CompletionItem> complete_names(std::string_view text, uint32_t offset, const Catalog& catalog) {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text.size()));
  uint32_t start = offset;
  while (start > 0 && name_char(text[start - 1])) --start;
  std::string prefix;
  for (uint32_t i = start; i < offset; ++i)
    prefix += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
  auto wanted = [&](std::string_view name) { return name.starts_with(prefix); };
  std::vector<CompletionItem> out;
  std::set<std::string> seen;
  if (start > 0 && text[start - 1] == '.') {
    // `qualifier.`: the columns of the table it names, directly or as an alias in this statement.
    uint32_t q = start - 1;
    while (q > 0 && name_char(text[q - 1])) --q;
    std::string qualifier;
    for (uint32_t i = q; i < start - 1; ++i)
      qualifier += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    const Table* table = catalog.find_table("", qualifier);
    if (!table) {
      // "FROM orders o" / "JOIN orders AS o": the word before the alias is the table.
      sql::Lexed lexed = sql::lex(text);
      uint32_t from = 0, to = static_cast<uint32_t>(text.size());
      for (const auto& st : lexed.statements)
        if (st.span.begin <= offset && offset <= std::max(st.end, st.span.end)) from = st.span.begin, to = st.span.end;
      auto words = head_words(text, from, to, 100000);
      for (size_t i = 1; i < words.size() && !table; ++i) {
        size_t name = words[i - 1].text == "as" && i >= 2 ? i - 2 : i - 1;
        if (words[i].text == qualifier) table = catalog.find_table(words[name].text);
      }
    }
    if (table)
      for (const Column& c : table->columns)
        if (wanted(c.name)) out.push_back({c.name, kCompletionField, c.type});
    return out;
  }
  for (const Table& t : catalog.tables()) {
    if (t.is_partition()) continue;  // queries name the partitioned table
    std::string name = t.schema == catalog.default_schema() ? t.name : t.qualified_name();
    if (wanted(name) && seen.insert(name).second)
      out.push_back({name, kCompletionStruct, std::string(to_string(t.kind))});
  }
  return out;
}

void to_json(json& j, const DocumentSymbol& s) {
  j = json{{"name", s.name}, {"kind", s.kind}, {"range", s.range}, {"selectionRange", s.selection_range}};
  if (!s.detail.empty()) j["detail"] = s.detail;
}

void to_json(json& j, const FoldingRange& f) {
  j = json{{"startLine", f.start_line}, {"endLine", f.end_line}, {"kind", f.kind}};
}

void to_json(json& j, const CompletionItem& c) {
  j = json{{"label", c.label}, {"kind", c.kind}};
  if (!c.detail.empty()) j["detail"] = c.detail;
}

}  // namespace pglens::lsp
