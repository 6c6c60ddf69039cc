// The DDL statements applied to the catalog (ddl_statements.hpp): CREATE TABLE, constraints,
// CREATE INDEX, ALTER TABLE, RENAME / SET SCHEMA / DROP, views, and statements read before
// their table.
#include "catalog/ddl_statements.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "catalog/ddl_definitions.hpp"
#include "catalog/names.hpp"
#include "catalog/relation_names.hpp"
#include "sql/parser.hpp"
#include "sql/pg_names.hpp"

namespace pg = pglens::sql::pg;

namespace pglens::ddl {

using catalog::deparse;

class DdlLoader {
 public:
  DdlLoader(Catalog& c, std::string origin) : catalog_(c), names_(c), origin_(std::move(origin)) {}

  // `text`: the statement's own text, kept when it names a table not created yet (see wait_for).
  void apply(const sql::Node& stmt, std::string_view text = {}) {
    std::string_view outer_text = std::exchange(statement_text_, text);
    std::vector<std::string> outer_created = std::move(created_);
    created_.clear();
    std::string_view k = stmt.kind();
    if (k == pg::CreateSchemaStmt) catalog_.add_schema(stmt.str(pg::schemaname));
    else if (k == pg::CreateStmt) create_table(stmt);
    else if (k == pg::IndexStmt) create_index(stmt);
    else if (k == pg::AlterTableStmt) alter_table(stmt);
    else if (k == pg::RenameStmt) rename(stmt);
    else if (k == pg::AlterObjectSchemaStmt) set_schema(stmt);
    else if (k == pg::DropStmt) drop(stmt);
    else if (k == pg::ViewStmt) create_view(stmt);
    else if (k == pg::CreateTableAsStmt) create_table_as(stmt);
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
    std::string schema(range_var.str(pg::schemaname));
    if (schema.empty()) schema = catalog_.default_schema();
    return {schema, std::string(range_var.str(pg::relname))};
  }

  Table* existing(const sql::Node& range_var) {
    return names_.table(range_var.str(pg::schemaname), range_var.str(pg::relname));
  }

  static std::vector<std::string> strings(const sql::List& list) {
    std::vector<std::string> out;
    for (sql::Node s : list) out.emplace_back(s.sval());
    return out;
  }

  // ---- CREATE TABLE ------------------------------------------------------------------

