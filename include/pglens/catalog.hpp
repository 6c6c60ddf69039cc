// What pglens knows of the database schema: tables, columns, keys, indexes, partitioning
// and sizes, each fact with the place it came from. Filled from DDL (schema files and the
// linted files), a live database or a catalog.json snapshot, merged in a documented order
// (hints > snapshot/live > DDL); rules take it as a read-only view.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pglens {

struct Config;

struct Column {
  std::string name;
  std::string type;  // as format_type() prints it: "bigint", "numeric(12,2)", "text[]"
  bool not_null = false;
  friend bool operator==(const Column&, const Column&) = default;
};

// One key of an index: a column or an expression (canonical text, casts on constants
// dropped so DDL and pg_get_indexdef agree).
struct IndexKey {
  std::string column;      // empty for an expression key
  std::string expression;  // empty for a column key
  bool descending = false;
  bool nulls_first = false;  // PostgreSQL's default: NULLS FIRST only for DESC
  bool is_expression() const { return column.empty(); }
  std::string text() const;  // "created_at DESC", "lower(email)"
  friend bool operator==(const IndexKey&, const IndexKey&) = default;
};

struct Index {
  std::string name;
  std::string method = "btree";
  std::vector<IndexKey> keys;
  std::vector<std::string> include;
  std::string predicate;  // partial index WHERE, canonical text; empty when total
  bool unique = false;
  bool primary = false;
  bool valid = true;
  std::string parent_index;  // the partitioned parent's index this one is attached to
  std::string origin;        // where it was defined ("db/schema.sql:14", "live", ...)
  // The CREATE INDEX statement that recreates it on `schema.table`.
  std::string definition(std::string_view schema, std::string_view table) const;
  friend bool operator==(const Index&, const Index&) = default;
};

enum class ConstraintKind { primary_key, unique, foreign_key };
std::string_view to_string(ConstraintKind k);

struct Constraint {
  std::string name;
  ConstraintKind kind = ConstraintKind::primary_key;
  std::vector<std::string> columns;
  std::string ref_schema, ref_table;  // foreign keys
  std::vector<std::string> ref_columns;
  friend bool operator==(const Constraint&, const Constraint&) = default;
};

enum class RelationKind { table, partitioned_table, view, materialized_view };
std::string_view to_string(RelationKind k);

struct Partitioning {
  std::string strategy;           // "range", "list", "hash"
  std::vector<std::string> keys;  // column names or canonical expressions
  friend bool operator==(const Partitioning&, const Partitioning&) = default;
};

struct SizeFacts {
  std::optional<double> rows;
  std::optional<double> pages;
  std::string source;  // "live", "snapshot catalog.json", "hint .pglens.toml"
  friend bool operator==(const SizeFacts&, const SizeFacts&) = default;
};

// What ANALYZE found of one column (pg_stats), for the share of rows a condition keeps.
struct ColumnStats {
  std::string column;
  double null_frac = 0;
  // As pg_stats gives it: > 0 the number of distinct values, < 0 minus their share of the
  // rows (-1: every row distinct), 0 unknown.
  double n_distinct = 0;
  // The most common values PostgreSQL listed (most_common_vals as text, most_common_freqs)
  // that keep at least kKeptFrequency of the rows, most frequent first; rarer ones are left
  // out, counted in common_count and common_total.
  std::vector<std::string> common_values;
  std::vector<double> common_freqs;
  uint32_t common_count = 0;  // how many pg_stats listed
  double common_total = 0;    // the sum of all their frequencies
  static constexpr double kKeptFrequency = 0.01;
  friend bool operator==(const ColumnStats&, const ColumnStats&) = default;
};

struct TableStats {
  std::vector<ColumnStats> columns;
  std::string source;  // "pg_stats of live 127.0.0.1:5432/shop"
  const ColumnStats* column(std::string_view name) const;
  friend bool operator==(const TableStats&, const TableStats&) = default;
};

// A function's volatility as pg_proc gives it: 'i' IMMUTABLE, 's' STABLE, 'v' VOLATILE;
// '?' when its overloads differ.
struct FunctionVolatility {
  std::string schema, name;
  char volatility = 'v';
  friend bool operator==(const FunctionVolatility&, const FunctionVolatility&) = default;
};

