#include "sql/routine_body.hpp"
#include "sql/pg_names.hpp"

#include <pg_query.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace pg = pglens::sql::pg;

namespace pglens::sql {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Past blanks and comments from `pos`.
size_t skip_blanks(std::string_view text, size_t pos) {
  while (pos < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[pos]))) {
      ++pos;
    } else if (text.substr(pos, 2) == "--") {
      pos = text.find('\n', pos);
      if (pos == std::string_view::npos) return text.size();
    } else if (text.substr(pos, 2) == "/*") {
      size_t end = text.find("*/", pos + 2);
      if (end == std::string_view::npos) return text.size();
      pos = end + 2;
    } else {
      break;
    }
  }
  return pos;
}

// The tag of a dollar quote opening at `pos` ("$$", "$body$"); empty when none opens there.
std::string_view dollar_tag(std::string_view text, size_t pos) {
  if (pos >= text.size() || text[pos] != '$') return {};
  size_t end = pos + 1;
  while (end < text.size() &&
         (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_' ||
          static_cast<unsigned char>(text[end]) >= 0x80))
    ++end;
  if (end >= text.size() || text[end] != '$' ||
      (end > pos + 1 && std::isdigit(static_cast<unsigned char>(text[pos + 1]))))
    return {};
  return text.substr(pos, end + 1 - pos);
}

struct BodyText {
  uint32_t offset = 0;   // of the body's first byte in the file
  std::string_view tag;  // the dollar quote's, empty for '...'
};

// Where the body string `body` of the `AS` clause at `as_location` lies in the file: right
// after the opening quote, and only when its bytes are the string's (a '...' body with doubled
// quotes is not: PostgreSQL's string is shorter than its text).
std::optional<BodyText> locate_string(std::string_view file, size_t pos, std::string_view body);

std::optional<BodyText> locate_body(std::string_view file, uint32_t as_location, std::string_view body) {
  if (as_location + 2 > file.size() || !iequals(file.substr(as_location, 2), "as")) return std::nullopt;
  return locate_string(file, skip_blanks(file, as_location + 2), body);
}

// Where the string constant `body` whose quote opens at `pos` lies in the file (as locate_body).
std::optional<BodyText> locate_string(std::string_view file, size_t pos, std::string_view body) {
  std::string_view tag = dollar_tag(file, pos);
  size_t begin = pos + (tag.empty() ? 1 : tag.size());
  if (tag.empty() && (pos >= file.size() || file[pos] != '\'' || body.find('\'') != std::string_view::npos))
    return std::nullopt;
  std::string_view close = tag.empty() ? std::string_view("'") : tag;
  if (file.substr(begin, body.size()) != body || file.substr(begin + body.size(), close.size()) != close)
    return std::nullopt;
  return BodyText{static_cast<uint32_t>(begin), tag};
}

// Whether `query` (as PL/pgSQL hands it to the server) is what the body holds at `pos`: byte
// for byte, except where PL/pgSQL blanked the INTO clause.
bool written_at(std::string_view body, size_t pos, std::string_view query) {
  if (query.empty() || pos + query.size() > body.size() || body[pos] != query[0]) return false;
  for (size_t i = 1; i < query.size(); ++i)
    if (query[i] != body[pos + i] && query[i] != ' ') return false;
  return true;
}

// The server's text of a query PL/pgSQL took from the body at or after `from`, and where it
// lies: PERFORM's query comes as `SELECT ...` in place of `PERFORM ...`, one byte shorter.
std::optional<std::pair<size_t, std::string>> find_query(std::string_view body, size_t from, std::string_view query) {
  constexpr std::string_view kSelect = "SELECT";
  bool perform = query.substr(0, kSelect.size()) == kSelect;
  for (size_t pos = from; pos < body.size(); ++pos) {
    if (written_at(body, pos, query)) return std::make_pair(pos, std::string(query));
    if (perform && iequals(body.substr(pos, 7), "perform") && written_at(body, pos + 7, query.substr(kSelect.size())))
      return std::make_pair(pos, "SELECT " + std::string(query.substr(kSelect.size())));
  }
  return std::nullopt;
}

