/* The bridge between libpg_query's raw parse tree (PostgreSQL's C node structs) and
 * sql::Node. PostgreSQL's headers are C only, so everything that needs them lives in two C
 * files: pg_tree.c (parse, lists) and the table generated from libpg_query's pg_query.proto
 * by scripts/gen-pg-tree-table.py, which says where each field of each node kind lives.
 * sql::Node reads the structs through these descriptors: no JSON is written or read. */
#ifndef PGLENS_SQL_PG_TREE_H
#define PGLENS_SQL_PG_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a field is stored, and so how libpg_query's JSON output would show it. */
typedef enum PglFieldKind {
  PGL_NODE,      /* Node *: a node of any kind ({"Kind": {...}}) */
  PGL_SPECIFIC,  /* RangeVar * and the like: a node of one kind, shown without its kind */
  PGL_EMBEDDED,  /* a node struct held by value (CreateForeignTableStmt.base), shown so */
  PGL_ONEOF,     /* A_Const's value union: present when the value's tag is `oneof_tag` */
  PGL_LIST,      /* List * of nodes */
  PGL_ITEMS,     /* the "items" of a List node: the node itself is the list */
  PGL_INT_ITEMS, /* the "items" of an IntList / OidList: integers, not nodes */
  PGL_CSTRING,   /* char * */
  PGL_CHAR,      /* char: shown as a one-character string */
  PGL_BOOL,
  PGL_INT,  /* any integer; `size` bytes, `is_signed` */
  PGL_ENUM, /* a C enum, shown by the name of its value */
  PGL_SKIP  /* never in a raw parse tree (plan-time data); not shown */
} PglFieldKind;

/* A few enums start below 0 (PARTITION_RANGE_DATUM_MINVALUE = -1). */
#define PGL_ENUM_BIAS 8

struct PglType;

typedef struct PglField {
  const char *name; /* as libpg_query's JSON names it */
  uint32_t name_len;
  uint32_t offset;
  uint8_t kind;
  uint8_t size;
  uint8_t is_signed;
  int oneof_tag;
  const struct PglType *declared; /* PGL_SPECIFIC / PGL_EMBEDDED / PGL_ONEOF: the struct's kind */
  const char *const *enum_names;  /* indexed by the C value + PGL_ENUM_BIAS; NULL where none is */
  uint32_t enum_count;
  /* PGL_SPECIFIC / PGL_EMBEDDED / PGL_ONEOF: the kind sql::Node gives the struct (the JSON
   * shows none); NULL for most fields */
  const char *implied_kind;
  uint32_t implied_kind_len;
} PglField;

typedef struct PglType {
  const char *name; /* the node kind: "SelectStmt" */
  uint32_t name_len;
  const PglField *fields;
  uint32_t field_count;
  int location_field; /* index of "location" in fields, -1 when the kind has none */
  /* The indexes in fields of those that may hold nodes (PGL_NODE ... PGL_ITEMS), in order:
   * what a walk of the tree reads, where most fields hold strings, numbers and enums. */
  const uint8_t *node_fields;
  uint32_t node_field_count;
  /* The fields by name, for lookups that would otherwise compare names field after field:
   * field_slot_mask + 1 slots (a power of two, at least twice the fields), each holding the
   * index in fields + 1 of a field, or 0; a name's probe starts at pgl_field_hash(name) &
   * field_slot_mask and goes on to the next slot until the name or a 0. NULL without fields. */
  const uint8_t *field_slots;
  uint32_t field_slot_mask;
} PglType;

/* The hash of a field name (len >= 1) for PglType.field_slots: its length and end letters
 * tell the fields of a kind apart well enough (1.24 probes a field on average), and cost
 * little to mix. The generator computes the same in Python. */
static inline uint32_t pgl_field_hash(const char *name, size_t len) {
  return (uint32_t)(unsigned char)name[0] + 7u * (unsigned char)name[len - 1] + 13u * (uint32_t)len;
}

/* The descriptors by tag: pgl_types_by_tag[tag] for tag < pgl_type_tag_count, NULL where no
 * kind is. */
extern const PglType *const pgl_types_by_tag[];
extern const unsigned pgl_type_tag_count;

/* The descriptor of a node's kind, from the tag its struct starts with; NULL for a kind
 * libpg_query's protocol does not know. Inline: a walk asks it for every node. */
static inline const PglType *pgl_type_of(const void *node) {
  int tag;
  memcpy(&tag, node, sizeof tag);
  return (unsigned)tag < pgl_type_tag_count ? pgl_types_by_tag[(unsigned)tag] : NULL;
}

/* The head of PostgreSQL's List (nodes/pg_list.h), for readers of lists inline; pg_tree.c
 * checks that it matches. A node starts with its int tag. */
typedef struct PglListHead {
  int tag;
  int length;
  int max_length;
  const void *const *elements;
} PglListHead;
/* The tags of an IntList and an OidList, whose cells hold numbers. */
extern const int pgl_int_list_tag;
extern const int pgl_oid_list_tag;

/* A parse of one text: its List of RawStmt, the memory context holding it, or the error. */
typedef struct PglParse {
  void *context;
  const void *stmts; /* List *, NULL when the text holds no statement */
  char *error_message;
  int error_cursorpos; /* 1-based character position, 0 when unknown */
} PglParse;

PglParse pgl_parse(const char *text);
void pgl_free(PglParse *parse);

/* A List's cells and their count (0 for NULL, the empty list). The cells hold pointers,
 * unless the list is an IntList / OidList (pgl_int_list_tag, pgl_oid_list_tag). */
const void *const *pgl_list_cells(const void *list, int *length);

/* RawStmt's stmt. */
const void *pgl_raw_stmt(const void *raw_stmt);

#ifdef __cplusplus
}
#endif

#endif