struct Table {
  std::string schema;
  std::string name;
  RelationKind kind = RelationKind::table;
  std::vector<Column> columns;
  std::vector<Constraint> constraints;
  std::vector<Index> indexes;
  std::optional<Partitioning> partitioning;  // set on a partitioned parent
  std::string parent_schema, parent_name;    // set on a partition
  std::string bound;                         // "FOR VALUES FROM (...) TO (...)", "DEFAULT"
  SizeFacts size;
  TableStats stats;  // live statistics (or a snapshot of them); empty from DDL
  std::string origin;

  const Column* column(std::string_view n) const;
  Column* column(std::string_view n);
  const Index* index(std::string_view n) const;
  bool is_partitioned() const { return kind == RelationKind::partitioned_table; }
  bool is_partition() const { return !parent_name.empty(); }
  std::string qualified_name() const;  // "public.orders"
  friend bool operator==(const Table&, const Table&) = default;
};

class Catalog {
 public:
  // Finds a table by (possibly schema-qualified) name, honouring the search path.
  const Table* find_table(std::string_view schema, std::string_view name) const;
  Table* find_table(std::string_view schema, std::string_view name);
  // "schema.name" or "name".
  const Table* find_table(std::string_view qualified) const;
  // The table holding the index, and the index, by (possibly qualified) index name.
  std::pair<Table*, Index*> find_index(std::string_view schema, std::string_view name);

  bool empty() const { return tables_.empty(); }
  // Adds the table, replacing one of the same schema and name.
  Table& add_table(Table t);
  // The same for a caller that knows the table it replaces, or that there is none
  // (`replaced` nullptr): no search through the tables, which a schema of hundreds of
  // thousands of tables made quadratic.
  Table& add_table(Table t, Table* replaced);
  bool drop_table(std::string_view schema, std::string_view name);
  // Tables the DDL created and then dropped, as they were when dropped: a migration that
  // creates a table, queries it and drops it is checked against it (see with_retired). Not
  // part of the schema: lookups never find them.
  void retire_table(Table t) { retired_.push_back(std::move(t)); }
  const std::vector<Table>& retired_tables() const { return retired_; }
  // This catalog plus the retired tables that the file at `path` created and names in `text`,
  // whose name no table has now; nullopt when there is none (lint it against this catalog).
  std::optional<Catalog> with_retired(std::string_view path, std::string_view text) const;
  const std::vector<Table>& tables() const { return tables_; }
  std::vector<Table>& tables() {
    drop_name_index();
    return tables_;
  }

  std::vector<const Table*> partitions_of(const Table& parent) const;
  const Table* parent_of(const Table& partition) const;
  // Makes the partition graph a forest: a table whose chain of parents comes back to itself
  // (PostgreSQL refuses such an attach, but a snapshot or two contradicting sources can say
  // so) stops being a partition. Returns how many tables it detached. normalize() calls it.
  size_t detach_partition_cycles();

  // The schemas, sorted by name. A set: a schema-per-tenant database has tens of thousands,
  // arriving in no useful order (tenant_1, tenant_10, tenant_2), and a sorted vector moved
  // the names after each one inserted.
  using SchemaSet = std::set<std::string, std::less<>>;
  const SchemaSet& schemas() const { return schemas_; }
  void add_schema(std::string_view name);
  void drop_schema(std::string_view name);  // and every table in it

  const std::vector<std::string>& search_path() const { return search_path_; }
  // The version of the live database it was read from (PG_VERSION_NUM: 150004); 0 when none.
  int server_version() const { return server_version_; }
  void set_server_version(int version) { server_version_ = version; }
  void set_search_path(std::vector<std::string> path);

  // The volatility of functions outside pg_catalog (user functions, extensions), read from
  // pg_proc under --db or from a snapshot of it; `source` says where from.
  void set_functions(std::vector<FunctionVolatility> functions, std::string source);
  const std::vector<FunctionVolatility>& functions() const { return functions_; }
  const std::string& functions_source() const { return functions_source_; }
  // The volatility of the function `schema`.`name`, or of `name` in the first schema of the
  // search path that has it when `schema` is empty; nullopt when pg_proc was not read or has
  // no such function.
  std::optional<char> function_volatility(std::string_view schema, std::string_view name) const;
  // The schema an unqualified name is created in: the first of the search path.
  std::string default_schema() const;

  // Facts of `higher` win: its tables replace the structure of same-named ones (indexes
  // defined only here are kept), its sizes replace these sizes.
  void merge_from(const Catalog& higher);
  // Size hints from config ([tables."schema.name"] rows = N) win over every other source.
  void apply_hints(const Config& config, std::string_view origin);