// The SQL inside a string constant EXECUTE runs (`'...'` without doubled quotes, or a dollar
// quote), and where it begins in `literal`.
std::optional<std::pair<size_t, std::string_view>> string_constant(std::string_view literal) {
  if (literal.size() >= 2 && literal.front() == '\'' && literal.back() == '\'' &&
      literal.substr(1, literal.size() - 2).find('\'') == std::string_view::npos)
    return std::make_pair(size_t{1}, literal.substr(1, literal.size() - 2));
  std::string_view tag = dollar_tag(literal, 0);
  if (!tag.empty() && literal.size() >= 2 * tag.size() && literal.substr(literal.size() - tag.size()) == tag)
    return std::make_pair(tag.size(), literal.substr(tag.size(), literal.size() - 2 * tag.size()));
  return std::nullopt;
}

class PlpgsqlReader {
 public:
  PlpgsqlReader(std::string_view body, uint32_t offset, RoutineBody& out) : body_(body), offset_(offset), out_(out) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < body.size(); ++i)
      if (body[i] == '\n') line_starts_.push_back(i + 1);
  }

  void datums(simdjson::dom::array datums) {
    for (simdjson::dom::element d : datums) {
      simdjson::dom::object o;
      if (d.get(o)) continue;
      for (auto [kind, fields] : o) {
        std::string_view name;
        if (kind != "PLpgSQL_row" && !fields["refname"].get(name)) out_.variables.emplace_back(name);
      }
    }
  }

  // Every statement below `e`, in the body's order.
  void walk(simdjson::dom::element e) {
    simdjson::dom::array a;
    if (!e.get(a)) {
      for (simdjson::dom::element x : a) walk(x);
      return;
    }
    simdjson::dom::object o;
    if (e.get(o)) return;
    for (auto [kind, fields] : o) {
      simdjson::dom::object f;
      if (fields.get(f)) continue;
      if (kind.substr(0, 13) == "PLpgSQL_stmt_") statement(kind, f);
      else
        for (auto [key, value] : f) walk(value);
    }
  }

 private:
  void statement(std::string_view kind, simdjson::dom::object fields) {
    int64_t lineno = 1;
    if (fields["lineno"].get(lineno)) lineno = 1;
    for (auto [key, value] : fields) {
      simdjson::dom::object expr;
      std::string_view query;
      int64_t mode = -1;
      if (!value["PLpgSQL_expr"].get(expr) && !expr["query"].get(query) && !expr["parseMode"].get(mode)) {
        bool dynamic = (kind == "PLpgSQL_stmt_dynexecute" || kind == "PLpgSQL_stmt_dynfors")
            ? key == "query"
            : (kind == "PLpgSQL_stmt_return_query" || kind == "PLpgSQL_stmt_open") && key == "dynquery";
        bool to_caller = kind == "PLpgSQL_stmt_return_query";
        if (mode == 0) add(lineno, query, false, !to_caller);
        else if (dynamic) add(lineno, query, true, !to_caller);
      } else {
        walk(value);
      }
    }
  }

  void add(int64_t lineno, std::string_view query, bool dynamic, bool rows_stay_in_server) {
    size_t line = static_cast<size_t>(std::clamp<int64_t>(lineno, 1, static_cast<int64_t>(line_starts_.size()))) - 1;
    if (dynamic) {
      auto inner = string_constant(query);
      size_t pos = inner ? body_.find(query, line_starts_[line]) : std::string_view::npos;
      if (pos == std::string_view::npos) return;  // built at run time: not known here
      out_.sql.push_back(
          {std::string(inner->second), offset_ + static_cast<uint32_t>(pos + inner->first), rows_stay_in_server, true});
      return;
    }
    auto found = find_query(body_, line_starts_[line], query);
    if (!found) found = find_query(body_, 0, query);
    if (found)
      out_.sql.push_back(
          {std::move(found->second), offset_ + static_cast<uint32_t>(found->first), rows_stay_in_server, false});
  }

  std::string_view body_;
  uint32_t offset_;
  RoutineBody& out_;
  std::vector<size_t> line_starts_;
};

