#include "catalog/index_advisor.hpp"

#include <algorithm>
#include <iterator>
#include <span>

#include <fmt/format.h>

#include "catalog/names.hpp"
#include "catalog/volatility.hpp"

namespace pglens::catalog {

const std::string& ColumnPredicate::condition_text() const {
  if (text.empty() && condition) text = deparse(condition, true);
  return text;
}

bool ColumnPredicate::condition_text_is(std::string_view other) const {
  // The rendered condition holds its column's name (in quotes when it needs them, which keep
  // it whole unless it has a quote itself): text without it is another condition.
  bool unrendered = text.empty() && condition;
  if (unrendered && is_column() && column.find('"') == std::string::npos &&
      other.find(column) == std::string_view::npos)
    return false;
  return condition_text() == other;
}

namespace {

bool key_matches(const IndexKey& key, std::string_view target) {
  return std::string_view(key.is_expression() ? key.expression : key.column) == target;
}

bool has_equality_on(const IndexRequest& request, const IndexKey& key) {
  return std::any_of(request.predicates.begin(), request.predicates.end(), [&](const ColumnPredicate& p) {
    return p.op == PredicateOp::equality && key_matches(key, p.target());
  });
}

// Top-level conjuncts of canonical predicate text (nested operations are parenthesised).
std::vector<std::string_view> conjuncts(std::string_view text) {
  std::vector<std::string_view> out;
  // Inside AND, BETWEEN is parenthesised: an unparenthesised one is the whole predicate.
  int level = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(') ++level;
    else if (text[i] == ')') --level;
    else if (level == 0 && text.substr(i, 9) == " BETWEEN ") return {text};
  }
  int depth = 0;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (ch == '\'') quoted = !quoted;
    if (quoted) continue;
    if (ch == '(') ++depth;
    else if (ch == ')') --depth;
    else if (depth == 0 && text.substr(i, 5) == " AND ") {
      out.emplace_back(text.substr(start, i - start));
      start = i + 5;
      i += 4;
    }
  }
  out.emplace_back(text.substr(start));
  return out;
}

// Whether the request's conditions imply the partial index predicate: each of its conjuncts
// is one of the request's conditions, or `col IS NOT NULL` where the request compares col.
bool implies(const IndexRequest& request, const std::string& predicate) {
  if (predicate.empty()) return true;
  constexpr std::string_view not_null = " IS NOT NULL";
  for (const auto& c : conjuncts(predicate)) {
    bool found = std::any_of(request.predicates.begin(), request.predicates.end(), [&](const ColumnPredicate& p) {
      const std::string& t = p.target();
      bool compared = !p.is_null_test && p.op != PredicateOp::other;
      // The cheap test first: the text is rendered only when it is needed.
      return (compared && c.size() == t.size() + not_null.size() && c.starts_with(t) && c.ends_with(not_null)) ||
          p.condition_text_is(c);
    });
    if (!found) return false;
  }
  return true;
}

bool usable(const Index& index, const IndexRequest& request) {
  return index.valid && implies(request, index.predicate);
}

std::string name_part(const std::string& target) {
  std::string out;
  for (char ch : target) {
    if (std::isalnum(static_cast<unsigned char>(ch)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    else if (!out.empty() && out.back() != '_') out += '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out.empty() ? "expr" : out;
}

IndexKey key_for(const std::string& column, const std::string& expression) {
  IndexKey k;
  k.column = column;
  k.expression = column.empty() ? expression : std::string();
  return k;
}

bool same_target(const IndexKey& a, const IndexKey& b) { return a.column == b.column && a.expression == b.expression; }

}  // namespace

namespace {

using IndexDigest = Catalog::IndexDigest;

// The digests of the table's indexes, when the catalog has them for it.
std::optional<Catalog::IndexDigests> digests_of(const Catalog& catalog, const Table& table) {
  auto digests = catalog.index_digests(table);
  if (digests && digests->indexes.size() != table.indexes.size()) return std::nullopt;
  return digests;
}

// Whether the digest of an index with a key that may be the target `wanted_bit` stands for
// rules out that it serves the target: the method cannot, or the first key is neither the
// target nor fixed by an equality of the request (`equality_bits`, worked out when first
// needed).
template <class EqualityBits>
bool cannot_serve(const IndexDigest& d, uint64_t wanted_bit, PredicateOp op, EqualityBits&& equality_bits) {
  if (d.method == IndexDigest::Method::brin) return op == PredicateOp::other;  // any of its keys, see serving_index
  bool btree = d.method == IndexDigest::Method::btree;
  if (!btree && !(op == PredicateOp::equality && d.method == IndexDigest::Method::hash)) return true;
  return d.leading_bit != wanted_bit && !(btree && (d.leading_bit & equality_bits()));
}

}  // namespace

const Index* serving_index(const Catalog& catalog, const Table& table, const ColumnPredicate& target,
                           const IndexRequest& request) {
  const std::string& wanted = target.target();
  // Test the cheap things first (names compare by length before bytes), whether the index
  // may be used at all last.
  auto serves = [&](const Index& index) {
    // A BRIN index (minmax) serves equalities and ranges on any of its keys, through a
    // bitmap scan of the block ranges whose summary may match: whoever made it chose it for
    // that (a log or time-series table, whose rows arrive in key order).
    if (std::string_view(index.method) == "brin")
      return target.op != PredicateOp::other &&
          std::any_of(index.keys.begin(), index.keys.end(),
                      [&](const IndexKey& k) { return key_matches(k, wanted); }) &&
          usable(index, request);
    bool btree = std::string_view(index.method) == "btree";
    if (!btree && !(target.op == PredicateOp::equality && std::string_view(index.method) == "hash")) return false;
    for (const auto& key : index.keys) {
      if (key_matches(key, wanted)) return usable(index, request);
      // A later key serves only when every key before it is matched by equality.
      if (!btree || !has_equality_on(request, key)) return false;
    }
    return false;
  };
  auto digests = digests_of(catalog, table);
  if (!digests) {
    for (const auto& index : table.indexes)
      if (serves(index)) return &index;
    return nullptr;
  }
  // Few of a table's many indexes have the column: the digests rule out the others unread.
  uint64_t wanted_bit = IndexDigest::target_bit(wanted);
  std::optional<uint64_t> equality_bits;
  auto equalities = [&] {
    if (!equality_bits) {
      equality_bits = 0;
      for (const auto& p : request.predicates)
        if (p.op == PredicateOp::equality) *equality_bits |= IndexDigest::target_bit(p.target());
    }
    return *equality_bits;
  };
  for (uint32_t position : digests->with_key_bit(wanted_bit))
    if (!cannot_serve(digests->indexes[position], wanted_bit, target.op, equalities) && serves(table.indexes[position]))
      return &table.indexes[position];
  return nullptr;
}

const Index* ordering_index(const Catalog& catalog, const Table& table, const IndexRequest& request) {
  if (request.order_by.empty()) return nullptr;
  auto orders = [&](const Index& index) {
    if (index.method != "btree" || !usable(index, request)) return false;
    size_t k = 0;
    // Keys fixed by equality may precede the ORDER BY keys.
    while (k < index.keys.size() && !key_matches(index.keys[k], request.order_by.front().target()) &&
           has_equality_on(request, index.keys[k]))
      ++k;
    if (k + request.order_by.size() > index.keys.size()) return false;
    bool forward = true, backward = true;
    for (size_t i = 0; i < request.order_by.size(); ++i) {
      const IndexKey& key = index.keys[k + i];
      const SortKey& s = request.order_by[i];
      if (!key_matches(key, s.target())) return false;
      forward = forward && key.descending == s.descending && key.nulls_first == s.nulls_first;
      backward = backward && key.descending != s.descending && key.nulls_first != s.nulls_first;
    }
    return forward || backward;
  };
  auto digests = digests_of(catalog, table);
  if (!digests) {
    for (const auto& index : table.indexes)
      if (orders(index)) return &index;
    return nullptr;
  }
  // An index that orders the rows has every ORDER BY key, the first among them.
  uint64_t order_bits = 0;
  for (const auto& s : request.order_by) order_bits |= IndexDigest::target_bit(s.target());
  for (uint32_t position : digests->with_key_bit(IndexDigest::target_bit(request.order_by.front().target()))) {
    const IndexDigest& d = digests->indexes[position];
    if (d.method != IndexDigest::Method::btree || (d.key_bits & order_bits) != order_bits) continue;
    if (orders(table.indexes[position])) return &table.indexes[position];
  }
  return nullptr;
}

bool low_cardinality(const Table& table, const std::string& column) {
  const Column* c = table.column(column);
  if (c && c->type == "boolean") return true;
  for (std::string_view hint : {"status", "state", "type", "kind", "flag"})
    if (column == hint || column.ends_with(fmt::format("_{}", hint))) return true;
  return column.starts_with("is_") || column.starts_with("has_");
}

bool index_covers(const Index& existing, const Index& proposed) {
  if (!existing.valid || existing.method != proposed.method || existing.predicate != proposed.predicate) return false;
  if (proposed.keys.size() > existing.keys.size()) return false;
  bool forward = true, backward = true;
  for (size_t i = 0; i < proposed.keys.size(); ++i) {
    const IndexKey& e = existing.keys[i];
    const IndexKey& p = proposed.keys[i];
    if (!same_target(e, p)) return false;
    forward = forward && e.descending == p.descending && e.nulls_first == p.nulls_first;
    backward = backward && e.descending != p.descending && e.nulls_first != p.nulls_first;
  }
  if (!forward && !backward) return false;
  for (const auto& inc : proposed.include) {
    bool present = std::find(existing.include.begin(), existing.include.end(), inc) != existing.include.end() ||
        std::any_of(existing.keys.begin(), existing.keys.end(), [&](const IndexKey& k) { return k.column == inc; });
    if (!present) return false;
  }
  return true;
}

std::string table_ref(const Catalog& catalog, const Table& table) {
  if (table.schema == catalog.default_schema()) return quote_ident(table.name);
  return fmt::format("{}.{}", quote_ident(table.schema), quote_ident(table.name));
}

namespace {

std::string index_body(const Index& index) {
  std::vector<std::string> keys;
  for (const auto& k : index.keys) {
    // An expression as PostgreSQL's deparser writes it: what pastes is what parses.
    IndexKey written = k;
    if (k.is_expression())
      if (auto text = postgres_text(k.expression)) written.expression = std::move(*text);
    keys.push_back(written.text());
  }
  std::string out = index.method == "btree" ? "" : fmt::format(" USING {}", index.method);
  out += fmt::format(" ({})", fmt::join(keys, ", "));
  if (!index.include.empty()) {
    std::vector<std::string> inc;
    for (const auto& c : index.include) inc.push_back(quote_ident(c));
    out += fmt::format(" INCLUDE ({})", fmt::join(inc, ", "));
  }
  if (!index.predicate.empty())
    out += fmt::format(" WHERE {}", postgres_text(index.predicate).value_or(index.predicate));
  return out;
}

// `name` quoted, in `schema` (qualified when that is not `default_schema`), appended to `out`.
void append_in_schema(std::string& out, std::string_view default_schema, const std::string& schema,
                      std::string_view name) {
  if (schema != default_schema) {
    append_quoted_ident(out, schema);
    out += '.';
  }
  append_quoted_ident(out, name);
}

void partitioned_ddl(const Catalog& catalog, std::string_view default_schema, const Table& table, const Index& index,
                     std::string& out, int depth) {
  // Written into `out` in place: a table may have hundreds of partitions, each two statements.
  std::string_view unique = index.unique ? "UNIQUE " : "";
  std::string body = index_body(index);  // the partitions' indexes differ only in name
  std::string parent_ref;
  append_in_schema(parent_ref, default_schema, table.schema, index.name);
  out += "CREATE ";
  out += unique;
  out += "INDEX IF NOT EXISTS ";
  append_quoted_ident(out, index.name);
  out += " ON ONLY ";
  append_in_schema(out, default_schema, table.schema, table.name);
  out += body;
  out += ";\n";
  std::vector<std::string> parts;
  for (const auto& k : index.keys) parts.push_back(name_part(k.is_expression() ? k.expression : k.column));
  std::string child_name;
  for (const Table* part : catalog.partitions_of(table)) {
    child_name.clear();
    append_chosen_name(child_name, part->name, parts, "idx");
    if (part->is_partitioned() && depth < 8) {
      Index child = index;
      child.name = child_name;
      partitioned_ddl(catalog, default_schema, *part, child, out, depth + 1);
    } else {
      out += "CREATE ";
      out += unique;
      out += "INDEX CONCURRENTLY IF NOT EXISTS ";
      append_quoted_ident(out, child_name);
      out += " ON ";
      append_in_schema(out, default_schema, part->schema, part->name);
      out += body;
      out += ";\n";
    }
    out += "ALTER INDEX ";
    out += parent_ref;
    out += " ATTACH PARTITION ";
    append_in_schema(out, default_schema, part->schema, child_name);
    out += ";\n";
  }
}

}  // namespace

std::string free_index_name(const Catalog& catalog, const Table& table, const std::string& base) {
  // Index names share a namespace with the schema's tables and indexes: IF NOT EXISTS on a
  // taken name silently makes nothing, so a suggestion never reuses one.
  auto taken = [&](const std::string& name) {
    if (catalog.find_table(table.schema, name) || table.index(name)) return true;
    for (const auto& t : catalog.tables())  // a partition's indexes are named after it, never like its parent's
      if (!t.is_partition() && t.schema == table.schema && t.index(name)) return true;
    return false;
  };
  std::string name = base;
  for (int i = 1; taken(name) && i < 1000; ++i) name = fmt::format("{}{}", base, i);
  return name;
}

std::string create_index_ddl(const Catalog& catalog, const Table& table, const Index& index) {
  if (table.is_partitioned()) {
    // CONCURRENTLY is refused on a partitioned table: build each partition's index without
    // blocking writes, then attach them; the parent's index becomes valid with the last one.
    std::string out;
    partitioned_ddl(catalog, catalog.default_schema(), table, index, out, 0);
    if (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
  return fmt::format("CREATE {}INDEX CONCURRENTLY IF NOT EXISTS {} ON {}{};", index.unique ? "UNIQUE " : "",
                     quote_ident(index.name), table_ref(catalog, table), index_body(index));
}

std::optional<IndexSuggestion> suggest_index(const Catalog& catalog, const Table& table, const IndexRequest& request) {
  Index proposal;
  std::vector<std::string> name_parts;
  std::vector<std::string> partial;
  auto add_key = [&](IndexKey key) {
    for (const auto& k : proposal.keys)
      if (same_target(k, key)) return;
    name_parts.push_back(name_part(key.is_expression() ? key.expression : key.column));
    proposal.keys.push_back(std::move(key));
  };
  // Equality columns first. A constant on a low-cardinality column becomes the partial
  // index's WHERE when other keys remain: the index holds only the rows the query wants.
  std::vector<const ColumnPredicate*> equalities;
  for (const auto& p : request.predicates)
    if (p.op == PredicateOp::equality) equalities.push_back(&p);
  size_t other_keys = std::count_if(request.predicates.begin(), request.predicates.end(),
                                    [](const ColumnPredicate& p) { return p.op == PredicateOp::range; }) +
      request.order_by.size();
  for (const auto* p : equalities) {
    bool constant_filter = p->is_column() && p->has_constant() && !p->is_null_test && low_cardinality(table, p->column);
    if (constant_filter && (other_keys > 0 || equalities.size() > 1)) {
      partial.push_back(p->condition_text());
      continue;
    }
    add_key(key_for(p->column, p->expression));
  }
  // Then one range column.
  for (const auto& p : request.predicates) {
    if (p.op != PredicateOp::range) continue;
    add_key(key_for(p.column, p.expression));
    break;
  }
  // Then the ORDER BY keys, in order and direction.
  for (const auto& s : request.order_by) {
    IndexKey k = key_for(s.column, s.expression);
    k.descending = s.descending;
    k.nulls_first = s.nulls_first;
    add_key(std::move(k));
  }
  if (proposal.keys.empty()) return std::nullopt;
  std::sort(partial.begin(), partial.end());
  partial.erase(std::unique(partial.begin(), partial.end()), partial.end());
  proposal.predicate = fmt::format("{}", fmt::join(partial, " AND "));

  // INCLUDE the rest of the columns read when that makes the scan index-only on a wide row.
  constexpr size_t kMaxInclude = 3, kWideRow = 6;
  if (request.output_known && table.columns.size() >= kWideRow) {
    std::vector<std::string> missing;
    for (const auto& c : request.output_columns) {
      bool in_keys =
          std::any_of(proposal.keys.begin(), proposal.keys.end(), [&](const IndexKey& k) { return k.column == c; });
      if (!in_keys && std::find(missing.begin(), missing.end(), c) == missing.end()) missing.push_back(c);
    }
    // Columns the WHERE reads must be in the index too, else the heap is visited anyway.
    for (const auto& p : request.predicates) {
      if (!p.is_column()) continue;
      bool in_keys = std::any_of(proposal.keys.begin(), proposal.keys.end(),
                                 [&](const IndexKey& k) { return k.column == p.column; });
      bool in_partial =
          !partial.empty() && std::find(partial.begin(), partial.end(), p.condition_text()) != partial.end();
      if (!in_keys && !in_partial && std::find(missing.begin(), missing.end(), p.column) == missing.end())
        missing.push_back(p.column);
    }
    if (!missing.empty() && missing.size() <= kMaxInclude) proposal.include = missing;
  }

  // What PostgreSQL would refuse is never proposed: a column the table lacks (a name the
  // query resolved to it by default), an expression that is not IMMUTABLE.
  if (!table.columns.empty()) {
    for (const auto& k : proposal.keys)
      if (!k.is_expression() && !table.column(k.column)) return std::nullopt;
    for (const auto& c : proposal.include)
      if (!table.column(c)) return std::nullopt;
  }
  for (const auto& k : proposal.keys)
    if (k.is_expression() && !is_immutable_text(k.expression, table, &catalog)) return std::nullopt;
  if (!proposal.predicate.empty() && !is_immutable_text(proposal.predicate, table, &catalog)) return std::nullopt;

  for (const auto& existing : table.indexes)
    if (index_covers(existing, proposal)) return std::nullopt;
  for (const auto& p : partial) {
    // Partial-index names say what they hold: orders_created_at_status_pending_idx.
    std::string part = name_part(p);
    name_parts.push_back(part);
  }
  proposal.name = free_index_name(catalog, table, choose_name(table.name, name_parts, "idx"));
  proposal.origin = "suggested";

  IndexSuggestion s;
  std::vector<std::string> keys;
  for (const auto& k : proposal.keys) keys.push_back(k.text());
  s.summary = fmt::format("{} ({})", table_ref(catalog, table), fmt::join(keys, ", "));
  if (!proposal.predicate.empty()) s.summary += fmt::format(" WHERE {}", proposal.predicate);
  s.ddl = create_index_ddl(catalog, table, proposal);
  s.index = std::move(proposal);
  return s;
}

}  // namespace pglens::catalog
