#include "pglens/catalog.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <functional>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

#include "catalog/names.hpp"
#include "pglens/config.hpp"

namespace pglens {

std::string_view to_string(ConstraintKind k) {
  switch (k) {
    case ConstraintKind::primary_key: return "primary key";
    case ConstraintKind::unique: return "unique";
    case ConstraintKind::foreign_key: return "foreign key";
  }
  return "primary key";
}

std::string_view to_string(RelationKind k) {
  switch (k) {
    case RelationKind::table: return "table";
    case RelationKind::partitioned_table: return "partitioned table";
    case RelationKind::view: return "view";
    case RelationKind::materialized_view: return "materialized view";
  }
  return "table";
}

std::string IndexKey::text() const {
  std::string out = is_expression() ? catalog::expression_key_text(expression) : catalog::quote_ident(column);
  if (descending) out += " DESC";
  if (nulls_first != descending) out += nulls_first ? " NULLS FIRST" : " NULLS LAST";
  return out;
}

std::string Index::definition(std::string_view schema, std::string_view table) const {
  std::vector<std::string> keys_text;
  for (const auto& k : keys) keys_text.push_back(k.text());
  std::string out = fmt::format("CREATE {}INDEX {} ON {}.{}", unique ? "UNIQUE " : "", catalog::quote_ident(name),
                                catalog::quote_ident(schema), catalog::quote_ident(table));
  if (method != "btree") out += fmt::format(" USING {}", method);
  out += fmt::format(" ({})", fmt::join(keys_text, ", "));
  if (!include.empty()) {
    std::vector<std::string> inc;
    for (const auto& c : include) inc.push_back(catalog::quote_ident(c));
    out += fmt::format(" INCLUDE ({})", fmt::join(inc, ", "));
  }
  if (!predicate.empty()) out += fmt::format(" WHERE {}", predicate);
  return out;
}

const Column* Table::column(std::string_view n) const {
  for (const auto& c : columns)
    if (c.name == n) return &c;
  return nullptr;
}

Column* Table::column(std::string_view n) {
  for (auto& c : columns)
    if (c.name == n) return &c;
  return nullptr;
}

const Index* Table::index(std::string_view n) const {
  for (const auto& i : indexes)
    if (i.name == n) return &i;
  return nullptr;
}

const ColumnStats* TableStats::column(std::string_view name) const {
  for (const auto& c : columns)
    if (c.column == name) return &c;
  return nullptr;
}

std::string Table::qualified_name() const { return fmt::format("{}.{}", schema, name); }

const Table* Catalog::find_table(std::string_view schema, std::string_view name) const {
  auto find_in = [&](std::string_view s) -> const Table* {
    if (names_.built) {
      std::string key;
      key.reserve(s.size() + 1 + name.size());
      key.append(s).append(1, '\0').append(name);
      auto it = names_.positions.find(key);
      return it == names_.positions.end() ? nullptr : &tables_[it->second];
    }
    for (const auto& t : tables_)
      if (t.name == name && t.schema == s) return &t;  // names differ more often than schemas
    return nullptr;
  };
  if (!schema.empty()) return find_in(schema);
  for (const auto& s : search_path_)
    if (const Table* t = find_in(s)) return t;
  return nullptr;
}

Table* Catalog::find_table(std::string_view schema, std::string_view name) {
  drop_name_index();  // the caller may rename or move what it finds
  return const_cast<Table*>(std::as_const(*this).find_table(schema, name));
}

uint64_t Catalog::IndexDigest::target_bit(std::string_view target) {
  return uint64_t{1} << (std::hash<std::string_view>{}(target) % 64);
}

namespace {

Catalog::IndexDigest digest_of(const Index& index) {
  Catalog::IndexDigest d;
  using Method = Catalog::IndexDigest::Method;
  d.method = index.method == "btree" ? Method::btree
      : index.method == "hash"       ? Method::hash
      : index.method == "brin"       ? Method::brin
                                     : Method::other;
  for (const auto& key : index.keys) {
    uint64_t bit = Catalog::IndexDigest::target_bit(key.is_expression() ? key.expression : key.column);
    if (d.key_bits == 0) d.leading_bit = bit;
    d.key_bits |= bit;
  }
  return d;
}

}  // namespace

void Catalog::index_names() {
  names_ = {};
  names_.digest_range.resize(tables_.size());
  for (size_t i = 0; i < tables_.size(); ++i) {
    names_.positions.emplace(tables_[i].schema + '\0' + tables_[i].name, i);
    if (tables_[i].is_partition()) {
      names_.partitions[tables_[i].parent_schema + '\0' + tables_[i].parent_name].push_back(i);
      continue;  // no digests (see index_digests)
    }
    NameIndex::DigestRange& range = names_.digest_range[i];
    range = {names_.digests.size(), tables_[i].indexes.size(), names_.bit_starts.size(), true};
    for (const auto& index : tables_[i].indexes) names_.digests.push_back(digest_of(index));
    // The indexes by key bit: counted, then placed in order.
    std::span<const IndexDigest> digests(names_.digests.data() + range.begin, range.size);
    std::array<uint32_t, 65> starts{};
    for (const auto& d : digests)
      for (uint64_t bits = d.key_bits; bits; bits &= bits - 1)
        ++starts[static_cast<size_t>(std::countr_zero(bits)) + 1];
    auto base = static_cast<uint32_t>(names_.indexes_by_bit.size());
    starts[0] = base;
    for (size_t b = 1; b < starts.size(); ++b) starts[b] += starts[b - 1];
    names_.bit_starts.insert(names_.bit_starts.end(), starts.begin(), starts.end());
    names_.indexes_by_bit.resize(starts.back());
    for (uint32_t position = 0; position < digests.size(); ++position)
      for (uint64_t bits = digests[position].key_bits; bits; bits &= bits - 1)
        names_.indexes_by_bit[starts[static_cast<size_t>(std::countr_zero(bits))]++] = position;
  }
  names_.built = true;
}

std::span<const uint32_t> Catalog::IndexDigests::with_key_bit(uint64_t bit) const {
  auto b = static_cast<size_t>(std::countr_zero(bit));
  return {positions + bit_starts[b], positions + bit_starts[b + 1]};
}

std::optional<Catalog::IndexDigests> Catalog::index_digests(const Table& table) const {
  // By address: a table of another catalog (or a copy) has none here.
  std::less_equal<const Table*> at_most;
  if (!names_.built || tables_.empty() || !at_most(tables_.data(), &table) || !at_most(&table, &tables_.back()))
    return std::nullopt;
  const NameIndex::DigestRange& range = names_.digest_range[static_cast<size_t>(&table - tables_.data())];
  if (!range.made) return std::nullopt;
  return IndexDigests{std::span<const IndexDigest>(names_.digests.data() + range.begin, range.size),
                      names_.bit_starts.data() + range.bit_starts, names_.indexes_by_bit.data()};
}

const Table* Catalog::find_table(std::string_view qualified) const {
  auto dot = qualified.find('.');
  if (dot == std::string_view::npos) return find_table(std::string_view(), qualified);
  return find_table(qualified.substr(0, dot), qualified.substr(dot + 1));
}

std::pair<Table*, Index*> Catalog::find_index(std::string_view schema, std::string_view name) {
  drop_name_index();
  auto find_in = [&](std::string_view s) -> std::pair<Table*, Index*> {
    for (auto& t : tables_) {
      if (t.schema != s) continue;
      for (auto& i : t.indexes)
        if (i.name == name) return {&t, &i};
    }
    return {nullptr, nullptr};
  };
  if (!schema.empty()) return find_in(schema);
  for (const auto& s : search_path_) {
    auto found = find_in(s);
    if (found.first) return found;
  }
  return {nullptr, nullptr};
}

Table& Catalog::add_table(Table t) {
  Table* replaced = nullptr;
  for (auto& existing : tables_) {
    if (existing.name == t.name && existing.schema == t.schema) {  // names differ more often than schemas
      replaced = &existing;
      break;
    }
  }
  return add_table(std::move(t), replaced);
}

Table& Catalog::add_table(Table t, Table* replaced) {
  drop_name_index();
  // Every table's schema is listed: one in the schema of the table before it (a snapshot's
  // tables come by schema) needs no search of the list.
  if (tables_.empty() || tables_.back().schema != t.schema) add_schema(t.schema);
  if (replaced) {
    *replaced = std::move(t);
    return *replaced;
  }
  tables_.push_back(std::move(t));
  return tables_.back();
}

bool Catalog::drop_table(std::string_view schema, std::string_view name) {
  drop_name_index();
  Table* t = find_table(schema, name);
  if (!t) return false;
  std::string s = t->schema, n = t->name;
  bool partitioned = t->is_partitioned();
  std::erase_if(tables_, [&](const Table& x) { return x.schema == s && x.name == n; });
  // Dropping a partitioned table drops its partitions with it.
  if (partitioned) {
    std::vector<std::pair<std::string, std::string>> children;
    for (const auto& x : tables_)
      if (x.parent_schema == s && x.parent_name == n) children.emplace_back(x.schema, x.name);
    for (const auto& [cs, cn] : children) drop_table(cs, cn);
  }
  return true;
}

std::vector<const Table*> Catalog::partitions_of(const Table& parent) const {
  std::vector<const Table*> out;
  if (names_.built) {
    std::string key;
    key.reserve(parent.schema.size() + 1 + parent.name.size());
    key.append(parent.schema).append(1, '\0').append(parent.name);
    if (auto it = names_.partitions.find(key); it != names_.partitions.end())
      for (size_t i : it->second) out.push_back(&tables_[i]);
    return out;
  }
  for (const auto& t : tables_)
    if (t.parent_schema == parent.schema && t.parent_name == parent.name) out.push_back(&t);
  return out;
}

const Table* Catalog::parent_of(const Table& partition) const {
  if (!partition.is_partition()) return nullptr;
  return find_table(partition.parent_schema, partition.parent_name);
}

size_t Catalog::detach_partition_cycles() {
  drop_name_index();
  std::unordered_map<std::string, size_t> position;
  for (size_t i = 0; i < tables_.size(); ++i) position.emplace(tables_[i].schema + '\0' + tables_[i].name, i);
  // 0: not seen; 1: on the chain being walked; 2: known to end at a root.
  std::vector<uint8_t> state(tables_.size(), 0);
  size_t detached = 0;
  std::vector<size_t> chain;
  for (size_t start = 0; start < tables_.size(); ++start) {
    chain.clear();
    size_t at = start;
    for (;;) {
      if (state[at] == 2) break;
      if (state[at] == 1) {  // the chain came back to `at`: cut the link that closes the loop
        Table& closing = tables_[chain.back()];
        closing.parent_schema.clear();
        closing.parent_name.clear();
        closing.bound.clear();
        ++detached;
        break;
      }
      state[at] = 1;
      chain.push_back(at);
      const Table& t = tables_[at];
      if (!t.is_partition()) break;
      auto parent = position.find(t.parent_schema + '\0' + t.parent_name);
      if (parent == position.end()) break;
      at = parent->second;
    }
    for (size_t i : chain) state[i] = 2;
  }
  return detached;
}

void Catalog::add_schema(std::string_view name) {
  // A set: finding a schema and adding one are O(log n), in any order (a scan per schema was
  // quadratic in a schema-per-tenant database, 40,000 schemas: 45 s; a sorted vector still
  // moved the names after each out-of-order one, 45 % of that dump).
  if (name.empty()) return;
  auto at = schemas_.lower_bound(name);
  if (at == schemas_.end() || *at != name) schemas_.emplace_hint(at, name);
}

void Catalog::drop_schema(std::string_view name) {
  drop_name_index();
  // Partitioned tables take their partitions in other schemas with them, as DROP SCHEMA ...
  // CASCADE does: none is left naming a parent that is gone. The partitioned tables that go
  // are found first, then all go in one sweep (dropped one by one was quadratic).
  std::unordered_set<std::string> gone;
  auto key = [](std::string_view s, std::string_view n) { return std::string(s) + '\0' + std::string(n); };
  auto goes = [&](const Table& t) {
    return t.schema == name || (t.is_partition() && gone.contains(key(t.parent_schema, t.parent_name)));
  };
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& t : tables_)
      if (t.is_partitioned() && goes(t)) grew = gone.insert(key(t.schema, t.name)).second || grew;
  }
  std::erase_if(tables_, goes);
  if (auto at = schemas_.find(name); at != schemas_.end()) schemas_.erase(at);
}

