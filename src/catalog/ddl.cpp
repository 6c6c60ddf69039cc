// The catalog from DDL: CREATE/ALTER/DROP statements applied in order, the way PostgreSQL
// would apply them, as far as the catalog model goes. A statement naming an object that
// does not exist is skipped (PostgreSQL would have failed it), so the catalog stays
// consistent whatever order migrations arrive in.
#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "catalog/ddl.hpp"
#include "catalog/name_table.hpp"
#include "catalog/names.hpp"
#include "catalog/parsed_ddl.hpp"
#include "pglens/catalog.hpp"
#include "pglens/source.hpp"
#include "sql/lexer.hpp"
#include "sql/parser.hpp"

namespace pglens {
namespace {

using catalog::deparse;

IndexKey key_of(const sql::Node& elem) {
  IndexKey k;
  if (elem.has("name")) k.column = std::string(elem.str("name"));
  else k.expression = deparse(elem.field("expr"));
  k.descending = elem.str("ordering") == "SORTBY_DESC";
  std::string_view nulls = elem.str("nulls_ordering");
  k.nulls_first = nulls == "SORTBY_NULLS_FIRST" || (nulls != "SORTBY_NULLS_LAST" && k.descending);
  return k;
}

std::string datum_list(const sql::List& datums) {
  std::vector<std::string> parts;
  for (sql::Node d : datums) {
    std::string t = deparse(d);
    if (t == "minvalue" || t == "maxvalue") std::transform(t.begin(), t.end(), t.begin(), ::toupper);
    parts.push_back(std::move(t));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string bound_text(const sql::Node& b) {
  if (!b) return {};
  if (b.boolean("is_default")) return "DEFAULT";
  std::string_view s = b.str("strategy");
  if (s == "l") return fmt::format("FOR VALUES IN ({})", datum_list(b.list("listdatums")));
  if (s == "h")
    return fmt::format("FOR VALUES WITH (modulus {}, remainder {})", b.integer("modulus"), b.integer("remainder"));
  return fmt::format("FOR VALUES FROM ({}) TO ({})", datum_list(b.list("lowerdatums")),
                     datum_list(b.list("upperdatums")));
}

Partitioning partitioning_of(const sql::Node& spec) {
  Partitioning p;
  // PARTITION_STRATEGY_RANGE (an enum since PostgreSQL 16; "range" before): "range".
  std::string_view strategy = spec.str("strategy");
  if (strategy.starts_with("PARTITION_STRATEGY_")) strategy.remove_prefix(19);
  p.strategy = std::string(strategy);
  std::transform(p.strategy.begin(), p.strategy.end(), p.strategy.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  for (sql::Node elem : spec.list("partParams"))
    p.keys.push_back(elem.has("name") ? std::string(elem.str("name")) : deparse(elem.field("expr")));
  return p;
}

// The columns of an index as PostgreSQL names them: the column, or the function of an
// expression key, else "expr".
std::vector<std::string> key_name_parts(const Index& idx) {
  std::vector<std::string> parts;
  for (const auto& k : idx.keys) {
    if (!k.is_expression()) {
      parts.push_back(k.column);
      continue;
    }
    auto paren = k.expression.find('(');
    std::string fn = paren == std::string::npos ? "" : k.expression.substr(0, paren);
    bool ident = !fn.empty() && std::all_of(fn.begin(), fn.end(), [](char ch) {
      return ch == '_' || std::islower(static_cast<unsigned char>(ch)) || std::isdigit(static_cast<unsigned char>(ch));
    });
    parts.push_back(ident ? fn : "expr");
  }
  for (const auto& i : idx.include) parts.push_back(i);
  return parts;
}

Index index_of(const sql::Node& stmt) {
  Index idx;
  idx.method = stmt.str("accessMethod").empty() ? "btree" : std::string(stmt.str("accessMethod"));
  for (sql::Node e : stmt.list("indexParams")) idx.keys.push_back(key_of(e));
  for (sql::Node e : stmt.list("indexIncludingParams")) idx.include.emplace_back(e.str("name"));
  if (stmt.has("whereClause")) idx.predicate = deparse(stmt.field("whereClause"));
  idx.unique = stmt.boolean("unique");
  idx.primary = stmt.boolean("primary");
  idx.name = std::string(stmt.str("idxname"));
  return idx;
}

// The loader's view of the catalog's relations by name. Catalog::find_table and find_index
// scan every table (and every index), and naming an index probes name, name1, name2 ...:
// over a few hundred migrations on partitioned tables (tens of thousands of indexes) that
// was quadratic, seconds per lint. The loader tells it of every name it adds (note_*) or
// removes (forget); dropping tables moves the others in the catalog's vector, so that
// drops it whole (invalidate) and the next lookup rebuilds it. Debug builds check every
// answer against the catalog's own scans.
class RelationNames {
 public:
  explicit RelationNames(Catalog& c) : catalog_(c) {}

  // As Catalog::find_table.
  Table* table(std::string_view schema, std::string_view name) {
    if (!valid_) build();
    Table* found = nullptr;
    if (!schema.empty()) {
      found = in_schema(schema, name);
    } else {
      for (const auto& s : catalog_.search_path())
        if ((found = in_schema(s, name))) break;
    }
    assert(found == catalog_.find_table(schema, name));
    return found;
  }

  // Whether a table, view or index of that name exists in the schema.
  bool taken(std::string_view schema, std::string_view name) {
    if (!valid_) build();
    bool found = relations_.contains(key(schema, name));
    assert(found ==
           (catalog_.find_table(schema, name) != nullptr || catalog_.find_index(schema, name).first != nullptr));
    return found;
  }

  // As Catalog::partitions_of, without scanning every table: a loader applying indexes and
  // columns to every partition asks it for each one.
  std::vector<Table*> partitions(const Table& parent) {
    if (!partitions_valid_) {
      partitions_.clear();
      auto& tables = catalog_.tables();
      for (size_t i = 0; i < tables.size(); ++i)
        if (tables[i].is_partition()) partitions_[key(tables[i].parent_schema, tables[i].parent_name)].push_back(i);
      partitions_valid_ = true;
    }
    std::vector<Table*> out;
    if (auto it = partitions_.find(key(parent.schema, parent.name)); it != partitions_.end())
      for (size_t i : it->second) out.push_back(&catalog_.tables()[i]);
#ifndef NDEBUG
    auto scanned = std::as_const(catalog_).partitions_of(parent);
    assert(std::equal(out.begin(), out.end(), scanned.begin(), scanned.end()));
#endif
    return out;
  }
  // A table became or stopped being a partition, or a parent changed its name.
  void partitions_changed() { partitions_valid_ = false; }

  void note_table(const Table& t) {
    if (!valid_) {
      partitions_valid_ = false;
      return;
    }
    size_t position = static_cast<size_t>(&t - catalog_.tables().data());
    bool added = tables_.insert_or_assign(key(t.schema, t.name), position);
    if (!added) {  // it replaced the table of that name, which may have been a partition
      partitions_valid_ = false;
      return;
    }
    ++relations_[key_];
    // A new table comes last in the catalog, as last of its parent's partitions.
    if (partitions_valid_ && t.is_partition()) partitions_[key(t.parent_schema, t.parent_name)].push_back(position);
  }
  void note_index(std::string_view schema, std::string_view name) {
    if (valid_) ++relations_[key(schema, name)];
  }

  // Whether the table may hold an index attached to no parent index (created on the table
  // itself, or detached with it). The answer may be yes when it is no longer true, never no
  // when it is: a partitioned index then looks for an equivalent index to attach only on
  // the partitions that can have one, not through every partition's every index.
  bool may_hold_unattached_index(const Table& t) {
    if (!valid_) build();
    return unattached_.contains(key(t.schema, t.name));
  }
  void note_unattached_index(const Table& t) {
    if (valid_) unattached_[key(t.schema, t.name)] = true;
  }
  void forget_index(std::string_view schema, std::string_view name) {
    if (valid_) forget(key(schema, name));
  }
  // The table keeps its place in the catalog; its name or schema changes.
  void forget_table(const Table& t) {
    partitions_valid_ = false;
    if (!valid_) return;
    tables_.erase(key(t.schema, t.name));
    forget(key_);
    for (const auto& i : t.indexes) forget(key(t.schema, i.name));
  }
  void note_table_and_indexes(const Table& t) {
    note_table(t);
    for (const auto& i : t.indexes) {
      note_index(t.schema, i.name);
      if (i.parent_index.empty()) note_unattached_index(t);
    }
  }

  void invalidate() {
    valid_ = false;
    partitions_valid_ = false;
    tables_.clear();
    relations_.clear();
    unattached_.clear();
    probes_.clear();
  }

  // Whether first_free() takes the name it finds at once (a new index's: one probe where
  // taken() and then note_index() are two) or only finds it.
  enum class Take { check, claim };

  // The first name of base, base1, base2 ... that no table, view or index of the schema has,
  // `write_base(out)` appending the base. Probing resumes where it last stopped for the base:
  // the names below were taken then, and stay taken until a name is forgotten. The candidates
  // are written in one buffer (a partitioned table's index names one per partition), and the
  // name returned lives until the next call on this.
  template <class WriteBase>
  std::string_view first_free(std::string_view schema, Take take, WriteBase&& write_base) {
    if (!valid_) build();  // before key_ is written: build() uses it
    key_.assign(schema);
    key_ += '\0';
    const size_t name_at = key_.size();
    write_base(key_);
    const size_t base_end = key_.size();
    auto free = [&] {
      if (take == Take::claim) return claim_key();
      bool found = relations_.contains(key_);
      assert(found ==
             (catalog_.find_table(schema, std::string_view(key_).substr(name_at)) != nullptr ||
              catalog_.find_index(schema, std::string_view(key_).substr(name_at)).first != nullptr));
      return !found;
    };
    if (free()) return std::string_view(key_).substr(name_at);
    int& start = probes_[key_];
    for (int i = std::max(start, 1);; ++i) {
      key_.resize(base_end);
      char digits[16];
      auto [end, ec] = std::to_chars(digits, digits + sizeof digits, i);
      key_.append(digits, static_cast<size_t>(end - digits));
      if (!free()) continue;
      start = i + 1;  // this one is taken now too
      return std::string_view(key_).substr(name_at);
    }
  }

 private:
  const std::string& key(std::string_view schema, std::string_view name) {
    // One resize and two copies: the loader makes a key for nearly every name it meets.
    key_.resize(schema.size() + 1 + name.size());
    char* p = key_.data();
    schema.copy(p, schema.size());
    p[schema.size()] = '\0';
    name.copy(p + schema.size() + 1, name.size());
    return key_;
  }

  // Takes the name in key_ for a new index when no relation of the schema has it: one probe
  // of the table where taken() and then note_index() are two.
  bool claim_key() {
    auto [count, added] = relations_.insert(key_);
    assert(added == (count == 0));
    if (added) count = 1;
    return added;
  }

  void forget(const std::string& k) {
    // A name freed below where probing resumes for its base (base1, base2 ...) makes
    // probing start over for that base: every base the name can be is its text without
    // some of its trailing digits. Only those: clearing every base made each drop cost
    // a fresh probe of long-taken names, quadratic over migrations that drop columns.
    for (size_t end = k.size(); end > 0 && k[end - 1] >= '0' && k[end - 1] <= '9';) {
      --end;
      probes_.erase(std::string_view(k).substr(0, end));
    }
    if (uint32_t* count = relations_.find(k); count && --*count == 0) relations_.erase(k);
  }

  void build() {
    const auto& tables = catalog_.tables();
    for (size_t i = 0; i < tables.size(); ++i) {
      if (!tables_.contains(key(tables[i].schema, tables[i].name))) tables_[key_] = i;
      ++relations_[key_];
      bool unattached = false;
      for (const auto& idx : tables[i].indexes) {
        ++relations_[key(tables[i].schema, idx.name)];
        unattached = unattached || idx.parent_index.empty();
      }
      if (unattached) unattached_[key(tables[i].schema, tables[i].name)] = true;
    }
    valid_ = true;
  }

  Table* in_schema(std::string_view schema, std::string_view name) {
    const size_t* position = tables_.find(key(schema, name));
    return position ? &catalog_.tables()[*position] : nullptr;
  }

  Catalog& catalog_;
  bool valid_ = false;
  catalog::NameTable<size_t> tables_;                                // "schema\0name" -> position in catalog_.tables()
  catalog::NameTable<uint32_t> relations_;                           // tables, views and indexes: how many of each name
  std::unordered_map<std::string, std::vector<size_t>> partitions_;  // parent "schema\0name" -> positions
  bool partitions_valid_ = false;
  catalog::NameTable<int> probes_;
  catalog::NameTable<bool> unattached_;  // "schema\0name" of tables that may hold an unattached index
  std::string key_;
};

class DdlLoader {
 public:
  DdlLoader(Catalog& c, std::string origin) : catalog_(c), names_(c), origin_(std::move(origin)) {}

  // `text`: the statement's own text, kept when it names a table not created yet (see wait_for).
  void apply(const sql::Node& stmt, std::string_view text = {}) {
    std::string_view outer_text = std::exchange(statement_text_, text);
    std::vector<std::string> outer_created = std::move(created_);
    created_.clear();
    std::string_view k = stmt.kind();
    if (k == "CreateSchemaStmt") catalog_.add_schema(stmt.str("schemaname"));
    else if (k == "CreateStmt") create_table(stmt);
    else if (k == "IndexStmt") create_index(stmt);
    else if (k == "AlterTableStmt") alter_table(stmt);
    else if (k == "RenameStmt") rename(stmt);
    else if (k == "AlterObjectSchemaStmt") set_schema(stmt);
    else if (k == "DropStmt") drop(stmt);
    else if (k == "ViewStmt") create_view(stmt);
    else if (k == "CreateTableAsStmt") create_table_as(stmt);
    statement_text_ = outer_text;
    std::vector<std::string> created = std::exchange(created_, std::move(outer_created));
    for (const auto& name : created) run_waiting(name);
  }

  void set_origin(std::string origin) { origin_ = std::move(origin); }

 private:
  struct Name {
    std::string schema, name;
  };

  // The schema and name of a RangeVar; for a new object the unqualified name goes into the
  // first schema of the search path.
  Name new_name(const sql::Node& range_var) const {
    std::string schema(range_var.str("schemaname"));
    if (schema.empty()) schema = catalog_.default_schema();
    return {schema, std::string(range_var.str("relname"))};
  }

  Table* existing(const sql::Node& range_var) {
    return names_.table(range_var.str("schemaname"), range_var.str("relname"));
  }

  static std::vector<std::string> strings(const sql::List& list) {
    std::vector<std::string> out;
    for (sql::Node s : list) out.emplace_back(s.sval());
    return out;
  }

  // ---- CREATE TABLE ------------------------------------------------------------------

  void create_table(const sql::Node& stmt) {
    sql::Node rel = stmt.field("relation");
    Name n = new_name(rel);
    if (names_.table(n.schema, n.name)) return;  // IF NOT EXISTS, or an error in PostgreSQL
    Table t;
    t.schema = n.schema;
    t.name = n.name;
    t.origin = origin_;
    std::vector<sql::Node> table_constraints;
    for (sql::Node e : stmt.list("tableElts")) {
      if (e.is("ColumnDef")) {
        Column c{std::string(e.str("colname")), catalog::type_name(e.field("typeName")), false};
        if (t.column(c.name)) continue;
        for (sql::Node con : e.list("constraints")) {
          std::string_view type = con.str("contype");
          if (type == "CONSTR_NOTNULL" || type == "CONSTR_PRIMARY" || type == "CONSTR_IDENTITY") c.not_null = true;
          if (type == "CONSTR_PRIMARY" || type == "CONSTR_UNIQUE" || type == "CONSTR_FOREIGN")
            column_constraints_.push_back({c.name, con});
        }
        if (is_serial(e.field("typeName"))) c.not_null = true;
        t.columns.push_back(std::move(c));
      } else if (e.is("Constraint")) {
        table_constraints.push_back(e);
      } else if (e.is("TableLikeClause")) {
        if (const Table* like = existing(e.field("relation")))
          for (const auto& c : like->columns)
            if (!t.column(c.name)) t.columns.push_back(c);
      }
    }
    sql::Node parent_rv;
    if (stmt.has("partbound")) {
      for (sql::Node p : stmt.list("inhRelations")) parent_rv = p;
    } else {
      // INHERITS: the parent's columns come first.
      for (sql::Node p : stmt.list("inhRelations")) {
        if (const Table* parent = existing(p)) {
          std::vector<Column> cols = parent->columns;
          for (auto& c : t.columns)
            if (std::none_of(cols.begin(), cols.end(), [&](const Column& x) { return x.name == c.name; }))
              cols.push_back(c);
          t.columns = std::move(cols);
        }
      }
    }
    const Table* parent = nullptr;
    if (parent_rv) {
      parent = existing(parent_rv);
      if (!parent || !parent->is_partitioned()) {  // PostgreSQL rejects it; so do we
        column_constraints_.clear();
        return;
      }
      std::vector<Column> cols = parent->columns;
      for (const auto& c : t.columns)  // WITH OPTIONS: only constraints may differ
        for (auto& pc : cols)
          if (pc.name == c.name) pc.not_null = pc.not_null || c.not_null;
      t.columns = std::move(cols);
      t.parent_schema = parent->schema;
      t.parent_name = parent->name;
      t.bound = bound_text(stmt.field("partbound"));
    }
    if (sql::Node spec = stmt.field("partspec")) {
      t.kind = RelationKind::partitioned_table;
      t.partitioning = partitioning_of(spec);
    }
    std::string schema = t.schema, name = t.name;
    Table* replaced = names_.table(schema, name);
    names_.note_table(catalog_.add_table(std::move(t), replaced));
    note_created(name);
    auto pending = std::move(column_constraints_);
    column_constraints_.clear();
    for (auto& [column, con] : pending) add_constraint(schema, name, con, {column});
    for (sql::Node con : table_constraints) add_constraint(schema, name, con, {});
    if (parent) inherit_indexes(schema, name);
  }

  static bool is_serial(const sql::Node& type) {
    sql::List names = type.list("names");
    if (names.empty()) return false;
    std::string_view n = names[names.size() - 1].sval();
    return n.find("serial") != std::string_view::npos;
  }

  // ---- constraints -------------------------------------------------------------------

  void add_constraint(const std::string& schema, const std::string& table, const sql::Node& con,
                      std::vector<std::string> columns) {
    Table* t = names_.table(schema, table);
    if (!t) return;
    std::string_view type = con.str("contype");
    Constraint c;
    if (type == "CONSTR_PRIMARY") c.kind = ConstraintKind::primary_key;
    else if (type == "CONSTR_UNIQUE") c.kind = ConstraintKind::unique;
    else if (type == "CONSTR_FOREIGN") c.kind = ConstraintKind::foreign_key;
    else return;
    if (c.kind == ConstraintKind::foreign_key) {
      if (columns.empty()) columns = strings(con.list("fk_attrs"));
      sql::Node pk = con.field("pktable");
      const Table* ref = existing(pk);
      c.ref_schema = ref
          ? ref->schema
          : (pk.str("schemaname").empty() ? catalog_.default_schema() : std::string(pk.str("schemaname")));
      c.ref_table = std::string(pk.str("relname"));
      c.ref_columns = strings(con.list("pk_attrs"));
      if (c.ref_columns.empty() && ref) {  // REFERENCES t: its primary key
        for (const auto& rc : ref->constraints)
          if (rc.kind == ConstraintKind::primary_key) c.ref_columns = rc.columns;
      }
    } else if (columns.empty()) {
      columns = strings(con.list("keys"));
    }
    for (const auto& col : columns)
      if (!t->column(col)) return;  // PostgreSQL rejects a key on a missing column
    if (c.kind == ConstraintKind::primary_key) {
      for (const auto& col : columns) t->column(col)->not_null = true;
      if (std::any_of(t->constraints.begin(), t->constraints.end(),
                      [](const Constraint& x) { return x.kind == ConstraintKind::primary_key; }))
        return;  // a table has one primary key
    }
    c.columns = std::move(columns);
    std::string_view suffix = c.kind == ConstraintKind::primary_key ? "pkey"
        : c.kind == ConstraintKind::unique                          ? "key"
                                                                    : "fkey";
    c.name = con.str("conname").empty()
        ? unique_relation_name(
              schema,
              catalog::choose_name(
                  table, c.kind == ConstraintKind::primary_key ? std::vector<std::string>{} : c.columns, suffix))
        : std::string(con.str("conname"));
    if (std::any_of(t->constraints.begin(), t->constraints.end(),
                    [&](const Constraint& x) { return x.name == c.name; }))
      return;
    bool makes_index = c.kind != ConstraintKind::foreign_key;
    Index idx;
    if (makes_index) {
      idx.name = c.name;
      idx.unique = true;
      idx.primary = c.kind == ConstraintKind::primary_key;
      for (const auto& col : c.columns) idx.keys.push_back({col, {}, false, false});
      for (sql::Node inc : con.list("including")) idx.include.emplace_back(inc.sval());
      idx.origin = origin_;
    }
    t->constraints.push_back(std::move(c));
    if (makes_index) add_index(schema, table, std::move(idx), true);
  }

  // A name not yet taken by a relation (table or index) in the schema: name, name1, name2 ...
  std::string unique_relation_name(const std::string& schema, const std::string& base) {
    return std::string(names_.first_free(schema, RelationNames::Take::check, [&](std::string& out) { out += base; }));
  }

  // ---- CREATE INDEX ------------------------------------------------------------------

  void create_index(const sql::Node& stmt) {
    sql::Node rel = stmt.field("relation");
    Table* t = existing(rel);
    if (!t) return wait_for(rel);
    Index idx = index_of(stmt);
    idx.origin = origin_;
    std::string schema = t->schema, table = t->name;
    if (idx.name.empty()) {
      idx.name =
          unique_relation_name(schema, catalog::choose_name(table, key_name_parts(idx), idx.primary ? "pkey" : "idx"));
    } else {
      if (names_.taken(schema, idx.name)) return;
    }
    bool only = !rel.boolean("inh") && t->is_partitioned();
    if (only) idx.valid = false;  // until every partition's index is attached
    add_index(schema, table, std::move(idx), !only);
  }

  // Adds the index, made on the table itself; on a partitioned table (unless ON ONLY) each
  // partition gets its own.
  void add_index(const std::string& schema, const std::string& table, Index idx, bool recurse) {
    Table* t = names_.table(schema, table);
    if (!t) return;
    names_.note_index(t->schema, idx.name);
    names_.note_unattached_index(*t);
    t->indexes.push_back(std::move(idx));
    if (!recurse || !t->is_partitioned()) return;
    PartitionedIndex parent(t->indexes.back(), t->schema);
    std::vector<const Table*> above{t};
    for (Table* child : names_.partitions(*t)) index_partition(*child, parent, above);
  }

  // What every partition's index made from a partitioned table's index shares: worked out
  // once for all the partitions (tens of thousands of indexes over a migration history).
  struct PartitionedIndex {
    PartitionedIndex(const Index& index, const std::string& schema)
        : proto(index),
          parent_ref(fmt::format("{}.{}", schema, index.name)),
          name_parts(index.primary ? std::vector<std::string>{} : key_name_parts(index)),
          suffix(index.primary                                      ? "pkey"
                     : index.unique && index.name.ends_with("_key") ? "key"
                                                                    : "idx") {
      proto.name.clear();  // each partition's index gets its own, and a parent reference
      proto.parent_index.clear();
    }
    Index proto;  // a copy, with the name and parent left empty: the partitions' indexes are made from it
    std::string parent_ref;
    std::vector<std::string> name_parts;
    std::string_view suffix;
  };

  // `above`: the partitioned tables this index is being made under, the nearest last.
  void index_partition(Table& child, const PartitionedIndex& parent, std::vector<const Table*>& above) {
    // The partition graph is a tree; should it ever loop, an index is not made round it forever.
    if (std::find(above.begin(), above.end(), &child) != above.end()) return;
    // An equivalent index already on the partition is attached instead of a new one.
    if (names_.may_hold_unattached_index(child)) {
      for (auto& existing_idx : child.indexes) {
        if (existing_idx.parent_index.empty() && existing_idx.keys == parent.proto.keys &&
            existing_idx.predicate == parent.proto.predicate && existing_idx.method == parent.proto.method) {
          existing_idx.parent_index = parent.parent_ref;
          return;
        }
      }
    }
    std::string_view name = names_.first_free(child.schema, RelationNames::Take::claim, [&](std::string& out) {
      catalog::append_chosen_name(out, child.name, parent.name_parts, parent.suffix);
    });
    Index& c = child.indexes.emplace_back(parent.proto);
    c.name.assign(name);
    c.parent_index = parent.parent_ref;
    c.valid = true;
    if (!child.is_partitioned()) return;
    PartitionedIndex sub(c, child.schema);  // sub-partitions' indexes attach to this one
    above.push_back(&child);
    for (Table* grandchild : names_.partitions(child)) index_partition(*grandchild, sub, above);
    above.pop_back();
  }

  void inherit_indexes(const std::string& schema, const std::string& name) {
    Table* child = names_.table(schema, name);
    const Table* parent =
        child && child->is_partition() ? names_.table(child->parent_schema, child->parent_name) : nullptr;
    if (!parent) return;
    std::vector<const Table*> above{parent};
    for (const auto& pi : parent->indexes) index_partition(*child, PartitionedIndex(pi, parent->schema), above);
  }

  // ---- ALTER TABLE -------------------------------------------------------------------

  void alter_table(const sql::Node& stmt) {
    sql::Node rel = stmt.field("relation");
    if (stmt.str("objtype") == "OBJECT_INDEX") {
      for (sql::Node cmd : stmt.list("cmds"))
        if (cmd.str("subtype") == "AT_AttachPartition") attach_index(rel, cmd.field("def").field("name"));
      return;
    }
    Table* t = existing(rel);
    if (!t) return wait_for(rel);
    std::string schema = t->schema, table = t->name;
    for (sql::Node cmd : stmt.list("cmds")) {
      t = names_.table(schema, table);
      if (!t) return;
      std::string_view sub = cmd.str("subtype");
      std::string col(cmd.str("name"));
      if (sub == "AT_AddColumn") {
        sql::Node def = cmd.field("def");
        if (t->column(def.str("colname"))) continue;
        Column c{std::string(def.str("colname")), catalog::type_name(def.field("typeName")), false};
        std::vector<sql::Node> cons;
        for (sql::Node con : def.list("constraints")) {
          std::string_view type = con.str("contype");
          if (type == "CONSTR_NOTNULL" || type == "CONSTR_PRIMARY" || type == "CONSTR_IDENTITY") c.not_null = true;
          cons.push_back(con);
        }
        if (is_serial(def.field("typeName"))) c.not_null = true;
        std::string name = c.name;
        add_column_everywhere(schema, table, c);
        for (sql::Node con : cons) add_constraint(schema, table, con, {name});
      } else if (sub == "AT_DropColumn") {
        drop_column(schema, table, col);
      } else if (sub == "AT_AlterColumnType") {
        std::string type = catalog::type_name(cmd.field("def").field("typeName"));
        for_each_in_tree(schema, table, [&](Table& x) {
          if (Column* c = x.column(col)) c->type = type;
        });
      } else if (sub == "AT_SetNotNull" || sub == "AT_DropNotNull") {
        bool nn = sub == "AT_SetNotNull";
        for_each_in_tree(schema, table, [&](Table& x) {
          if (Column* c = x.column(col)) c->not_null = nn;
        });
      } else if (sub == "AT_AddConstraint") {
        add_constraint(schema, table, cmd.field("def"), {});
      } else if (sub == "AT_DropConstraint") {
        drop_constraint(*t, col);
      } else if (sub == "AT_AttachPartition") {
        attach_partition(schema, table, cmd.field("def"));
      } else if (sub == "AT_DetachPartition") {
        if (Table* child = existing(cmd.field("def").field("name"))) {
          if (child->parent_schema == schema && child->parent_name == table) {
            child->parent_schema.clear();
            child->parent_name.clear();
            names_.partitions_changed();
            child->bound.clear();
            for (auto& i : child->indexes) i.parent_index.clear();
            names_.note_unattached_index(*child);
          }
        }
      }
    }
  }

  // Calls f on the table and every partition under it, each once: the partition graph is a
  // tree, and should it ever loop the walk still ends.
  template <class F>
  void for_each_in_tree(const std::string& schema, const std::string& table, F&& f) {
    std::vector<std::pair<std::string, std::string>> queue{{schema, table}};
    std::set<std::pair<std::string, std::string>> seen;
    for (size_t i = 0; i < queue.size(); ++i) {
      Table* t = names_.table(queue[i].first, queue[i].second);
      if (!t || !seen.insert(queue[i]).second) continue;
      f(*t);
      for (const Table* c : names_.partitions(*t)) queue.emplace_back(c->schema, c->name);
    }
  }

  // Whether `t` is `of` or a partition somewhere under it.
  bool is_within(const Table& t, const Table& of) {
    const Table* at = &t;
    for (size_t steps = 0; steps <= std::as_const(catalog_).tables().size(); ++steps) {
      if (at == &of) return true;
      if (!at->is_partition()) return false;
      at = names_.table(at->parent_schema, at->parent_name);
      if (!at) return false;
    }
    return true;  // the parents loop: no attach may add to that
  }

  void add_column_everywhere(const std::string& schema, const std::string& table, const Column& c) {
    for_each_in_tree(schema, table, [&](Table& x) {
      if (!x.column(c.name)) x.columns.push_back(c);
    });
  }

  static bool index_uses(const Index& i, const std::string& col) {
    for (const auto& k : i.keys) {
      if (k.column == col) return true;
      if (k.is_expression() && catalog::mentions_identifier(k.expression, col)) return true;
    }
    return std::find(i.include.begin(), i.include.end(), col) != i.include.end() ||
        catalog::mentions_identifier(i.predicate, col);
  }

  void drop_column(const std::string& schema, const std::string& table, const std::string& col) {
    // PostgreSQL refuses to drop a column the table does not have (IF EXISTS only turns the
    // error into a notice): nothing changes, and the indexes of a partitioned tree, tens of
    // thousands over a migration history, are not searched for one.
    const Table* root = names_.table(schema, table);
    if (!root || !root->column(col)) return;
    for_each_in_tree(schema, table, [&](Table& x) {
      std::erase_if(x.columns, [&](const Column& c) { return c.name == col; });
      // PostgreSQL drops the indexes and constraints that depend on the column.
      std::erase_if(x.indexes, [&](const Index& i) {
        if (!index_uses(i, col)) return false;
        names_.forget_index(x.schema, i.name);
        return true;
      });
      std::erase_if(x.constraints, [&](const Constraint& c) {
        return std::find(c.columns.begin(), c.columns.end(), col) != c.columns.end();
      });
    });
    for (auto& other : catalog_.tables())
      std::erase_if(other.constraints, [&](const Constraint& c) {
        return c.kind == ConstraintKind::foreign_key && c.ref_schema == schema && c.ref_table == table &&
            std::find(c.ref_columns.begin(), c.ref_columns.end(), col) != c.ref_columns.end();
      });
  }

  void drop_constraint(Table& t, const std::string& name) {
    std::string schema = t.schema, table = t.name;
    auto it =
        std::find_if(t.constraints.begin(), t.constraints.end(), [&](const Constraint& c) { return c.name == name; });
    if (it == t.constraints.end()) return;
    bool had_index = it->kind != ConstraintKind::foreign_key;
    t.constraints.erase(it);
    if (had_index) drop_index(schema, name);
  }

  void attach_partition(const std::string& schema, const std::string& table, const sql::Node& cmd) {
    Table* parent = names_.table(schema, table);
    Table* child = existing(cmd.field("name"));
    // PostgreSQL refuses a table that is already a partition, and one the parent is itself a
    // partition of ("circular inheritance not allowed").
    if (!parent || !child || !parent->is_partitioned() || child->is_partition() || is_within(*parent, *child)) return;
    child->parent_schema = schema;
    child->parent_name = table;
    names_.partitions_changed();
    child->bound = bound_text(cmd.field("bound"));
    std::string cs = child->schema, cn = child->name;
    inherit_indexes(cs, cn);
  }

  void attach_index(const sql::Node& parent_rv, const sql::Node& child_rv) {
    auto [pt, pi] = catalog_.find_index(parent_rv.str("schemaname"), parent_rv.str("relname"));
    auto [ct, ci] = catalog_.find_index(child_rv.str("schemaname"), child_rv.str("relname"));
    if (!pi || !ci || ct->parent_schema != pt->schema || ct->parent_name != pt->name) return;
    ci->parent_index = fmt::format("{}.{}", pt->schema, pi->name);
    std::string parent_ref = ci->parent_index;
    // The parent index becomes valid once every partition has its index attached.
    bool all = true;
    for (const Table* p : catalog_.partitions_of(*pt))
      all = all && std::any_of(p->indexes.begin(), p->indexes.end(), [&](const Index& i) {
              return i.parent_index == parent_ref;
            });
    if (all) pi->valid = true;
  }

  // ---- RENAME / SET SCHEMA / DROP ----------------------------------------------------

  void rename(const sql::Node& stmt) {
    std::string_view type = stmt.str("renameType");
    sql::Node rel = stmt.field("relation");
    std::string newname(stmt.str("newname"));
    if (type == "OBJECT_INDEX") {
      auto [t, i] = catalog_.find_index(rel.str("schemaname"), rel.str("relname"));
      if (!i || catalog_.find_index(t->schema, newname).first) return;
      std::string old = fmt::format("{}.{}", t->schema, i->name);
      names_.forget_index(t->schema, i->name);
      names_.note_index(t->schema, newname);
      i->name = newname;
      for (auto& c : t->constraints)
        if (c.kind != ConstraintKind::foreign_key && fmt::format("{}.{}", t->schema, c.name) == old) c.name = newname;
      retarget_parent_index(old, fmt::format("{}.{}", t->schema, newname));
      return;
    }
    Table* t = existing(rel);
    if (!t) return;
    if (type == "OBJECT_COLUMN") {
      std::string old(stmt.str("subname"));
      if (!t->column(old) || t->column(newname)) return;
      std::string schema = t->schema, table = t->name;
      for_each_in_tree(schema, table, [&](Table& x) { rename_column(x, old, newname); });
      for (auto& other : catalog_.tables())
        for (auto& c : other.constraints)
          if (c.kind == ConstraintKind::foreign_key && c.ref_schema == schema && c.ref_table == table)
            std::replace(c.ref_columns.begin(), c.ref_columns.end(), old, newname);
    } else if (type == "OBJECT_TABCONSTRAINT") {
      std::string old(stmt.str("subname"));
      for (auto& c : t->constraints)
        if (c.name == old) c.name = newname;
      for (auto& i : t->indexes) {
        if (i.name != old) continue;
        names_.forget_index(t->schema, i.name);
        names_.note_index(t->schema, newname);
        i.name = newname;
      }
    } else if (type == "OBJECT_TABLE" || type == "OBJECT_VIEW" || type == "OBJECT_MATVIEW") {
      move_table(*t, t->schema, newname);
    }
  }

  // Canonical expression text with the identifier `old` renamed (string literals untouched).
  static std::string rename_identifier(const std::string& text, const std::string& old, const std::string& now) {
    std::string out;
    bool quoted = false;
    auto ident = [](char ch) { return ch == '_' || std::isalnum(static_cast<unsigned char>(ch)); };
    for (size_t i = 0; i < text.size();) {
      if (text[i] == '\'') quoted = !quoted;
      if (!quoted && text.compare(i, old.size(), old) == 0 && (i == 0 || !ident(text[i - 1])) &&
          (i + old.size() >= text.size() || !ident(text[i + old.size()]))) {
        out += now;
        i += old.size();
        continue;
      }
      out += text[i++];
    }
    return out;
  }

  static void rename_column(Table& t, const std::string& old, const std::string& now) {
    if (Column* c = t.column(old)) c->name = now;
    auto rename_in = [&](std::string& text) {
      if (catalog::mentions_identifier(text, old)) text = rename_identifier(text, old, now);
    };
    for (auto& i : t.indexes) {
      for (auto& k : i.keys) {
        if (k.column == old) k.column = now;
        if (k.is_expression()) rename_in(k.expression);
      }
      std::replace(i.include.begin(), i.include.end(), old, now);
      rename_in(i.predicate);
    }
    for (auto& c : t.constraints) std::replace(c.columns.begin(), c.columns.end(), old, now);
    if (t.partitioning) std::replace(t.partitioning->keys.begin(), t.partitioning->keys.end(), old, now);
  }

  void retarget_parent_index(const std::string& old, const std::string& now) {
    for (auto& t : catalog_.tables())
      for (auto& i : t.indexes)
        if (i.parent_index == old) i.parent_index = now;
  }

  void move_table(Table& t, const std::string& schema, const std::string& name) {
    if (catalog_.find_table(schema, name)) return;
    std::string old_schema = t.schema, old_name = t.name;
    for (auto& other : catalog_.tables()) {
      if (other.parent_schema == old_schema && other.parent_name == old_name) {
        other.parent_schema = schema;
        other.parent_name = name;
        names_.partitions_changed();
      }
      for (auto& c : other.constraints)
        if (c.ref_schema == old_schema && c.ref_table == old_name) {
          c.ref_schema = schema;
          c.ref_table = name;
        }
    }
    Table* moved = catalog_.find_table(old_schema, old_name);
    if (schema != old_schema)
      for (const auto& i : moved->indexes)
        retarget_parent_index(fmt::format("{}.{}", old_schema, i.name), fmt::format("{}.{}", schema, i.name));
    moved = catalog_.find_table(old_schema, old_name);
    names_.forget_table(*moved);
    moved->schema = schema;
    moved->name = name;
    names_.note_table_and_indexes(*moved);
    catalog_.add_schema(schema);
    if (name != old_name) note_gone(old_name);
    note_created(name);
  }

  void set_schema(const sql::Node& stmt) {
    std::string_view type = stmt.str("objectType");
    if (type != "OBJECT_TABLE" && type != "OBJECT_VIEW" && type != "OBJECT_MATVIEW") return;
    Table* t = existing(stmt.field("relation"));
    if (!t) return;
    std::string name = t->name;
    move_table(*t, std::string(stmt.str("newschema")), name);
  }

  void drop_index(const std::string& schema, const std::string& name) {
    auto [t, i] = catalog_.find_index(schema, name);
    if (!i) return;
    std::string ref = fmt::format("{}.{}", t->schema, name);
    std::erase_if(t->indexes, [&](const Index& x) { return x.name == name; });
    names_.forget_index(t->schema, name);
    // Indexes of partitions attached to it go with it.
    std::vector<std::pair<std::string, std::string>> children;
    for (const auto& other : catalog_.tables())
      for (const auto& x : other.indexes)
        if (x.parent_index == ref) children.emplace_back(other.schema, x.name);
    for (const auto& [s, n] : children) drop_index(s, n);
  }

  void drop(const sql::Node& stmt) {
    std::string_view type = stmt.str("removeType");
    for (sql::Node obj : stmt.list("objects")) {
      if (type == "OBJECT_SCHEMA") {
        catalog_.drop_schema(obj.is("String") ? obj.sval() : std::string_view());
        names_.invalidate();  // the other tables moved in the catalog
        continue;
      }
      catalog::QualifiedName q = catalog::qualified(obj.list("items"));
      if (type == "OBJECT_INDEX") {
        drop_index(q.schema, q.name);
      } else if (type == "OBJECT_TABLE" || type == "OBJECT_VIEW" || type == "OBJECT_MATVIEW") {
        const Table* t = catalog_.find_table(q.schema, q.name);
        if (!t) continue;
        std::string s = t->schema, n = t->name;
        if (!t->is_partition() && t->kind != RelationKind::view) catalog_.retire_table(*t);
        catalog_.drop_table(s, n);
        note_gone(n);
        names_.invalidate();  // the other tables moved in the catalog
        for (auto& other : catalog_.tables())
          std::erase_if(other.constraints, [&](const Constraint& c) {
            return c.kind == ConstraintKind::foreign_key && c.ref_schema == s && c.ref_table == n;
          });
      }
    }
  }

  // ---- views -------------------------------------------------------------------------

  static std::vector<std::string> output_names(const sql::Node& select) {
    std::vector<std::string> out;
    for (sql::Node target : select.list("targetList")) {
      if (!target.str("name").empty()) {
        out.emplace_back(target.str("name"));
        continue;
      }
      sql::Node v = target.field("val");
      if (v.is("ColumnRef")) {
        sql::List f = v.list("fields");
        sql::Node last = f[f.size() - 1];
        out.emplace_back(last.is("A_Star") ? "*" : std::string(last.sval()));
      } else if (v.is("FuncCall")) {
        sql::List f = v.list("funcname");
        out.emplace_back(f[f.size() - 1].sval());
      } else {
        out.emplace_back("?column?");
      }
    }
    return out;
  }

  void add_view(const sql::Node& rv, RelationKind kind, const sql::List& aliases, const sql::Node& query) {
    Name n = new_name(rv);
    Table t;
    t.schema = n.schema;
    t.name = n.name;
    t.kind = kind;
    t.origin = origin_;
    std::vector<std::string> names = output_names(query.is("SelectStmt") ? query : query.field("SelectStmt"));
    std::vector<std::string> explicit_names = strings(aliases);
    for (size_t i = 0; i < explicit_names.size() && i < names.size(); ++i) names[i] = explicit_names[i];
    if (names.empty()) names = explicit_names;
    for (auto& name : names) {
      if (name == "*" || t.column(name)) continue;
      t.columns.push_back({name, "", false});
    }
    // OR REPLACE over a relation with indexes drops their names: start over.
    Table* replaced = names_.table(t.schema, t.name);
    if (replaced && !replaced->indexes.empty()) names_.invalidate();  // the table keeps its place
    std::string name = t.name;
    names_.note_table(catalog_.add_table(std::move(t), replaced));
    note_created(name);
  }

  void create_view(const sql::Node& stmt) {
    sql::Node rv = stmt.field("view");
    Name n = new_name(rv);
    if (names_.table(n.schema, n.name) && !stmt.boolean("replace")) return;
    add_view(rv, RelationKind::view, stmt.list("aliases"), stmt.field("query"));
  }

  void create_table_as(const sql::Node& stmt) {
    sql::Node into = stmt.field("into");
    sql::Node rv = into.field("rel");
    Name n = new_name(rv);
    if (names_.table(n.schema, n.name)) return;
    RelationKind kind = stmt.str("objtype") == "OBJECT_MATVIEW" ? RelationKind::materialized_view : RelationKind::table;
    add_view(rv, kind, into.list("colNames"), stmt.field("query"));
  }

  // ---- statements read before their table ---------------------------------------------

  // The statement being applied names a table that does not exist: it waits for a table of
  // that name, and applies when one is created (an index file sorting before the tables'
  // file), so the catalog is the same whatever order the schema files come in. A name that
  // belonged to a table since dropped or renamed does not wait: PostgreSQL failed the
  // statement then, and a later table of the name is another table.
  void wait_for(const sql::Node& range_var) {
    std::string name(range_var.str("relname"));
    Catalog::DdlBacklog& backlog = catalog_.ddl_backlog();
    if (statement_text_.empty() || name.empty() || backlog.gone.contains(name)) return;
    if (backlog.waiting_bytes + statement_text_.size() > kMaxWaitingBytes)
      return;  // statements about tables never defined
    backlog.waiting_bytes += statement_text_.size();
    backlog.waiting[name].push_back({std::string(statement_text_), origin_});
  }

  // A table named `name` now exists (created, or renamed to it).
  void note_created(const std::string& name) {
    if (catalog_.ddl_backlog().waiting.contains(name)) created_.push_back(name);
  }

  void note_gone(const std::string& name) { catalog_.ddl_backlog().gone[name] = true; }

  void run_waiting(const std::string& name) {
    Catalog::DdlBacklog& backlog = catalog_.ddl_backlog();
    auto it = backlog.waiting.find(name);
    if (it == backlog.waiting.end()) return;
    std::vector<Catalog::DdlBacklog::Waiting> statements = std::move(it->second);
    backlog.waiting.erase(it);
    std::string origin = origin_;
    for (const auto& w : statements) {
      catalog_.ddl_backlog().waiting_bytes -= w.text.size();
      sql::Parser parser;  // the tree lives while it applies
      if (auto root = parser.parse_one(w.text)) {
        origin_ = w.origin;
        apply(*root, w.text);  // waits again if its schema still has no such table
      }
    }
    origin_ = std::move(origin);
  }

  static constexpr size_t kMaxWaitingBytes = 16u << 20;

  Catalog& catalog_;
  RelationNames names_;
  std::string origin_;
  std::vector<std::pair<std::string, sql::Node>> column_constraints_;
  std::string_view statement_text_;   // of the statement being applied
  std::vector<std::string> created_;  // tables it created that statements wait for
};

}  // namespace

namespace catalog {
namespace {
// One statement parsed on its own; the callback sees its root while the tree lives.
template <class F>
void with_statement(const std::string& sql, F&& f) {
  sql::Parser parser;
  if (auto root = parser.parse_one(sql)) f(*root);
}
}  // namespace

std::optional<Index> index_from_definition(std::string_view create_index) {
  std::optional<Index> out;
  with_statement(std::string(create_index), [&](const sql::Node& root) {
    if (root.is("IndexStmt")) out = index_of(root);
  });
  return out;
}

std::optional<Partitioning> partitioning_from_definition(std::string_view partkeydef) {
  std::optional<Partitioning> out;
  with_statement(fmt::format("CREATE TABLE t () PARTITION BY {}", partkeydef), [&](const sql::Node& root) {
    if (sql::Node spec = root.field("partspec")) out = partitioning_of(spec);
  });
  return out;
}

std::string bound_from_definition(std::string_view bound) {
  std::string out;
  with_statement(fmt::format("CREATE TABLE t PARTITION OF p {}", bound),
                 [&](const sql::Node& root) { out = bound_text(root.field("partbound")); });
  return out;
}

}  // namespace catalog

namespace {

bool starts_like_ddl(std::string_view text, const sql::StatementSpan& st) {
  std::string_view head = text.substr(st.span.begin, std::min<size_t>(8, st.span.end - st.span.begin));
  auto starts = [&](std::string_view word) {
    if (head.size() < word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i)
      if (std::toupper(static_cast<unsigned char>(head[i])) != word[i]) return false;
    return true;
  };
  return starts("CREATE") || starts("ALTER") || starts("DROP");
}

}  // namespace

namespace catalog {
namespace {
// 1: a byte of a name; 2: the first letter of one of the words.
constexpr auto kDdlWordClass = [] {
  std::array<uint8_t, 256> table{};
  for (int c = 0; c < 256; ++c)
    table[c] = c >= 0x80 || c == '_' || c == '$' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
  for (unsigned char c : std::string_view("cCaAdD")) table[c] |= 2;
  return table;
}();
bool is_name_byte(char ch) { return kDdlWordClass[static_cast<unsigned char>(ch)] & 1; }

// Whether CREATE, ALTER or DROP, whole, starts at text[i] (a c, a or d not inside a name).
bool ddl_word_at(std::string_view text, size_t i) {
  char c = static_cast<char>(text[i] | 0x20);
  std::string_view word = c == 'c' ? "create" : c == 'a' ? "alter" : "drop";
  if (i + word.size() > text.size()) return false;
  for (size_t k = 1; k < word.size(); ++k)
    if ((text[i + k] | 0x20) != word[k]) return false;
  return i + word.size() == text.size() || !is_name_byte(text[i + word.size()]);
}
}  // namespace

// Whether the word CREATE, ALTER or DROP (in any case, not part of a longer name) is anywhere
// in the text. A text without one holds no DDL statement, and is not lexed: that is most
// files of queries, at a fraction of a lexing pass.
bool may_hold_ddl(std::string_view text) {
  size_t i = 0;
#ifdef __SSE2__
  // Sixteen bytes at a time: the c, a and d (either case) that begin a name are found by mask,
  // and only those are read as the start of a word.
  auto in_range = [](__m128i v, char lo, char hi) {  // lo <= byte <= hi, unsigned
    __m128i shifted = _mm_sub_epi8(v, _mm_set1_epi8(lo));
    return _mm_cmpeq_epi8(_mm_min_epu8(shifted, _mm_set1_epi8(static_cast<char>(hi - lo))), shifted);
  };
  unsigned previous_is_name = 0;  // whether the byte before the block is a byte of a name
  for (; i + 16 <= text.size(); i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    __m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
    __m128i first =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(lower, _mm_set1_epi8('c')), _mm_cmpeq_epi8(lower, _mm_set1_epi8('a'))),
                     _mm_cmpeq_epi8(lower, _mm_set1_epi8('d')));
    __m128i name =
        _mm_or_si128(_mm_or_si128(in_range(lower, 'a', 'z'), in_range(v, '0', '9')),
                     _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('_')), _mm_cmpeq_epi8(v, _mm_set1_epi8('$'))));
    auto name_bits = static_cast<unsigned>(_mm_movemask_epi8(name) | _mm_movemask_epi8(v));  // v's sign: >= 0x80
    auto starts = static_cast<unsigned>(_mm_movemask_epi8(first)) & ~((name_bits << 1) | previous_is_name) & 0xFFFFu;
    for (; starts; starts &= starts - 1)
      if (ddl_word_at(text, i + static_cast<size_t>(std::countr_zero(starts)))) return true;
    previous_is_name = (name_bits >> 15) & 1u;
  }
#endif
  for (; i < text.size(); ++i) {
    if (!(kDdlWordClass[static_cast<unsigned char>(text[i])] & 2) || (i > 0 && is_name_byte(text[i - 1]))) continue;
    if (ddl_word_at(text, i)) return true;
  }
  return false;
}
}  // namespace catalog