  // Sorted tables, indexes and constraints: two loads of the same schema compare equal.
  void normalize();

  // Finds tables by name in constant time from now on, and digests the indexes of every
  // table but partitions (build_catalog calls it once the catalog is complete: a lint looks
  // names up for every table reference, and indexes up for every condition). Any change
  // through a non-const member drops both, and lookups scan again.
  void index_names();

  // What the index advisor reads of an index to skip, without touching the index itself, one
  // that cannot serve a column: tables have dozens of indexes (a partitioned table hundreds),
  // few of which hold the column, and each Index is large, with its keys elsewhere.
  struct IndexDigest {
    enum class Method : uint8_t { btree, hash, brin, other };
    uint64_t key_bits = 0;     // target_bit() of each key's column or expression
    uint64_t leading_bit = 0;  // target_bit() of the first key; 0 when there is none
    Method method = Method::other;
    // One of 64 bits, by a hash of a key target (column name or canonical expression): two
    // targets with different bits are different.
    static uint64_t target_bit(std::string_view target);
  };
  // The digests of one table's indexes.
  struct IndexDigests {
    std::span<const IndexDigest> indexes;  // in the order of table.indexes
    // The positions in table.indexes, ascending, of the indexes with a key whose target_bit()
    // is `bit`: a lookup reads those, not every digest.
    std::span<const uint32_t> with_key_bit(uint64_t bit) const;

    const uint32_t* bit_starts = nullptr;  // 65 offsets into `positions`, by bit number
    const uint32_t* positions = nullptr;   // of the catalog's digested tables
  };
  // The digests of `table`'s indexes when index_names() has made them and `table` is one of
  // this catalog's; nullopt otherwise (read the indexes). A partition has none: queries name
  // their partitioned table, and the partitions' copies of its indexes, most indexes of a
  // partitioned schema, would cost more to digest (a cache miss each) than their rare
  // lookups save.
  std::optional<IndexDigests> index_digests(const Table& table) const;

  static const Catalog& none();
  friend bool operator==(const Catalog&, const Catalog&) = default;

  // What the DDL loader keeps between loads (load_ddl, load_ddl_paths): statements that named
  // a table no DDL had created yet, waiting for it (a schema is the same whatever order its
  // files come in), and the names of tables dropped or renamed away, for which nothing waits.
  // Not part of the schema's value.
  struct DdlBacklog {
    struct Waiting {
      std::string text, origin;
    };
    std::unordered_map<std::string, std::vector<Waiting>> waiting;  // by the table name
    size_t waiting_bytes = 0;
    std::unordered_map<std::string, bool> gone;
    friend bool operator==(const DdlBacklog&, const DdlBacklog&) { return true; }
  };
  DdlBacklog& ddl_backlog() { return backlog_; }

 private:
  // Lookup aids, not part of the value: positions in tables_ by "schema\0name", and the
  // index digests.
  struct NameIndex {
    std::unordered_map<std::string, size_t> positions;
    std::unordered_map<std::string, std::vector<size_t>> partitions;  // of the parent "schema\0name"
    struct DigestRange {
      size_t begin = 0, size = 0;
      size_t bit_starts = 0;  // where the table's 65 offsets begin in `bit_starts`
      bool made = false;
    };
    std::vector<IndexDigest> digests;       // of the tables' indexes, table after table
    std::vector<DigestRange> digest_range;  // per table position
    std::vector<uint32_t> bit_starts;       // per digested table, 65 offsets into indexes_by_bit
    std::vector<uint32_t> indexes_by_bit;   // per digested table and bit, see with_key_bit
    bool built = false;
    friend bool operator==(const NameIndex&, const NameIndex&) { return true; }
  };
  void drop_name_index() {
    if (names_.built) names_ = {};
  }

  std::vector<Table> tables_;
  std::vector<Table> retired_;
  DdlBacklog backlog_;
  NameIndex names_;
  SchemaSet schemas_{"public"};
  std::vector<std::string> search_path_{"public"};
  int server_version_ = 0;
  std::vector<FunctionVolatility> functions_;  // sorted by schema, then name
  std::string functions_source_;
};

// ---- Loading -------------------------------------------------------------------------

