// The DDL loader's index of the catalog's relations by name (relation_names.cpp).
#pragma once

#include <cassert>
#include <charconv>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "catalog/name_table.hpp"
#include "pglens/catalog.hpp"

namespace pglens::ddl {

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

}  // namespace pglens::ddl