  void create_table(const sql::Node& stmt) {
    sql::Node rel = stmt.field(pg::relation);
    Name n = new_name(rel);
    if (names_.table(n.schema, n.name)) return;  // IF NOT EXISTS, or an error in PostgreSQL
    Table t;
    t.schema = n.schema;
    t.name = n.name;
    t.origin = origin_;
    std::vector<sql::Node> table_constraints = add_elements(stmt, t);
    sql::Node parent_rv;
    if (stmt.has(pg::partbound)) {
      for (sql::Node p : stmt.list(pg::inhRelations)) parent_rv = p;
    } else {
      inherit_columns(stmt, t);
    }
    const Table* parent = nullptr;
    if (parent_rv) {
      parent = existing(parent_rv);
      if (!parent || !parent->is_partitioned()) {  // PostgreSQL rejects it; so do we
        column_constraints_.clear();
        return;
      }
      become_partition(stmt, *parent, t);
    }
    if (sql::Node spec = stmt.field(pg::partspec)) {
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

  // The columns of CREATE TABLE's elements (their keys wait in column_constraints_ for the
  // table); returns its table constraints.
  std::vector<sql::Node> add_elements(const sql::Node& stmt, Table& t) {
    std::vector<sql::Node> table_constraints;
    for (sql::Node e : stmt.list(pg::tableElts)) {
      if (e.is(pg::ColumnDef)) add_column_def(e, t);
      else if (e.is(pg::Constraint)) table_constraints.push_back(e);
      else if (e.is(pg::TableLikeClause)) add_like_columns(e, t);
    }
    return table_constraints;
  }

  void add_column_def(const sql::Node& def, Table& t) {
    Column c = column_of(def);
    if (t.column(c.name)) return;
    for (sql::Node con : def.list(pg::constraints)) {
      std::string_view type = con.str(pg::contype);
      if (type == pg::CONSTR_PRIMARY || type == pg::CONSTR_UNIQUE || type == pg::CONSTR_FOREIGN)
        column_constraints_.push_back({c.name, con});
    }
    t.columns.push_back(std::move(c));
  }

  void add_like_columns(const sql::Node& like_clause, Table& t) {
    if (const Table* like = existing(like_clause.field(pg::relation)))
      for (const auto& c : like->columns)
        if (!t.column(c.name)) t.columns.push_back(c);
  }

  // A ColumnDef's column: NOT NULL by a constraint that implies it, or as a serial.
  static Column column_of(const sql::Node& def) {
    Column c{std::string(def.str(pg::colname)), catalog::type_name(def.field(pg::typeName)), false};
    for (sql::Node con : def.list(pg::constraints)) {
      std::string_view type = con.str(pg::contype);
      if (type == pg::CONSTR_NOTNULL || type == pg::CONSTR_PRIMARY || type == pg::CONSTR_IDENTITY) c.not_null = true;
    }
    if (is_serial(def.field(pg::typeName))) c.not_null = true;
    return c;
  }

  // INHERITS: the parents' columns come first.
  void inherit_columns(const sql::Node& stmt, Table& t) {
    for (sql::Node p : stmt.list(pg::inhRelations)) {
      const Table* parent = existing(p);
      if (!parent) continue;
      std::vector<Column> cols = parent->columns;
      for (auto& c : t.columns)
        if (std::none_of(cols.begin(), cols.end(), [&](const Column& x) { return x.name == c.name; }))
          cols.push_back(c);
      t.columns = std::move(cols);
    }
  }

  // PARTITION OF: the parent's columns, with this table's constraints on them, and the bound.
  static void become_partition(const sql::Node& stmt, const Table& parent, Table& t) {
    std::vector<Column> cols = parent.columns;
    for (const auto& c : t.columns)  // WITH OPTIONS: only constraints may differ
      for (auto& pc : cols)
        if (pc.name == c.name) pc.not_null = pc.not_null || c.not_null;
    t.columns = std::move(cols);
    t.parent_schema = parent.schema;
    t.parent_name = parent.name;
    t.bound = bound_text(stmt.field(pg::partbound));
  }

  static bool is_serial(const sql::Node& type) {
    sql::List names = type.list(pg::names);
    if (names.empty()) return false;
    std::string_view n = names[names.size() - 1].sval();
    return n.find("serial") != std::string_view::npos;
  }

  // ---- constraints -------------------------------------------------------------------

  void add_constraint(const std::string& schema, const std::string& table, const sql::Node& con,
                      std::vector<std::string> columns) {
    Table* t = names_.table(schema, table);
    if (!t) return;
    Constraint c;
    if (auto kind = constraint_kind(con.str(pg::contype))) c.kind = *kind;
    else return;
    if (c.kind == ConstraintKind::foreign_key) {
      if (columns.empty()) columns = strings(con.list(pg::fk_attrs));
      refer(c, con);
    } else if (columns.empty()) {
      columns = strings(con.list(pg::keys));
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
    c.name =
        con.str(pg::conname).empty() ? chosen_constraint_name(schema, table, c) : std::string(con.str(pg::conname));
    if (std::any_of(t->constraints.begin(), t->constraints.end(),
                    [&](const Constraint& x) { return x.name == c.name; }))
      return;
    bool makes_index = c.kind != ConstraintKind::foreign_key;
    Index idx = makes_index ? constraint_index(c, con) : Index();
    t->constraints.push_back(std::move(c));
    if (makes_index) add_index(schema, table, std::move(idx), true);
  }

  static std::optional<ConstraintKind> constraint_kind(std::string_view contype) {
    if (contype == pg::CONSTR_PRIMARY) return ConstraintKind::primary_key;
    if (contype == pg::CONSTR_UNIQUE) return ConstraintKind::unique;
    if (contype == pg::CONSTR_FOREIGN) return ConstraintKind::foreign_key;
    return std::nullopt;
  }

  // The table and columns a FOREIGN KEY references; `REFERENCES t` alone: t's primary key.
  void refer(Constraint& c, const sql::Node& con) {
    sql::Node pk = con.field(pg::pktable);
    const Table* ref = existing(pk);
    c.ref_schema = ref
        ? ref->schema
        : (pk.str(pg::schemaname).empty() ? catalog_.default_schema() : std::string(pk.str(pg::schemaname)));
    c.ref_table = std::string(pk.str(pg::relname));
    c.ref_columns = strings(con.list(pg::pk_attrs));
    if (c.ref_columns.empty() && ref) {
      for (const auto& rc : ref->constraints)
        if (rc.kind == ConstraintKind::primary_key) c.ref_columns = rc.columns;
    }
  }

  // The name PostgreSQL gives a constraint without one: table_columns_key, table_pkey ...
  std::string chosen_constraint_name(const std::string& schema, const std::string& table, const Constraint& c) {
    std::string_view suffix = c.kind == ConstraintKind::primary_key ? "pkey"
        : c.kind == ConstraintKind::unique                          ? "key"
                                                                    : "fkey";
    return unique_relation_name(
        schema,
        catalog::choose_name(table, c.kind == ConstraintKind::primary_key ? std::vector<std::string>{} : c.columns,
                             suffix));
  }

  // The unique index a PRIMARY KEY or UNIQUE constraint makes.
  Index constraint_index(const Constraint& c, const sql::Node& con) const {
    Index idx;
    idx.name = c.name;
    idx.unique = true;
    idx.primary = c.kind == ConstraintKind::primary_key;
    for (const auto& col : c.columns) idx.keys.push_back({col, {}, false, false});
    for (sql::Node inc : con.list(pg::including)) idx.include.emplace_back(inc.sval());
    idx.origin = origin_;
    return idx;
  }

  // A name not yet taken by a relation (table or index) in the schema: name, name1, name2 ...
  std::string unique_relation_name(const std::string& schema, const std::string& base) {
    return std::string(names_.first_free(schema, RelationNames::Take::check, [&](std::string& out) { out += base; }));
  }

  // ---- CREATE INDEX ------------------------------------------------------------------

  void create_index(const sql::Node& stmt) {
    sql::Node rel = stmt.field(pg::relation);
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
    bool only = !rel.boolean(pg::inh) && t->is_partitioned();
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
    sql::Node rel = stmt.field(pg::relation);
    if (stmt.str(pg::objtype) == pg::OBJECT_INDEX) {
      for (sql::Node cmd : stmt.list(pg::cmds))
        if (cmd.str(pg::subtype) == pg::AT_AttachPartition) attach_index(rel, cmd.field(pg::def).field(pg::name));
      return;
    }
    Table* t = existing(rel);
    if (!t) return wait_for(rel);
    std::string schema = t->schema, table = t->name;
    for (sql::Node cmd : stmt.list(pg::cmds)) {
      t = names_.table(schema, table);
      if (!t) return;
      alter_command(schema, table, *t, cmd);
    }
  }

  // One subcommand of ALTER TABLE on `t`, the table `schema`.`table`.
  void alter_command(const std::string& schema, const std::string& table, Table& t, const sql::Node& cmd) {
    std::string_view sub = cmd.str(pg::subtype);
    std::string col(cmd.str(pg::name));
    if (sub == pg::AT_AddColumn) {
      add_column(schema, table, t, cmd.field(pg::def));
    } else if (sub == pg::AT_DropColumn) {
      drop_column(schema, table, col);
    } else if (sub == pg::AT_AlterColumnType) {
      std::string type = catalog::type_name(cmd.field(pg::def).field(pg::typeName));
      for_each_in_tree(schema, table, [&](Table& x) {
        if (Column* c = x.column(col)) c->type = type;
      });
    } else if (sub == pg::AT_SetNotNull || sub == pg::AT_DropNotNull) {
      bool nn = sub == pg::AT_SetNotNull;
      for_each_in_tree(schema, table, [&](Table& x) {
        if (Column* c = x.column(col)) c->not_null = nn;
      });
    } else if (sub == pg::AT_AddConstraint) {
      add_constraint(schema, table, cmd.field(pg::def), {});
    } else if (sub == pg::AT_DropConstraint) {
      drop_constraint(t, col);
    } else if (sub == pg::AT_AttachPartition) {
      attach_partition(schema, table, cmd.field(pg::def));
    } else if (sub == pg::AT_DetachPartition) {
      detach_partition(schema, table, cmd.field(pg::def).field(pg::name));
    }
  }

  void add_column(const std::string& schema, const std::string& table, const Table& t, const sql::Node& def) {
    if (t.column(def.str(pg::colname))) return;
    Column c = column_of(def);
    std::string name = c.name;
    add_column_everywhere(schema, table, c);
    for (sql::Node con : def.list(pg::constraints)) add_constraint(schema, table, con, {name});
  }

  void detach_partition(const std::string& schema, const std::string& table, const sql::Node& child_rv) {
    Table* child = existing(child_rv);
    if (!child || child->parent_schema != schema || child->parent_name != table) return;
    child->parent_schema.clear();
    child->parent_name.clear();
    names_.partitions_changed();
    child->bound.clear();
    for (auto& i : child->indexes) i.parent_index.clear();
    names_.note_unattached_index(*child);
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
    Table* child = existing(cmd.field(pg::name));
    // PostgreSQL refuses a table that is already a partition, and one the parent is itself a
    // partition of ("circular inheritance not allowed").
    if (!parent || !child || !parent->is_partitioned() || child->is_partition() || is_within(*parent, *child)) return;
    child->parent_schema = schema;
    child->parent_name = table;
    names_.partitions_changed();
    child->bound = bound_text(cmd.field(pg::bound));
    std::string cs = child->schema, cn = child->name;
    inherit_indexes(cs, cn);
  }

  void attach_index(const sql::Node& parent_rv, const sql::Node& child_rv) {
    auto [pt, pi] = catalog_.find_index(parent_rv.str(pg::schemaname), parent_rv.str(pg::relname));
    auto [ct, ci] = catalog_.find_index(child_rv.str(pg::schemaname), child_rv.str(pg::relname));
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
    std::string_view type = stmt.str(pg::renameType);
    sql::Node rel = stmt.field(pg::relation);
    std::string newname(stmt.str(pg::newname));
    if (type == pg::OBJECT_INDEX) return rename_index(rel, newname);
    Table* t = existing(rel);
    if (!t) return;
    if (type == pg::OBJECT_COLUMN) rename_column_in_tree(*t, std::string(stmt.str(pg::subname)), newname);
    else if (type == pg::OBJECT_TABCONSTRAINT) rename_constraint(*t, std::string(stmt.str(pg::subname)), newname);
    else if (type == pg::OBJECT_TABLE || type == pg::OBJECT_VIEW || type == pg::OBJECT_MATVIEW)
      move_table(*t, t->schema, newname);
  }

  void rename_index(const sql::Node& rel, const std::string& newname) {
    auto [t, i] = catalog_.find_index(rel.str(pg::schemaname), rel.str(pg::relname));
    if (!i || catalog_.find_index(t->schema, newname).first) return;
    std::string old = fmt::format("{}.{}", t->schema, i->name);
    names_.forget_index(t->schema, i->name);
    names_.note_index(t->schema, newname);
    i->name = newname;
    for (auto& c : t->constraints)
      if (c.kind != ConstraintKind::foreign_key && fmt::format("{}.{}", t->schema, c.name) == old) c.name = newname;
    retarget_parent_index(old, fmt::format("{}.{}", t->schema, newname));
  }

  // A column renamed in the table and its partitions, and in the foreign keys that reference it.
  void rename_column_in_tree(const Table& t, const std::string& old, const std::string& newname) {
    if (!t.column(old) || t.column(newname)) return;
    std::string schema = t.schema, table = t.name;
    for_each_in_tree(schema, table, [&](Table& x) { rename_column(x, old, newname); });
    for (auto& other : catalog_.tables())
      for (auto& c : other.constraints)
        if (c.kind == ConstraintKind::foreign_key && c.ref_schema == schema && c.ref_table == table)
          std::replace(c.ref_columns.begin(), c.ref_columns.end(), old, newname);
  }

  void rename_constraint(Table& t, const std::string& old, const std::string& newname) {
    for (auto& c : t.constraints)
      if (c.name == old) c.name = newname;
    for (auto& i : t.indexes) {
      if (i.name != old) continue;
      names_.forget_index(t.schema, i.name);
      names_.note_index(t.schema, newname);
      i.name = newname;
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
    std::string_view type = stmt.str(pg::objectType);
    if (type != pg::OBJECT_TABLE && type != pg::OBJECT_VIEW && type != pg::OBJECT_MATVIEW) return;
    Table* t = existing(stmt.field(pg::relation));
    if (!t) return;
    std::string name = t->name;
    move_table(*t, std::string(stmt.str(pg::newschema)), name);
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
    std::string_view type = stmt.str(pg::removeType);
    for (sql::Node obj : stmt.list(pg::objects)) {
      if (type == pg::OBJECT_SCHEMA) {
        catalog_.drop_schema(obj.is(pg::String) ? obj.sval() : std::string_view());
        names_.invalidate();  // the other tables moved in the catalog
        continue;
      }
      catalog::QualifiedName q = catalog::qualified(obj.list(pg::items));
      if (type == pg::OBJECT_INDEX) {
        drop_index(q.schema, q.name);
      } else if (type == pg::OBJECT_TABLE || type == pg::OBJECT_VIEW || type == pg::OBJECT_MATVIEW) {
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
    for (sql::Node target : select.list(pg::targetList)) {
      if (!target.str(pg::name).empty()) {
        out.emplace_back(target.str(pg::name));
        continue;
      }
      sql::Node v = target.field(pg::val);
      if (v.is(pg::ColumnRef)) {
        sql::List f = v.list(pg::fields);
        sql::Node last = f[f.size() - 1];
        out.emplace_back(last.is(pg::A_Star) ? "*" : std::string(last.sval()));
      } else if (v.is(pg::FuncCall)) {
        sql::List f = v.list(pg::funcname);
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
    std::vector<std::string> names = output_names(query.is(pg::SelectStmt) ? query : query.field(pg::SelectStmt));
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
    sql::Node rv = stmt.field(pg::view);
    Name n = new_name(rv);
    if (names_.table(n.schema, n.name) && !stmt.boolean(pg::replace)) return;
    add_view(rv, RelationKind::view, stmt.list(pg::aliases), stmt.field(pg::query));
  }

  void create_table_as(const sql::Node& stmt) {
    sql::Node into = stmt.field(pg::into);
    sql::Node rv = into.field(pg::rel);
    Name n = new_name(rv);
    if (names_.table(n.schema, n.name)) return;
    RelationKind kind =
        stmt.str(pg::objtype) == pg::OBJECT_MATVIEW ? RelationKind::materialized_view : RelationKind::table;
    add_view(rv, kind, into.list(pg::colNames), stmt.field(pg::query));
  }

  // ---- statements read before their table ---------------------------------------------

  // The statement being applied names a table that does not exist: it waits for a table of
  // that name, and applies when one is created (an index file sorting before the tables'
  // file), so the catalog is the same whatever order the schema files come in. A name that
  // belonged to a table since dropped or renamed does not wait: PostgreSQL failed the
  // statement then, and a later table of the name is another table.
  void wait_for(const sql::Node& range_var) {
    std::string name(range_var.str(pg::relname));
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

StatementApplier::StatementApplier(Catalog& catalog, std::string origin)
    : loader_(std::make_unique<DdlLoader>(catalog, std::move(origin))) {}
StatementApplier::~StatementApplier() = default;
void StatementApplier::apply(const sql::Node& stmt, std::string_view text) { loader_->apply(stmt, text); }
void StatementApplier::set_origin(std::string origin) { loader_->set_origin(std::move(origin)); }

}  // namespace pglens::ddl