// The body's SQL as PL/pgSQL compiles it: libpg_query compiles the whole CREATE FUNCTION.
bool read_plpgsql(std::string_view statement, std::string_view body, uint32_t offset, RoutineBody& out) {
  std::string text(statement);  // NUL-terminated
  PgQueryPlpgsqlParseResult parsed = pg_query_parse_plpgsql(text.c_str());
  bool ok = !parsed.error && parsed.plpgsql_funcs;
  simdjson::dom::parser json;
  simdjson::dom::array functions;
  if (ok) ok = !json.parse(parsed.plpgsql_funcs, std::strlen(parsed.plpgsql_funcs)).get(functions);
  if (ok) {
    PlpgsqlReader reader(body, offset, out);
    for (simdjson::dom::element f : functions) {
      simdjson::dom::object fn;
      if (f["PLpgSQL_function"].get(fn)) continue;
      simdjson::dom::array datums;
      if (!fn["datums"].get(datums)) reader.datums(datums);
      simdjson::dom::element action;
      if (!fn["action"].get(action)) reader.walk(action);
    }
  }
  pg_query_free_plpgsql_parse_result(parsed);
  return ok;
}

// A body of `size` bytes where `at` places it, its SQL not read yet.
RoutineBody body_at(const BodyText& at, size_t size) {
  RoutineBody out;
  out.dollar_quoted = !at.tag.empty();
  out.dollar_tag = std::string(at.tag);
  out.text = {at.offset, at.offset + static_cast<uint32_t>(size)};
  return out;
}

// In the body's order (a FOR loop's statements come before its query in libpg_query's output).
void in_body_order(RoutineBody& body) {
  std::stable_sort(body.sql.begin(), body.sql.end(),
                   [](const BodySql& a, const BodySql& b) { return a.offset < b.offset; });
}

}  // namespace

std::vector<std::string> routine_parameters(const Node& stmt) {
  std::vector<std::string> names;
  for (Node p : stmt.list(pg::parameters))
    if (std::string_view name = p.str(pg::name); !name.empty()) names.emplace_back(name);
  return names;
}

std::optional<RoutineBody> do_body(const Node& stmt, std::string_view file_text) {
  if (!stmt.is(pg::DoStmt)) return std::nullopt;
  Node as;
  for (Node opt : stmt.list(pg::args)) {
    std::string_view name = opt.str(pg::defname);
    if (name == "language" && !iequals(opt.field(pg::arg).sval(), "plpgsql")) return std::nullopt;
    if (name == "as") as = opt;
  }
  // The DefElem's location is its string's opening quote.
  if (!as || !as.location()) return std::nullopt;
  std::string_view body = as.field(pg::arg).sval();
  auto at = locate_string(file_text, *as.location(), body);
  if (!at) return std::nullopt;
  RoutineBody out = body_at(*at, body.size());
  // pg_query_parse_plpgsql compiles functions only: the block is the body of one, quoted as
  // written, so its line numbers are the block's.
  size_t quote = at->tag.empty() ? 1 : at->tag.size();
  std::string function = "CREATE FUNCTION pglens_do_block() RETURNS void LANGUAGE plpgsql AS ";
  function += file_text.substr(at->offset - quote, body.size() + 2 * quote);
  if (!read_plpgsql(function, body, at->offset, out)) return std::nullopt;
  in_body_order(out);
  return out;
}

std::optional<RoutineBody> routine_body(const Node& stmt, std::string_view file_text, Span statement) {
  if (!stmt.is(pg::CreateFunctionStmt)) return std::nullopt;
  std::string_view language = "sql";  // PostgreSQL's default for a function with a body
  Node as;
  for (Node opt : stmt.list(pg::options)) {
    std::string_view name = opt.str(pg::defname);
    if (name == "language") language = opt.field(pg::arg).sval();
    else if (name == "as") as = opt;
  }
  bool plpgsql = iequals(language, "plpgsql");
  if (!as || !as.location() || (!plpgsql && !iequals(language, "sql"))) return std::nullopt;
  List strings = as.field(pg::arg).list(pg::items);
  if (strings.size() != 1) return std::nullopt;  // `AS 'file', 'symbol'`: C
  std::string_view body = strings[0].sval();
  auto at = locate_body(file_text, *as.location(), body);
  if (!at) return std::nullopt;

  RoutineBody out = body_at(*at, body.size());
  if (!plpgsql) {
    out.variables = routine_parameters(stmt);
    out.sql.push_back({std::string(body), at->offset, false, false});
    return out;
  }
  std::string_view text = file_text.substr(statement.begin, statement.end - statement.begin);
  if (!read_plpgsql(text, body, at->offset, out)) return std::nullopt;
  in_body_order(out);
  return out;
}

}  // namespace pglens::sql