void Catalog::set_search_path(std::vector<std::string> path) {
  if (path.empty()) path.emplace_back("public");
  search_path_ = std::move(path);
}

void Catalog::set_functions(std::vector<FunctionVolatility> functions, std::string source) {
  auto order = [](const FunctionVolatility& a, const FunctionVolatility& b) {
    return std::tie(a.schema, a.name) < std::tie(b.schema, b.name);
  };
  std::sort(functions.begin(), functions.end(), order);
  functions_ = std::move(functions);
  functions_source_ = std::move(source);
}

std::optional<char> Catalog::function_volatility(std::string_view schema, std::string_view name) const {
  auto find = [&](std::string_view s) -> std::optional<char> {
    auto it = std::lower_bound(functions_.begin(), functions_.end(), std::pair(s, name),
                               [](const FunctionVolatility& f, const std::pair<std::string_view, std::string_view>& k) {
                                 return std::pair<std::string_view, std::string_view>(f.schema, f.name) < k;
                               });
    if (it != functions_.end() && it->schema == s && it->name == name) return it->volatility;
    return std::nullopt;
  };
  if (functions_.empty()) return std::nullopt;
  if (!schema.empty()) return find(schema);
  for (const auto& s : search_path_)
    if (auto v = find(s)) return v;
  return std::nullopt;
}

