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
    if (!t.origin.empty()) j["origin"] = t.origin;
    tables.push_back(std::move(j));
  }
  json doc = {{"pglens_catalog", kCatalogSnapshotVersion},
              {"search_path", strings_json(catalog.search_path())},
              {"schemas", strings_json(catalog.schemas())},
              {"tables", std::move(tables)}};
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
