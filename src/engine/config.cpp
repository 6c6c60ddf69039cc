#include "pglens/config.hpp"
#include "pglens/source.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace pglens {

namespace {

class Reader {
 public:
  Reader(std::string file, Config& out) : file_(std::move(file)), out_(out) {}

  std::optional<ConfigError> read(const toml::table& root) {
    for (auto&& [k, v] : root) {
      std::string_view key = k.str();
      if (key == "select") strings(v, key, out_.select, true);
      else if (key == "ignore") strings(v, key, out_.ignore, true);
      else if (key == "include") strings(v, key, out_.include, false);
      else if (key == "exclude") strings(v, key, out_.exclude, false);
      else if (key == "schema") strings(v, key, out_.schema, false);
      else if (key == "search-path") strings(v, key, out_.search_path, false);
      else if (key == "catalog") string(v, key, out_.catalog);
      else if (key == "migrations") strings(v, key, out_.migrations, false);
      else if (key == "assume-large") {
        if (auto b = v.value<bool>(); b && v.is_boolean()) out_.assume_large = *b;
        else fail(v, "`assume-large` must be true or false");
      } else if (key == "fail-on") {
        std::string s;
        if (string(v, key, s)) {
          if (auto sev = parse_severity(s)) out_.fail_on = sev;
          else fail(v, fmt::format("`fail-on` must be \"info\", \"warning\" or \"error\", not \"{}\"", s));
        }
      } else if (key == "postgres-version") {
        postgres_version(v);
      } else if (key == "rules") rules(v);
      else if (key == "database") database(v);
      else if (key == "tables") tables(v);
      else
        fail(v,
             fmt::format("unknown key `{}` (expected one of: select, ignore, include, exclude, fail-on, "
                         "rules, schema, catalog, search-path, postgres-version, database, tables, assume-large, "
                         "migrations)",
                         key));
      if (error_) return error_;
    }
    return error_;
  }

 private:
  void fail(const toml::node& at, std::string message) {
    if (error_) return;
    auto src = at.source();
    error_ = ConfigError{file_, src.begin.line, src.begin.column, std::move(message)};
  }

  bool string(const toml::node& v, std::string_view key, std::string& out) {
    if (auto s = v.value<std::string>(); s && v.is_string()) {
      out = *s;
      return true;
    }
    fail(v, fmt::format("`{}` must be a string", key));
    return false;
  }

  void strings(const toml::node& v, std::string_view key, std::vector<std::string>& out, bool rule_ids) {
    const toml::array* arr = v.as_array();
    if (!arr) return fail(v, fmt::format("`{}` must be an array of strings", key));
    out.clear();
    for (auto&& e : *arr) {
      if (!e.is_string()) return fail(e, fmt::format("`{}` must be an array of strings", key));
      std::string s = *e.value<std::string>();
      if (rule_ids && s != "ALL" && !find_rule(s))
        return fail(e, fmt::format("unknown rule id `{}` in `{}` (run `pglens rules` for the list)", s, key));
      out.push_back(std::move(s));
    }
  }