namespace {

// The runs of consecutive DDL statements of a file. Only DDL reaches the parser (a file of
// queries costs one lexing pass), and each run is parsed on its own: the parser parses a few
// KiB at a time from the first statement given to the last, so a query between two DDL
// statements would be parsed too, and then the mismatch in count would make it parse every
// statement of that chunk again one by one.
// `lexed` gets the lex of the whole text, when it is lexed.
std::vector<std::vector<sql::StatementSpan>> ddl_runs(std::string_view text, sql::Lexed& lexed) {
  if (!catalog::may_hold_ddl(text)) return {};
  lexed = sql::lex(text);
  std::vector<std::vector<sql::StatementSpan>> runs;
  bool in_run = false;
  for (const auto& st : lexed.statements) {
    bool ddl = starts_like_ddl(text, st);
    if (ddl && !in_run) runs.emplace_back();
    if (ddl) runs.back().push_back(st);
    in_run = ddl;
  }
  return runs;
}

bool is_modelled_ddl(const sql::Node& root) {
  std::string_view k = root.kind();
  return k.starts_with("Create") || k.starts_with("Alter") || k.starts_with("Drop") || k == "IndexStmt" ||
      k == "RenameStmt" || k == "ViewStmt";
}

// Parsed DDL is applied in pieces of about this much text: a piece's trees take some twenty
// times its size, and a schema file may be large.
constexpr uint32_t kPieceBytes = 32 * 1024;

// The text of one DDL source, shared by its pieces.
struct DdlSource {
  std::string origin;  // as facts name it ("db/schema.sql"); empty for none
  std::string text;
  LineIndex lines;
};

// A run of DDL statements, parsed, ready to apply; or the error that ends the load.
struct DdlPiece {
  std::shared_ptr<const DdlSource> source;
  std::optional<sql::ParsedStatements> parsed;
  std::optional<std::string> error;
  unsigned owner = 0;  // the loading thread that parsed it, and must free it
};

// Parses the DDL of `text` and hands it to `emit` piece by piece, in order, while `emit`
// returns true; `on_parsed`, if any, sees each piece first. Returns false when it stopped.
template <class Emit>
bool parse_ddl_text(std::string origin, std::string text, Emit&& emit, const std::filesystem::path* file = nullptr,
                    const ParsedDdlHook* on_parsed = nullptr) {
  sql::Lexed lexed;
  auto runs = ddl_runs(text, lexed);
  if (runs.empty()) return true;
  auto source = std::make_shared<DdlSource>();
  source->origin = std::move(origin);
  source->text = std::move(text);
  source->lines = LineIndex(source->text);
  bool first_piece = true;
  for (const auto& run : runs) {
    for (size_t i = 0; i < run.size();) {
      size_t j = i + 1;
      while (j < run.size() && run[j].end - run[i].span.begin <= kPieceBytes) ++j;
      std::vector<sql::StatementSpan> piece(run.begin() + static_cast<ptrdiff_t>(i),
                                            run.begin() + static_cast<ptrdiff_t>(j));
      sql::ParsedStatements parsed(source->text, piece);
      if (on_parsed && *on_parsed) (*on_parsed)(ParsedDdl{*file, source->text, lexed, parsed, first_piece});
      first_piece = false;
      if (!emit(DdlPiece{source, std::move(parsed), std::nullopt})) return false;
      i = j;
    }
  }
  return true;
}

void apply_piece(DdlLoader& loader, const DdlPiece& piece) {
  const DdlSource& source = *piece.source;
  for (const auto& st : piece.parsed->statements()) {
    if (!st.root || !is_modelled_ddl(st.root)) continue;
    loader.set_origin(source.origin.empty()
                          ? std::string()
                          : fmt::format("{}:{}", source.origin, source.lines.line_of(st.span.begin) + 1));
    loader.apply(st.root, std::string_view(source.text).substr(st.span.begin, st.span.end - st.span.begin));
  }
}

}  // namespace