std::string Catalog::default_schema() const { return search_path_.empty() ? "public" : search_path_.front(); }

void Catalog::merge_from(const Catalog& higher) {
  drop_name_index();
  if (higher.server_version_) server_version_ = higher.server_version_;
  if (!higher.functions_source_.empty()) {
    functions_ = higher.functions_;
    functions_source_ = higher.functions_source_;
  }
  for (const auto& s : higher.schemas_) add_schema(s);
  // Where each of this catalog's tables is, by schema and name: one hash lookup per table
  // merged (a search of the tables each was quadratic: 40,000 tables took 11 s).
  std::unordered_map<std::string, size_t> position;
  position.reserve(tables_.size() + higher.tables_.size());
  tables_.reserve(tables_.size() + higher.tables_.size());  // a Table's move may throw: growth copies them all
  for (size_t i = 0; i < tables_.size(); ++i) position.emplace(tables_[i].schema + '\0' + tables_[i].name, i);
  for (const auto& t : higher.tables_) {
    auto [it, added] = position.emplace(t.schema + '\0' + t.name, tables_.size());
    if (added) {
      add_table(t, nullptr);
      continue;
    }
    Table* mine = &tables_[it->second];
    Table merged = t;
    // An index the lower source defines (a migration under review) still counts.
    for (const auto& i : mine->indexes)
      if (!merged.index(i.name)) merged.indexes.push_back(i);
    if (!merged.size.rows && mine->size.rows) merged.size = mine->size;
    if (merged.stats.columns.empty()) merged.stats = mine->stats;
    *mine = std::move(merged);
  }
}