  // A major version: 15, "15", or a full one, "15.4" (its major is what the grammar follows;
  // "9.6" is 9).
  void postgres_version(const toml::node& v) {
    std::optional<int64_t> major;
    if (auto n = v.value<int64_t>(); n && v.is_integer()) major = *n;
    else if (auto s = v.value<std::string>(); s && v.is_string()) {
      int64_t m = 0;
      auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), m);
      if (ec == std::errc() && end != s->data() && (end == s->data() + s->size() || *end == '.')) major = m;
    }
    if (!major || *major < 9 || *major > 99)
      return fail(v, "`postgres-version` must be a PostgreSQL major version such as 15 or \"15.4\"");
    // The option of the one rule that reads it ([rules.needs-newer-postgres] postgres-version).
    out_.rules["needs-newer-postgres"].options["postgres-version"] = *major;
  }

  void rules(const toml::node& v) {
    const toml::table* t = v.as_table();
    if (!t) return fail(v, "`rules` must be a table of [rules.<rule-id>] sections");
    for (auto&& [k, rv] : *t) {
      std::string_view id = k.str();
      const RuleInfo* rule = find_rule(id);
      if (!rule) return fail(rv, fmt::format("unknown rule id `{}` in [rules] (run `pglens rules` for the list)", id));
      const toml::table* rt = rv.as_table();
      if (!rt) return fail(rv, fmt::format("`rules.{}` must be a table", id));
      RuleConfig& rc = out_.rules[std::string(id)];
      for (auto&& [ok, ov] : *rt) {
        std::string_view opt = ok.str();
        if (opt == "severity") {
          std::string s;
          if (!string(ov, "severity", s)) return;
          if (s == "off") rc.off = true;
          else if (auto sev = parse_severity(s)) {
            rc.severity = sev;
            rc.off = false;
          } else
            return fail(
                ov,
                fmt::format("`rules.{}.severity` must be \"off\", \"info\", \"warning\" or \"error\", not \"{}\"", id,
                            s));
          continue;
        }
        const RuleOption* ro = rule->option(opt);
        if (!ro) {
          std::string known = "severity";
          for (const auto& o : rule->options) known += fmt::format(", {}", o.name);
          return fail(ov, fmt::format("unknown option `{}` for rule `{}` (it has: {})", opt, id, known));
        }
        auto value = convert(ov, ro->default_value);
        if (!value)
          return fail(ov,
                      fmt::format("`rules.{}.{}` must be {} (default {})", id, opt, type_name(ro->default_value),
                                  format_option_value(ro->default_value)));
        rc.options[std::string(opt)] = *value;
      }
    }
  }

  static std::string_view type_name(const OptionValue& v) {
    switch (v.index()) {
      case 0: return "a boolean";
      case 1: return "an integer";
      case 2: return "a number";
      default: return "a string";
    }
  }

  static std::optional<OptionValue> convert(const toml::node& v, const OptionValue& like) {
    switch (like.index()) {
      case 0:
        if (v.is_boolean()) return OptionValue{*v.value<bool>()};
        break;
      case 1:
        if (v.is_integer()) return OptionValue{*v.value<int64_t>()};
        break;
      case 2:
        if (v.is_number()) return OptionValue{*v.value<double>()};
        break;
      default:
        if (v.is_string()) return OptionValue{*v.value<std::string>()};
        break;
    }
    return std::nullopt;
  }

  void database(const toml::node& v) {
    const toml::table* t = v.as_table();
    if (!t) return fail(v, "`database` must be a table");
    for (auto&& [k, dv] : *t) {
      if (k.str() == "url") {
        string(dv, "database.url", out_.database_url);
      } else if (k.str() == "statement-timeout") {
        auto ms = dv.value<int64_t>();
        if (!dv.is_integer() || !ms || *ms < 1 || *ms > 86'400'000)
          return fail(dv, "`database.statement-timeout` must be an integer of milliseconds, 1 to 86400000");
        out_.database_statement_timeout_ms = *ms;
      } else {
        return fail(dv, fmt::format("unknown key `database.{}` (expected: url, statement-timeout)", k.str()));
      }
    }
  }

  void tables(const toml::node& v) {
    const toml::table* t = v.as_table();
    if (!t) return fail(v, "`tables` must be a table of [tables.\"schema.name\"] sections");
    for (auto&& [k, tv] : *t) {
      const toml::table* tt = tv.as_table();
      if (!tt) return fail(tv, fmt::format("`tables.\"{}\"` must be a table", k.str()));
      TableHint& hint = out_.tables[std::string(k.str())];
      for (auto&& [hk, hv] : *tt) {
        if (hk.str() == "rows") {
          if (!hv.is_number() || *hv.value<double>() < 0)
            return fail(hv, fmt::format("`tables.\"{}\".rows` must be a non-negative number", k.str()));
          hint.rows = *hv.value<double>();
        } else {
          return fail(hv, fmt::format("unknown key `tables.\"{}\".{}` (expected: rows)", k.str(), hk.str()));
        }
      }
    }
  }

  std::string file_;
  Config& out_;
  std::optional<ConfigError> error_;
};

}  // namespace