void load_ddl(Catalog& catalog, std::string_view text, std::string_view origin) {
  DdlLoader loader(catalog, std::string(origin));
  parse_ddl_text(std::string(origin), std::string(text), [&](const DdlPiece& piece) {
    apply_piece(loader, piece);
    return true;
  });
}

namespace {
// The file's text as the linter reads SQL (decode_source): a BOM dropped; NUL bytes or bytes
// that are not UTF-8 are an error naming the file and the place.
std::optional<std::string> read_ddl_file(const std::filesystem::path& file, std::string& text,
                                         const PrereadFiles* preread) {
  std::string bytes;
  auto known = preread ? preread->find(file.string()) : PrereadFiles::const_iterator();
  if (preread && known != preread->end()) bytes = known->second;
  else if (auto err = read_bytes(file.string(), bytes)) return fmt::format("schema file {}: {}", file.string(), *err);
  SourceFile decoded;
  DecodeError error;
  if (!decode_source(file.string(), std::move(bytes), decoded, error))
    return fmt::format("schema file {}:{}:{}: {}", file.string(), error.position.line, error.position.column,
                       error.message);
  text = std::move(decoded.text);
  return std::nullopt;
}

// What load_ddl_paths loads, in load order: a schema file, or the error met on a path.
struct DdlUnit {
  std::filesystem::path file;
  std::optional<std::string> error;
  bool named = false;  // the path named the file itself, not a directory above it
};

// The paths expanded to files, directories recursed for *.sql in path order (migrations apply
// in that order). A path that cannot be read is skipped or, with UnreadableDdl::fail, its error
// is the last unit.
std::vector<DdlUnit> ddl_units(const std::vector<std::string>& paths, const std::filesystem::path& root,
                               UnreadableDdl unreadable) {
  namespace fs = std::filesystem;
  bool skip = unreadable == UnreadableDdl::skip;
  std::vector<DdlUnit> units;
  for (const auto& p : paths) {
    fs::path path = fs::path(p).is_absolute() ? fs::path(p) : root / p;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> files;
      for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file() && it->path().extension() == ".sql") files.push_back(it->path());
      if (ec && !skip) {
        units.push_back({{}, fmt::format("schema path {}: {}", path.string(), ec.message())});
        return units;
      }
      std::sort(files.begin(), files.end());
      for (auto& f : files) units.push_back({std::move(f), std::nullopt});
    } else if (fs::exists(path, ec)) {
      units.push_back({std::move(path), std::nullopt, true});
    } else if (!skip) {
      units.push_back({{}, fmt::format("schema path {}: no such file or directory", path.string())});
      return units;
    }
  }
  return units;
}

