/* Parse and list access for sql::Node, against PostgreSQL's own headers (see pg_tree.h). */
/* PostgreSQL's headers need postgres.h first: its own block, which include sorting keeps first. */
#include "postgres.h"

#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"

#include <pg_query.h>
#include <pg_query/pg_query_internal.h>

#include "sql/pg_tree.h"

/* sql::List hands out cells as pointers or ints straight from the array. */
_Static_assert(sizeof(ListCell) == sizeof(void *), "a ListCell holds one pointer");
/* ... and reads a List's head through PglListHead. */
_Static_assert(offsetof(List, type) == offsetof(PglListHead, tag) && sizeof(NodeTag) == sizeof(int), "List.type");
_Static_assert(offsetof(List, length) == offsetof(PglListHead, length), "List.length");
_Static_assert(offsetof(List, elements) == offsetof(PglListHead, elements), "List.elements");

const int pgl_int_list_tag = T_IntList;
const int pgl_oid_list_tag = T_OidList;

PglParse pgl_parse(const char *text) {
  PglParse parse = {0};
  MemoryContext context = pg_query_enter_memory_context();
  PgQueryInternalParsetreeAndError result = pg_query_raw_parse(text, PG_QUERY_PARSE_DEFAULT);
  parse.context = context;
  parse.stmts = result.tree;
  free(result.stderr_buffer);
  if (result.error) {
    parse.stmts = NULL;
    parse.error_message = result.error->message ? strdup(result.error->message) : NULL;
    parse.error_cursorpos = result.error->cursorpos;
    pg_query_free_error(result.error);
  }
  return parse;
}

void pgl_free(PglParse *parse) {
  if (parse->context) pg_query_exit_memory_context(parse->context);
  free(parse->error_message);
  parse->context = NULL;
  parse->stmts = NULL;
  parse->error_message = NULL;
}

const void *const *pgl_list_cells(const void *list, int *length) {
  const List *l = (const List *)list;
  *length = list_length(l);
  return l ? (const void *const *)l->elements : NULL;
}

const void *pgl_raw_stmt(const void *raw_stmt) { return ((const RawStmt *)raw_stmt)->stmt; }
