// catalog.json: the catalog as `pglens catalog dump` writes it, read back for offline lints.
#include <algorithm>
#include <unordered_set>

#include <fmt/format.h>
#include <simdjson.h>
#include <nlohmann/json.hpp>

#include "pglens/catalog.hpp"
#include "pglens/source.hpp"

namespace pglens {
namespace {

using json = nlohmann::ordered_json;

template <class Strings>
json strings_json(const Strings& v) {
  return json(v);
}

json size_json(const SizeFacts& s) {
  json j = json::object();
  if (s.rows) j["rows"] = *s.rows;
  if (s.pages) j["pages"] = *s.pages;
  if (!s.source.empty()) j["source"] = s.source;
  return j;
}

json index_json(const Index& i) {
  json keys = json::array();
  for (const auto& k : i.keys) {
    json kj = json::object();
    if (k.is_expression()) kj["expression"] = k.expression;
    else kj["column"] = k.column;
    if (k.descending) kj["descending"] = true;
    if (k.nulls_first) kj["nulls_first"] = true;
    keys.push_back(std::move(kj));
  }
  json j = {{"name", i.name}, {"method", i.method}, {"keys", keys}};
  if (!i.include.empty()) j["include"] = i.include;
  if (!i.predicate.empty()) j["predicate"] = i.predicate;
  if (i.unique) j["unique"] = true;
  if (i.primary) j["primary"] = true;
  if (!i.valid) j["valid"] = false;
  if (!i.parent_index.empty()) j["parent_index"] = i.parent_index;
  if (!i.origin.empty()) j["origin"] = i.origin;
  return j;
}

json stats_json(const TableStats& s) {
  json columns = json::array();
  for (const auto& c : s.columns) {
    json cj = {{"column", c.column}, {"null_frac", c.null_frac}, {"n_distinct", c.n_distinct}};
    if (c.common_count) {
      cj["common_count"] = c.common_count;
      cj["common_total"] = c.common_total;
    }
    if (!c.common_values.empty()) {
      cj["common_values"] = c.common_values;
      cj["common_freqs"] = c.common_freqs;
    }
    columns.push_back(std::move(cj));
  }
  return {{"source", s.source}, {"columns", std::move(columns)}};
}

std::string volatility_name(char v) {
  return v == 'i' ? "immutable" : v == 's' ? "stable" : v == 'v' ? "volatile" : "mixed";
}

// ---- reading ----------------------------------------------------------------------------

struct Reader {
  std::string file;
  std::string error;

  bool fail(std::string what) {
    if (error.empty()) error = fmt::format("{}: {}", file, what);
    return false;
  }

  bool string(simdjson::dom::object o, std::string_view key, std::string& out, bool required, std::string_view where) {
    simdjson::dom::element e;
    if (o.at_key(key).get(e)) return required ? fail(fmt::format("{}: missing \"{}\"", where, key)) : true;
    std::string_view s;
    if (e.get_string().get(s)) return fail(fmt::format("{}: \"{}\" must be a string", where, key));
    out = std::string(s);
    return true;
  }

  bool boolean(simdjson::dom::object o, std::string_view key, bool& out, std::string_view where) {
    simdjson::dom::element e;
    if (o.at_key(key).get(e)) return true;
    if (e.get_bool().get(out)) return fail(fmt::format("{}: \"{}\" must be true or false", where, key));
    return true;
  }

  bool number(simdjson::dom::object o, std::string_view key, std::optional<double>& out, std::string_view where) {
    simdjson::dom::element e;
    if (o.at_key(key).get(e)) return true;
    double d = 0;
    if (e.is_int64()) d = static_cast<double>(e.get_int64().value_unsafe());
    else if (e.is_uint64()) d = static_cast<double>(e.get_uint64().value_unsafe());
    else if (e.get_double().get(d)) return fail(fmt::format("{}: \"{}\" must be a number", where, key));
    out = d;
    return true;
  }

  bool strings(simdjson::dom::object o, std::string_view key, std::vector<std::string>& out, std::string_view where) {
    simdjson::dom::element e;
    if (o.at_key(key).get(e)) return true;
    simdjson::dom::array a;
    if (e.get_array().get(a)) return fail(fmt::format("{}: \"{}\" must be an array of strings", where, key));
    for (auto item : a) {
      std::string_view s;
      if (item.get_string().get(s)) return fail(fmt::format("{}: \"{}\" must be an array of strings", where, key));
      out.emplace_back(s);
    }
    return true;
  }