// Loads DDL units on one or more threads. Each thread takes the next unit, reads and parses
// it, and hands its pieces in; the caller's thread applies them in load order, and parses a
// unit too whenever nothing is ready to apply. (A thread that only applied waited for the
// parsing one; applying on whichever thread was free cost more than it gained, as the
// catalog's tables then move between the cores' caches.) A thread frees the pieces it
// parsed, as libpg_query wants.
class DdlLoad {
 public:
  DdlLoad(std::vector<DdlUnit> units, const std::filesystem::path& root, UnreadableDdl unreadable,
          const ParsedDdlHook& on_parsed, std::function<bool(const DdlPiece&)> apply, unsigned threads,
          const PrereadFiles* preread)
      : units_(std::move(units)),
        preread_(preread),
        root_(root),
        skip_unreadable_(unreadable == UnreadableDdl::skip),
        on_parsed_(on_parsed),
        apply_(std::move(apply)),
        slots_(units_.size()),
        workers_(threads) {}

  // Runs the load on the caller's thread and threads - 1 more; rethrows what one of them threw
  // (out of memory ...) once all have stopped and freed their pieces.
  void run() {
    std::vector<std::thread> others;
    try {
      for (unsigned w = 1; w < workers_.size(); ++w) others.emplace_back([this, w] { work(w); });
    } catch (const std::system_error&) {
      // No more threads to be had: the ones running do the whole load.
    }
    work(0);
    for (auto& t : others) t.join();
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  struct Slot {  // a unit's pieces parsed and not yet applied
    std::deque<DdlPiece> ready;
    bool complete = false;  // every piece of it is in
  };
  struct Worker {
    std::vector<DdlPiece> to_free;  // its pieces, applied or dropped
    size_t outstanding = 0;         // its pieces not yet freed
  };

  void work(unsigned me) {
    std::unique_lock lock(mu_);
    for (;;) {
      free_mine(me, lock);
      if (stopped_) {
        drop_unapplied(me);
        if (workers_[me].to_free.empty() && workers_[me].outstanding == 0) return;
        if (workers_[me].to_free.empty()) changed_.wait(lock);
        continue;
      }
      if (me == kApplier && apply_ready(lock)) continue;
      if (next_unit_ < units_.size()) {
        size_t unit = next_unit_++;
        lock.unlock();
        parse_unit(unit, me);
        lock.lock();
        slots_[unit].complete = true;
        changed_.notify_all();
        continue;
      }
      if (workers_[me].outstanding == 0 && (me != kApplier || applying_unit_ == slots_.size())) return;
      changed_.wait(lock);
    }
  }

  // Reads and parses one unit, handing in its pieces.
  void parse_unit(size_t unit, unsigned me) {
    try {
      const DdlUnit& u = units_[unit];
      if (u.error) {
        hand_in(unit, me, DdlPiece{nullptr, std::nullopt, u.error});
        return;
      }
      std::string text;
      if (auto err = read_ddl_file(u.file, text, preread_)) {
        if (!skip_unreadable_) hand_in(unit, me, DdlPiece{nullptr, std::nullopt, std::move(err)});
        return;
      }
      std::error_code rel_ec;
      std::filesystem::path shown = std::filesystem::relative(u.file, root_, rel_ec);
      bool outside = rel_ec || shown.empty() || *shown.begin() == "..";
      size_t pieces = 0;
      parse_ddl_text((outside ? u.file : shown).string(), std::move(text),
                     [&](DdlPiece piece) {
                       ++pieces;
                       return hand_in(unit, me, std::move(piece));
                     },
                     &u.file, &on_parsed_);
      // A schema file named in the config that is not a .sql file and gives the catalog
      // nothing is a mistake to report (a README named by mistake), not a schema.
      if (pieces == 0 && u.named && !skip_unreadable_ && u.file.extension() != ".sql")
        hand_in(unit, me,
                DdlPiece{nullptr, std::nullopt,
                         fmt::format("schema file {}: no DDL statement in it (CREATE TABLE, CREATE INDEX, "
                                     "ALTER TABLE ...): is it SQL?",
                                     u.file.string())});
    } catch (...) { fail(std::current_exception()); }
  }

  // A parsed piece of `unit`; on the applying thread, then applies what is ready. Waits while
  // the pieces not yet applied hold kInFlightBytes of text (their trees some twenty times
  // that), unless this unit is the one applying: memory stays bounded whatever the schema's
  // size. False when the load stopped: parse no more.
  bool hand_in(size_t unit, unsigned me, DdlPiece piece) {
    std::unique_lock lock(mu_);
    size_t size = bytes(piece);
    for (;;) {
      free_mine(me, lock);
      if (stopped_) break;
      skip_applied_units();
      if (unit == applying_unit_ || in_flight_bytes_ + size <= kInFlightBytes) break;
      if (me != kApplier || !apply_ready(lock)) changed_.wait(lock);
    }
    piece.owner = me;
    if (stopped_) {
      workers_[me].to_free.push_back(std::move(piece));
      ++workers_[me].outstanding;
      return false;
    }
    slots_[unit].ready.push_back(std::move(piece));
    ++workers_[me].outstanding;
    in_flight_bytes_ += size;
    changed_.notify_all();
    if (me == kApplier) apply_ready(lock);
    return !stopped_;
  }

  // Applying thread: applies the pieces that are next in load order. True when it applied one.
  bool apply_ready(std::unique_lock<std::mutex>& lock) {
    bool applied = false;
    for (;;) {
      skip_applied_units();
      if (stopped_ || applying_unit_ == slots_.size() || slots_[applying_unit_].ready.empty()) break;
      DdlPiece piece = std::move(slots_[applying_unit_].ready.front());
      slots_[applying_unit_].ready.pop_front();
      in_flight_bytes_ -= bytes(piece);
      lock.unlock();
      bool go = false;
      std::exception_ptr thrown;
      try {
        go = apply_(piece);
      } catch (...) { thrown = std::current_exception(); }
      lock.lock();
      workers_[piece.owner].to_free.push_back(std::move(piece));
      applied = true;
      if (thrown) failure_ = failure_ ? failure_ : thrown;
      if (!go) stopped_ = true;
    }
    if (applied) changed_.notify_all();
    return applied;
  }

  void skip_applied_units() {
    while (applying_unit_ < slots_.size() && slots_[applying_unit_].complete && slots_[applying_unit_].ready.empty())
      ++applying_unit_;
  }

  void fail(std::exception_ptr e) {
    std::lock_guard lock(mu_);
    if (!failure_) failure_ = e;
    stopped_ = true;
    changed_.notify_all();
  }

  // Once stopped: the pieces this thread parsed that will never apply.
  void drop_unapplied(unsigned me) {
    for (auto& slot : slots_) {
      for (auto it = slot.ready.begin(); it != slot.ready.end();) {
        if (it->owner != me) {
          ++it;
          continue;
        }
        in_flight_bytes_ -= bytes(*it);
        workers_[me].to_free.push_back(std::move(*it));
        it = slot.ready.erase(it);
      }
    }
  }

  void free_mine(unsigned me, std::unique_lock<std::mutex>& lock) {
    Worker& w = workers_[me];
    if (w.to_free.empty()) return;
    std::vector<DdlPiece> done = std::move(w.to_free);
    w.to_free.clear();
    w.outstanding -= done.size();
    lock.unlock();
    done.clear();  // the trees go here, on the thread that parsed them
    lock.lock();
    changed_.notify_all();
  }

  static size_t bytes(const DdlPiece& piece) {
    if (!piece.parsed || piece.parsed->statements().empty()) return 0;  // an error
    const auto& statements = piece.parsed->statements();
    return statements.back().end - statements.front().span.begin;
  }

  static constexpr size_t kInFlightBytes = 256 * 1024;
  static constexpr unsigned kApplier = 0;  // the caller's thread

  const std::vector<DdlUnit> units_;
  const PrereadFiles* preread_;
  const std::filesystem::path& root_;
  const bool skip_unreadable_;
  const ParsedDdlHook& on_parsed_;
  const std::function<bool(const DdlPiece&)> apply_;

  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<Slot> slots_;  // by unit
  std::vector<Worker> workers_;
  size_t next_unit_ = 0;      // the next to parse
  size_t applying_unit_ = 0;  // the unit whose pieces apply next
  size_t in_flight_bytes_ = 0;
  bool stopped_ = false;
  std::exception_ptr failure_;
};
}  // namespace