namespace {

// toml++ parses a dotted key and nested arrays or inline tables by recursion: a key of
// thousands of parts overflows the stack. A config has no use for more than a few.
constexpr size_t kMaxTomlDepth = 64;

// Where `text` nests keys or values deeper than kMaxTomlDepth, if it does: counts the dots
// of a key and the open brackets and braces, outside strings and comments.
std::optional<ConfigError> check_toml_depth(std::string_view text, const std::string& file) {
  size_t dots = 0, open = 0;
  uint32_t line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"' || c == '\'') {
      bool triple = text.substr(i, 3) == std::string(3, c);
      std::string_view close = triple ? text.substr(i, 3) : text.substr(i, 1);
      size_t j = i + close.size();
      while (j < text.size() && text.substr(j, close.size()) != close) {
        if (text[j] == '\n') ++line;
        if (c == '"' && text[j] == '\\') ++j;  // an escape: the next character is not the end
        ++j;
      }
      i = std::min(text.size(), j + close.size()) - 1;
      continue;
    }
    if (c == '#') {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
      continue;
    }
    if (c == '.') ++dots;
    else if (c == '=' || c == '\n' || c == ',' || c == '[' || c == '{' || c == ']' || c == '}') dots = 0;
    if (c == '[' || c == '{') ++open;
    else if ((c == ']' || c == '}') && open > 0) --open;
    if (c == '\n') ++line;
    if (dots >= kMaxTomlDepth || open > kMaxTomlDepth)
      return ConfigError{file, line, 1,
                         fmt::format("keys or values nested more than {} deep: not a pglens config", kMaxTomlDepth)};
  }
  return std::nullopt;
}

}  // namespace

std::optional<ConfigError> parse_config(std::string_view text, const std::filesystem::path& file, Config& out) {
  out = Config{};
  out.source = file.string();
  std::error_code ec;
  out.root = std::filesystem::absolute(file, ec).parent_path().lexically_normal();
  if (auto err = check_toml_depth(text, file.string())) return err;
  toml::table root;
  try {
    root = toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    auto src = e.source();
    return ConfigError{file.string(), src.begin.line, src.begin.column,
                       fmt::format("invalid TOML: {}", e.description())};
  }
  return Reader(file.string(), out).read(root);
}

std::optional<ConfigError> load_config(const std::filesystem::path& file, Config& out) {
  std::string text;
  if (auto err = read_bytes(file.string(), text, kMaxConfigBytes))
    return ConfigError{file.string(), 0, 0, "cannot read the config file (" + *err + ")"};
  return parse_config(text, file, out);
}

std::optional<std::filesystem::path> find_config(const std::filesystem::path& path) {
  std::error_code ec;
  auto dir = std::filesystem::absolute(path, ec).lexically_normal();
  if (!std::filesystem::is_directory(dir, ec)) dir = dir.parent_path();
  for (;;) {
    auto candidate = dir / ".pglens.toml";
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
    if (!dir.has_parent_path() || dir.parent_path() == dir) return std::nullopt;
    dir = dir.parent_path();
  }
}

namespace {
std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}
std::string toml_list(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + toml_string(v[i]);
  return out + "]";
}
std::string toml_value(const OptionValue& v) {
  if (auto s = std::get_if<std::string>(&v)) return toml_string(*s);
  return format_option_value(v);
}
}  // namespace

std::string render_config(const Config& c) {
  std::string out;
  out += fmt::format("# effective configuration; from {}\n", c.source.empty() ? "built-in defaults" : c.source);
  out += fmt::format("select = {}\n", toml_list(c.select.empty() ? std::vector<std::string>{"ALL"} : c.select));
  out += fmt::format("ignore = {}\n", toml_list(c.ignore));
  out += fmt::format("include = {}\n", toml_list(c.include));
  out += fmt::format("exclude = {}\n", toml_list(c.exclude));
  out += fmt::format("fail-on = {}\n", toml_string(to_string(c.fail_on.value_or(Severity::warning))));
  out += fmt::format("schema = {}\n", toml_list(c.schema));
  out += fmt::format("search-path = {}\n", toml_list(c.search_path));
  if (!c.catalog.empty()) out += fmt::format("catalog = {}\n", toml_string(c.catalog));
  out += fmt::format("assume-large = {}\n", c.assume_large ? "true" : "false");
  out += fmt::format("migrations = {}\n", toml_list(c.migrations));
  if (!c.database_url.empty())
    out += fmt::format("\n[database]\nurl = \"(set; not shown)\"  # {}\n",
                       database_url_trusted(c) ? "trusted" : "not used until trusted: pglens trust");
  for (const auto& [name, hint] : c.tables) {
    out += fmt::format("\n[tables.{}]\n", toml_string(name));
    if (hint.rows) out += fmt::format("rows = {}\n", *hint.rows);
  }
  for (const RuleInfo* r : all_rules()) {
    auto sev = c.effective_severity(*r);
    out += fmt::format("\n[rules.{}]\nseverity = {}\n", r->id, toml_string(sev ? to_string(*sev) : "off"));
    for (const auto& o : r->options) out += fmt::format("{} = {}\n", o.name, toml_value(c.option(*r, o.name)));
  }
  return out;
}

}  // namespace pglens