  // An absent key reads as no objects. (A default-constructed dom::array has no tape: it
  // must never be iterated, so the objects are collected instead.)
  bool objects(simdjson::dom::object o, std::string_view key, std::vector<simdjson::dom::object>& out,
               std::string_view where) {
    out.clear();
    simdjson::dom::element e;
    if (o.at_key(key).get(e)) return true;
    simdjson::dom::array items;
    if (e.get_array().get(items)) return fail(fmt::format("{}: \"{}\" must be an array", where, key));
    for (auto item : items) {
      simdjson::dom::object object;
      if (item.get_object().get(object)) return fail(fmt::format("{}: \"{}\" must hold objects", where, key));
      out.push_back(object);
    }
    return true;
  }

  bool read_index(simdjson::dom::object o, Index& i, const std::string& where) {
    if (!string(o, "name", i.name, true, where) || !string(o, "method", i.method, false, where)) return false;
    std::string w = fmt::format("{} index {}", where, i.name);
    std::vector<simdjson::dom::object> keys;
    if (!objects(o, "keys", keys, w)) return false;
    for (auto ko : keys) {
      IndexKey k;
      if (!string(ko, "column", k.column, false, w) || !string(ko, "expression", k.expression, false, w) ||
          !boolean(ko, "descending", k.descending, w) || !boolean(ko, "nulls_first", k.nulls_first, w))
        return false;
      if (k.column.empty() == k.expression.empty())
        return fail(fmt::format("{}: a key needs a column or an expression", w));
      i.keys.push_back(std::move(k));
    }
    return strings(o, "include", i.include, w) && string(o, "predicate", i.predicate, false, w) &&
        boolean(o, "unique", i.unique, w) && boolean(o, "primary", i.primary, w) && boolean(o, "valid", i.valid, w) &&
        string(o, "parent_index", i.parent_index, false, w) && string(o, "origin", i.origin, false, w);
  }

  bool numbers(simdjson::dom::object o, std::string_view key, std::vector<double>& out, std::string_view where) {
    simdjson::dom::element e;
    if (o.at_key(key).get(e)) return true;
    simdjson::dom::array a;
    if (e.get_array().get(a)) return fail(fmt::format("{}: \"{}\" must be an array of numbers", where, key));
    for (auto item : a) {
      double d = 0;
      if (item.is_int64()) d = static_cast<double>(item.get_int64().value_unsafe());
      else if (item.is_uint64()) d = static_cast<double>(item.get_uint64().value_unsafe());
      else if (item.get_double().get(d)) return fail(fmt::format("{}: \"{}\" must be an array of numbers", where, key));
      out.push_back(d);
    }
    return true;
  }

  // Statistics are advisory: a value out of range is an error (a hand-edited snapshot), as
  // any other malformed field.
  bool read_stats(simdjson::dom::object o, TableStats& stats, const std::string& where) {
    std::string w = where + " stats";
    if (!string(o, "source", stats.source, false, w)) return false;
    std::vector<simdjson::dom::object> columns;
    if (!objects(o, "columns", columns, w)) return false;
    for (auto co : columns) {
      ColumnStats c;
      std::optional<double> null_frac, n_distinct, count, total;
      if (!string(co, "column", c.column, true, w) || !number(co, "null_frac", null_frac, w) ||
          !number(co, "n_distinct", n_distinct, w) || !number(co, "common_count", count, w) ||
          !number(co, "common_total", total, w) || !strings(co, "common_values", c.common_values, w) ||
          !numbers(co, "common_freqs", c.common_freqs, w))
        return false;
      c.null_frac = null_frac.value_or(0);
      c.n_distinct = n_distinct.value_or(0);
      c.common_total = total.value_or(0);
      bool in_range = c.null_frac >= 0 && c.null_frac <= 1 && c.common_total >= 0 && c.common_total <= 1.0001 &&
          count.value_or(0) >= 0 && count.value_or(0) <= 1e6 && c.n_distinct >= -1;
      for (double f : c.common_freqs) in_range = in_range && f >= 0 && f <= 1;
      if (!in_range || c.common_values.size() != c.common_freqs.size())
        return fail(fmt::format("{}: column {}: statistics out of range", w, c.column));
      c.common_count = static_cast<uint32_t>(count.value_or(static_cast<double>(c.common_values.size())));
      stats.columns.push_back(std::move(c));
    }
    return true;
  }