std::optional<std::string> load_ddl_paths(Catalog& catalog, const std::vector<std::string>& paths,
                                          const std::filesystem::path& root, UnreadableDdl unreadable, unsigned threads,
                                          const ParsedDdlHook& on_parsed, const PrereadFiles* preread) {
  std::vector<DdlUnit> units = ddl_units(paths, root, unreadable);
  DdlLoader loader(catalog, std::string());
  std::optional<std::string> error;
  // Applies a piece; false at an error, which ends the load.
  auto apply = [&](const DdlPiece& piece) {
    if (piece.error) {
      error = piece.error;
      return false;
    }
    // A schema statement that does not parse would leave its table out of the catalog
    // without a word; the linted files' own are the lint's to report.
    if (unreadable == UnreadableDdl::fail)
      for (const auto& st : piece.parsed->statements())
        if (st.error && !st.error->too_deep) {
          Position at = piece.source->lines.position(st.error->offset);
          error = fmt::format("schema file {}:{}:{}: {} (fix it or leave the file out of `schema`)",
                              piece.source->origin, at.line, at.column, st.error->message);
          return false;
        }
    apply_piece(loader, piece);
    return true;
  };
  threads = std::clamp<unsigned>(threads, 1, static_cast<unsigned>(std::max<size_t>(units.size(), 1)));
  DdlLoad(std::move(units), root, unreadable, on_parsed, apply, threads, preread).run();
  return error;
}

}  // namespace pglens