namespace {
// Whether `word` stands in `text` as a whole word (strings and comments are not skipped: a
// false yes only costs a copy of the catalog).
bool has_word(std::string_view text, std::string_view word) {
  auto ident = [](char ch) { return ch == '_' || ch == '$' || std::isalnum(static_cast<unsigned char>(ch)); };
  for (size_t at = text.find(word); !word.empty() && at != std::string_view::npos; at = text.find(word, at + 1))
    if ((at == 0 || !ident(text[at - 1])) && (at + word.size() == text.size() || !ident(text[at + word.size()])))
      return true;
  return false;
}

// Whether a fact's origin ("db/migrate/001.sql:12", relative to the config's root, or absolute)
// is in the file at `path` (as the lint names it: relative to the cwd, or absolute).
bool originates_in(std::string_view origin, std::string_view path) {
  if (auto colon = origin.rfind(':'); colon != std::string_view::npos) origin = origin.substr(0, colon);
  if (origin.empty() || path.empty()) return false;
  auto ends_with_part = [](std::string_view longer, std::string_view part) {
    return longer.ends_with(part) && (longer.size() == part.size() || longer[longer.size() - part.size() - 1] == '/');
  };
  return ends_with_part(path, origin) || ends_with_part(origin, path);
}
}  // namespace