  bool read_table(simdjson::dom::object o, Table& t) {
    if (!string(o, "schema", t.schema, true, "table") || !string(o, "name", t.name, true, "table")) return false;
    std::string where = fmt::format("table {}.{}", t.schema, t.name);
    std::string kind = "table";
    if (!string(o, "kind", kind, false, where)) return false;
    if (kind == "table") t.kind = RelationKind::table;
    else if (kind == "partitioned table") t.kind = RelationKind::partitioned_table;
    else if (kind == "view") t.kind = RelationKind::view;
    else if (kind == "materialized view") t.kind = RelationKind::materialized_view;
    else return fail(fmt::format("{}: unknown kind \"{}\"", where, kind));
    std::vector<simdjson::dom::object> arr;
    if (!objects(o, "columns", arr, where)) return false;
    for (auto co : arr) {
      Column c;
      if (!string(co, "name", c.name, true, where) || !string(co, "type", c.type, false, where) ||
          !boolean(co, "not_null", c.not_null, where))
        return false;
      t.columns.push_back(std::move(c));
    }
    if (!objects(o, "constraints", arr, where)) return false;
    for (auto co : arr) {
      Constraint c;
      std::string ckind;
      if (!string(co, "name", c.name, true, where) || !string(co, "kind", ckind, true, where) ||
          !strings(co, "columns", c.columns, where) || !string(co, "ref_schema", c.ref_schema, false, where) ||
          !string(co, "ref_table", c.ref_table, false, where) || !strings(co, "ref_columns", c.ref_columns, where))
        return false;
      if (ckind == "primary key") c.kind = ConstraintKind::primary_key;
      else if (ckind == "unique") c.kind = ConstraintKind::unique;
      else if (ckind == "foreign key") c.kind = ConstraintKind::foreign_key;
      else return fail(fmt::format("{}: unknown constraint kind \"{}\"", where, ckind));
      t.constraints.push_back(std::move(c));
    }
    if (!objects(o, "indexes", arr, where)) return false;
    for (auto io : arr) {
      Index i;
      if (!read_index(io, i, where)) return false;
      t.indexes.push_back(std::move(i));
    }
    simdjson::dom::object p;
    if (!o.at_key("partitioning").get_object().get(p)) {
      Partitioning part;
      if (!string(p, "strategy", part.strategy, true, where) || !strings(p, "keys", part.keys, where)) return false;
      t.partitioning = std::move(part);
    }
    simdjson::dom::object s;
    if (!o.at_key("size").get_object().get(s)) {
      if (!number(s, "rows", t.size.rows, where) || !number(s, "pages", t.size.pages, where) ||
          !string(s, "source", t.size.source, false, where))
        return false;
    }
    simdjson::dom::object st;
    if (!o.at_key("stats").get_object().get(st) && !read_stats(st, t.stats, where)) return false;
    return string(o, "parent_schema", t.parent_schema, false, where) &&
        string(o, "parent_name", t.parent_name, false, where) && string(o, "bound", t.bound, false, where) &&
        string(o, "origin", t.origin, false, where);
  }
};

}  // namespace

std::string dump_snapshot(const Catalog& catalog) {
  json tables = json::array();
  for (const auto& t : catalog.tables()) {
    json j = {{"schema", t.schema}, {"name", t.name}, {"kind", std::string(to_string(t.kind))}};
    json cols = json::array();
    for (const auto& c : t.columns) {
      json cj = {{"name", c.name}, {"type", c.type}};
      if (c.not_null) cj["not_null"] = true;
      cols.push_back(std::move(cj));
    }
    j["columns"] = std::move(cols);
    json cons = json::array();
    for (const auto& c : t.constraints) {
      json cj = {{"name", c.name}, {"kind", std::string(to_string(c.kind))}, {"columns", c.columns}};
      if (c.kind == ConstraintKind::foreign_key) {
        cj["ref_schema"] = c.ref_schema;
        cj["ref_table"] = c.ref_table;
        cj["ref_columns"] = c.ref_columns;
      }
      cons.push_back(std::move(cj));
    }
    j["constraints"] = std::move(cons);
    json idx = json::array();
    for (const auto& i : t.indexes) idx.push_back(index_json(i));
    j["indexes"] = std::move(idx);
    if (t.partitioning) j["partitioning"] = {{"strategy", t.partitioning->strategy}, {"keys", t.partitioning->keys}};
    if (t.is_partition()) {
      j["parent_schema"] = t.parent_schema;
      j["parent_name"] = t.parent_name;
      j["bound"] = t.bound;
    }
    if (t.size.rows || t.size.pages) j["size"] = size_json(t.size);
    if (!t.stats.columns.empty()) j["stats"] = stats_json(t.stats);
    if (!t.origin.empty()) j["origin"] = t.origin;
    tables.push_back(std::move(j));
  }
  json doc = {{"pglens_catalog", kCatalogSnapshotVersion},
              {"search_path", strings_json(catalog.search_path())},
              {"schemas", strings_json(catalog.schemas())},
              {"tables", std::move(tables)}};
  // Read under --db only: a snapshot of DDL has none, and is as it always was. A reader that
  // knows neither key (an older pglens) reads the rest the same: the version stays 1.
  if (!catalog.functions_source().empty()) {
    json functions = json::array();
    for (const auto& f : catalog.functions())
      functions.push_back({{"schema", f.schema}, {"name", f.name}, {"volatility", volatility_name(f.volatility)}});
    doc["functions"] = {{"source", catalog.functions_source()}, {"list", std::move(functions)}};
  }
  return doc.dump(2) + "\n";
}

std::optional<std::string> parse_snapshot(std::string_view text, std::string_view file, Catalog& out) {
  Reader r{std::string(file), {}};
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(text.data(), text.size()).get(doc)) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
      return fmt::format("{}: empty file, not a catalog snapshot", file);
    return fmt::format("{}: not a catalog snapshot: invalid or truncated JSON ({})", file,
                       simdjson::error_message(err));
  }
  simdjson::dom::object root;
  if (doc.get_object().get(root)) return fmt::format("{}: not a catalog snapshot: expected a JSON object", file);
  int64_t version = 0;
  if (root.at_key("pglens_catalog").get_int64().get(version))
    return fmt::format(
        "{}: not a catalog snapshot: no \"pglens_catalog\" version (write one with `pglens catalog dump`)", file);
  if (version != kCatalogSnapshotVersion)
    return fmt::format(
        "{}: catalog snapshot version {} is not supported (this pglens reads version {}); "
        "dump it again with this pglens",
        file, version, kCatalogSnapshotVersion);
  Catalog c;
  std::vector<std::string> path, schemas;
  if (!r.strings(root, "search_path", path, "snapshot") || !r.strings(root, "schemas", schemas, "snapshot"))
    return r.error;
  c.set_search_path(path);
  // The snapshot's schema list, in its order: a new catalog starts with "public" first.
  c.drop_schema("public");
  for (const auto& s : schemas) c.add_schema(s);
  std::vector<simdjson::dom::object> tables;
  if (!r.objects(root, "tables", tables, "snapshot")) return r.error;
  // The names seen, hashed: a search of the tables read so far made the load quadratic.
  std::unordered_set<std::string> seen;
  seen.reserve(tables.size());
  c.tables().reserve(tables.size());  // a Table's move may throw: growth copies them all
  for (auto to : tables) {
    Table t;
    if (!r.read_table(to, t)) return r.error;
    if (!seen.insert(t.schema + '\0' + t.name).second)
      return fmt::format("{}: table {}.{} appears twice", file, t.schema, t.name);
    c.add_table(std::move(t), nullptr);
  }
  simdjson::dom::object functions;
  if (!root.at_key("functions").get_object().get(functions)) {
    std::string source;
    std::vector<simdjson::dom::object> list;
    if (!r.string(functions, "source", source, false, "functions") || !r.objects(functions, "list", list, "functions"))
      return r.error;
    std::vector<FunctionVolatility> read;
    read.reserve(list.size());
    for (auto fo : list) {
      FunctionVolatility f;
      std::string volatility;
      if (!r.string(fo, "schema", f.schema, true, "function") || !r.string(fo, "name", f.name, true, "function") ||
          !r.string(fo, "volatility", volatility, true, "function"))
        return r.error;
      f.volatility = volatility == "immutable" ? 'i'
          : volatility == "stable"             ? 's'
          : volatility == "volatile"           ? 'v'
          : volatility == "mixed"              ? '?'
                                               : '\0';
      if (!f.volatility)
        return fmt::format("{}: function {}.{}: unknown volatility \"{}\"", file, f.schema, f.name, volatility);
      read.push_back(std::move(f));
    }
    c.set_functions(std::move(read), source.empty() ? std::string("pg_proc") : source);
  }
  c.detach_partition_cycles();  // a hand-edited snapshot may say a table is its own ancestor
  out = std::move(c);
  return std::nullopt;
}

std::optional<std::string> load_snapshot(const std::filesystem::path& file, Catalog& out) {
  std::string text;
  if (auto err = read_bytes(file.string(), text)) return fmt::format("{}: catalog snapshot: {}", file.string(), *err);
  return parse_snapshot(text, file.string(), out);
}

}  // namespace pglens