// Applies the DDL in `text` to the catalog, statement by statement. Statements it does
// not model, and those naming tables it does not know, are skipped without noise.
// `origin` names the file in the facts' provenance ("db/schema.sql").
void load_ddl(Catalog& catalog, std::string_view text, std::string_view origin);

// What a DDL file that cannot be read, or is not UTF-8 text, does to a load: stop it with an
// error naming the file (the schema files a config names), or add nothing (the linted files
// themselves, whose lint reports the problem).
enum class UnreadableDdl { fail, skip };

// DDL statements of a file as the loader parsed them (internal: the linter reads them, see
// Prelint in pglens/lint.hpp).
struct ParsedDdl;
// Sees each run of DDL statements parsed, before the catalog applies it, on the thread that
// parsed it: with 2 threads or more, several threads call it at once (for different files,
// or for one file named twice).
using ParsedDdlHook = std::function<void(const ParsedDdl&)>;

// Files and directories (recursed for *.sql, in path order) of DDL, relative to `root`.
// Returns an error naming the path that cannot be read. With 2 `threads` or more, the caller's
// and threads - 1 more each read and parse a file at a time, and apply the parsed statements,
// in path order, whenever no other thread does.
// `preread`: the bytes, already read, of files that cannot be read a second time (a FIFO,
// process substitution), by their path as given; they are taken from it, not read.
using PrereadFiles = std::map<std::string, std::string>;
std::optional<std::string> load_ddl_paths(Catalog& catalog, const std::vector<std::string>& paths,
                                          const std::filesystem::path& root,
                                          UnreadableDdl unreadable = UnreadableDdl::fail, unsigned threads = 1,
                                          const ParsedDdlHook& on_parsed = {}, const PrereadFiles* preread = nullptr);

// catalog.json: version-tagged, written by `pglens catalog dump`.
inline constexpr int kCatalogSnapshotVersion = 1;
std::string dump_snapshot(const Catalog& catalog);
// Errors name the file and what is wrong (truncated, not JSON, another version).
std::optional<std::string> load_snapshot(const std::filesystem::path& file, Catalog& out);
std::optional<std::string> parse_snapshot(std::string_view json, std::string_view file, Catalog& out);

// A live database: the URL (or empty for libpq's PG* environment), read in one read-only
// transaction with the given timeouts. Errors name host, port, database and the reason,
// never the password.
struct LiveOptions {
  std::string url;
  int connect_timeout_seconds = 10;
  int statement_timeout_ms = 30000;
};
std::optional<std::string> load_live(const LiveOptions& options, Catalog& out);

// Everything a lint under `config` sees: DDL from config.schema, then `extra_ddl` files
// (the linted files themselves), then snapshot (config.catalog) or live (`db_url`, else
// PGLENS_DATABASE_URL, else config.database.url), then hints. An empty `db_url` and no
// other source means no live read.
struct CatalogSources {
  std::vector<std::filesystem::path> extra_ddl;
  // DDL that is no file (a linted stdin), applied after extra_ddl: {origin, text}.
  std::vector<std::pair<std::string, std::string>> extra_texts;
  std::string db_url;
  bool use_environment = true;  // PGLENS_DATABASE_URL
  unsigned threads = 1;         // for the DDL (load_ddl_paths)
  ParsedDdlHook on_parsed;      // for the DDL of extra_ddl (`pglens lint` checks it then)
  // Told what the user should know but is no error (an untrusted `[database] url` skipped).
  std::function<void(const std::string&)> on_notice;
  PrereadFiles extra_ddl_bytes;  // of the extra_ddl files read once only (FIFOs), by absolute path
};
std::optional<std::string> build_catalog(const Config& config, const CatalogSources& sources, Catalog& out);
// The database a catalog is read from: `given` (--db, the editor's setting), else
// PGLENS_DATABASE_URL when `use_environment`, else the config's `[database] url` only when
// the user trusted it (database_url_trusted; `on_notice` is told when it is skipped).
std::string database_url_for(const Config& config, const std::string& given, bool use_environment,
                             const std::function<void(const std::string&)>& on_notice);
// build_catalog's last step, for a caller that keeps what it read (the language server adds
// each document's own DDL to the schema files' DDL, and reads the snapshot and the database
// once): merges `snapshot` then `live` (either may be null) over the DDL in `catalog`, then
// applies the hints, as build_catalog does.
void complete_catalog(const Config& config, Catalog& catalog, const Catalog* snapshot, const Catalog* live);

}  // namespace pglens