std::optional<Catalog> Catalog::with_retired(std::string_view path, std::string_view text) const {
  std::optional<Catalog> out;
  for (const auto& t : retired_) {
    if (!originates_in(t.origin, path) || !has_word(text, t.name) || find_table(t.schema, t.name)) continue;
    if (!out) {
      out.emplace();
      out->tables_ = tables_;
      out->schemas_ = schemas_;
      out->search_path_ = search_path_;
    } else if (out->find_table(t.schema, t.name)) {
      continue;  // dropped twice: the first is as good as the last
    }
    out->tables_.push_back(t);
  }
  if (out) out->index_names();
  return out;
}

void Catalog::apply_hints(const Config& config, std::string_view origin) {
  drop_name_index();
  for (const auto& [name, hint] : config.tables) {
    if (!hint.rows) continue;
    Table* t = nullptr;
    auto dot = name.find('.');
    if (dot == std::string::npos) t = find_table(std::string_view(), name);
    else t = find_table(std::string_view(name).substr(0, dot), std::string_view(name).substr(dot + 1));
    if (!t) continue;
    t->size.rows = hint.rows;
    t->size.source = fmt::format("hint {}", origin);
  }
}

namespace {

// Sorts by name moving each element once: an Index is large, and a partitioned history has
// tens of thousands. Names are unique in a table; when they are not, std::sort decides
// the order as it always did.
void sort_by_name(std::vector<Index>& items) {
  // The names sorted beside their positions: the compares read no Index.
  std::vector<std::pair<std::string_view, uint32_t>> order(items.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = {items[i].name, i};
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  bool moved = false;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i > 0 && order[i - 1].first == order[i].first) {
      std::sort(items.begin(), items.end(), [](const Index& a, const Index& b) { return a.name < b.name; });
      return;
    }
    moved = moved || order[i].second != i;
  }
  if (!moved) return;
  std::vector<Index> sorted;
  sorted.reserve(items.size());
  for (const auto& [name, i] : order) sorted.push_back(std::move(items[i]));
  items = std::move(sorted);
}

}  // namespace

void Catalog::normalize() {
  bool indexed = names_.built;  // sorting moves the tables: index them again after
  drop_name_index();
  detach_partition_cycles();
  std::sort(tables_.begin(), tables_.end(),
            [](const Table& a, const Table& b) { return std::tie(a.schema, a.name) < std::tie(b.schema, b.name); });
  for (auto& t : tables_) {
    sort_by_name(t.indexes);
    std::sort(t.constraints.begin(), t.constraints.end(),
              [](const Constraint& a, const Constraint& b) { return a.name < b.name; });
  }
  if (indexed) index_names();
}

const Catalog& Catalog::none() {
  static const Catalog empty;
  return empty;
}

}  // namespace pglens
