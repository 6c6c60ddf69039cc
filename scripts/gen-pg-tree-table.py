#!/usr/bin/env python3
"""Writes the C table that tells sql::Node where each field of each parse node lives.

    gen-pg-tree-table.py PG_QUERY_PROTO OUTPUT_C
    gen-pg-tree-table.py PG_QUERY_PROTO --names src/sql/pg_names.hpp [--check]

libpg_query's pg_query.proto lists every node kind, its fields in struct order and their
names as libpg_query's JSON output writes them; PostgreSQL's headers give the offsets. The
generated C asks the compiler about every field's C type (_Generic), so a header that does
not match the protocol is a build error, not a misread tree.

With --names it writes the node kinds, field names and enum values as C++ constants
instead (src/sql/pg_names.hpp: `node.is(pg::CreateStmt)`, `node.field(pg::relation)`,
`c.str(pg::contype) == pg::CONSTR_PRIMARY`), so a misspelt name is a compile error rather
than a node that silently reads as empty. That header is checked in (no build step, no
include path for it); with --check it is compared instead of written (ctest pg_names), so
a libpg_query update that changes the names says to regenerate it.
"""
import re
import sys


# Enums whose C declaration gives explicit values (chars, bit sets, a -1, a start at 1),
# which their order in the protocol does not tell.
EXPLICIT_VALUE_ENUMS = {"PartitionRangeDatumKind", "FunctionParameterMode", "RowCompareType", "AggSplit",
                        "PartitionStrategy", "JsonConstructorType"}

# Node kinds that only the planner makes (JSON_TABLE's plan, PostgreSQL 17+), whose "Node"
# fields hold JsonTablePlan structs rather than nodes: never in a raw parse tree, not shown.
PLAN_TIME_KINDS = {"JsonTablePathScan", "JsonTableSiblingJoin"}

# The kind sql::Node gives a struct held by a field of this name (PGL_SPECIFIC, PGL_EMBEDDED,
# PGL_ONEOF), which libpg_query's JSON writes without its kind: the ones rules ask about
# (`relation.is("RangeVar")`). Every other such struct keeps an empty kind, as in the JSON.
IMPLIED_KINDS = {
    "larg": "SelectStmt", "rarg": "SelectStmt", "relation": "RangeVar", "withClause": "WithClause",
    "intoClause": "IntoClause", "into": "IntoClause", "onConflictClause": "OnConflictClause",
    "typeName": "TypeName", "alias": "Alias", "infer": "InferClause", "partspec": "PartitionSpec",
    "partbound": "PartitionBoundSpec", "view": "RangeVar", "sequence": "RangeVar", "ofTypename": "TypeName",
    "pktable": "RangeVar", "collClause": "CollateClause", "bound": "PartitionBoundSpec",
}


def parse_proto(text):
    messages, enums, order = {}, {}, []
    block_re = re.compile(r"^(message|enum)\s+(\w+)\s*\{(.*?)^\}", re.S | re.M)
    for kind, name, body in block_re.findall(text):
        if kind == "enum":
            enums[name] = re.findall(r"^\s*(\w+)\s*=\s*\d+\s*;", body, re.M)
            continue
        fields = []
        oneof = None
        for line in body.splitlines():
            line = line.split("//")[0].split("/*")[0].strip()
            m = re.match(r"oneof\s+(\w+)\s*\{", line)
            if m:
                oneof = m.group(1)
                continue
            if line == "}":
                oneof = None
                continue
            m = re.match(r'(repeated\s+)?(\w+)\s+(\w+)\s*=\s*\d+\s*(?:\[json_name="(\w+)"\])?\s*;', line)
            if m:
                fields.append({"repeated": bool(m.group(1)), "type": m.group(2), "proto": m.group(3),
                               "json": m.group(4) or m.group(3), "oneof": oneof})
        messages[name] = fields
        order.append(name)
    return messages, enums, order


def field_hash(name):
    """pgl_field_hash of src/sql/pg_tree.h."""
    data = name.encode()
    return data[0] + 7 * data[-1] + 13 * len(data)


def field_slots(names):
    """The open-addressing table of PglType.field_slots for these field names, in order."""
    assert len(set(names)) == len(names) and len(names) < 255, names
    size = 1
    while size < 2 * len(names):
        size *= 2
    slots = [0] * size
    for i, name in enumerate(names):
        j = field_hash(name) & (size - 1)
        while slots[j]:
            j = (j + 1) & (size - 1)
        slots[j] = i + 1
    return slots


# C++ keywords and the macros of the C library that a name may not be: such a name gets a "_".
RESERVED = {
    "alignas", "alignof", "and", "asm", "auto", "bool", "break", "case", "catch", "char", "class", "const",
    "constexpr", "continue", "default", "delete", "do", "double", "else", "enum", "explicit", "export", "extern",
    "false", "float", "for", "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new",
    "noexcept", "not", "nullptr", "operator", "or", "private", "protected", "public", "register", "return",
    "short", "signed", "sizeof", "static", "struct", "switch", "template", "this", "throw", "true", "try",
    "typedef", "typeid", "typename", "union", "unsigned", "using", "virtual", "void", "volatile", "while", "xor",
    "concept", "requires", "co_await", "co_return", "co_yield", "char8_t", "consteval", "constinit",
    "major", "minor", "makedev", "errno", "assert", "stdin", "stdout", "stderr", "EOF", "NULL", "unix", "linux",
    "TRUE", "FALSE", "EXIT_SUCCESS", "EXIT_FAILURE",
}


def write_names(path, messages, enums, kinds, check=False):
    """sql/pg_names.hpp: every node kind, field name and enum value as a constant."""
    groups = [("Node kinds (Node::is, Node::kind), and the kinds libpg_query's JSON names as fields.", kinds)]
    fields = sorted({f["json"] for kind in kinds if kind in messages for f in messages[kind]})
    groups.append(("Field names (Node::field, list, str, integer, boolean, has).", fields))
    values = sorted({v for name in enums for v in enums[name]})
    groups.append(("Enum values, as Node::str gives them (`c.str(pg::contype) == pg::CONSTR_PRIMARY`).", values))
    out = ["// Generated by scripts/gen-pg-tree-table.py from libpg_query's pg_query.proto. Do not edit.",
           "// The names of PostgreSQL's parse tree as constants: a misspelt one does not compile.",
           "#pragma once", "", "#include <string_view>", "", "namespace pglens::sql::pg {"]
    seen = set()
    for comment, names in groups:
        out += ["", f"// {comment}"]
        for name in names:
            if name in seen:
                continue
            seen.add(name)
            ident = name + "_" if name in RESERVED else name
            out.append(f'inline constexpr std::string_view {ident} = "{name}";')
    out += ["", "}  // namespace pglens::sql::pg", ""]
    text = "\n".join(out)
    if check:
        with open(path) as f:
            if f.read() != text:
                print(f"{path} is not what libpg_query's pg_query.proto gives: regenerate it with\n"
                      f"  scripts/gen-pg-tree-table.py .deps/libpg_query/usr/include/pg_query/pg_query.proto "
                      f"--names {path}")
                sys.exit(1)
        print(f"{path}: {len(seen)} names, as pg_query.proto gives them")
        return
    with open(path, "w") as f:
        f.write(text)


def main():
    proto_path, out_path = sys.argv[1], sys.argv[2]
    messages, enums, _ = parse_proto(open(proto_path).read())
    if out_path == "--names":
        kinds = [f["type"] for f in messages["Node"] if f["oneof"] == "node"]
        write_names(sys.argv[3], messages, enums, kinds, check="--check" in sys.argv[4:])
        return
    # The node kinds, in the order of Node's oneof: each has a T_<kind> tag.
    kinds = [f["type"] for f in messages["Node"] if f["oneof"] == "node"]
    kind_set = set(kinds)
    used_enums = []
    out = []
    w = out.append
    w("/* Generated by scripts/gen-pg-tree-table.py from libpg_query's pg_query.proto. Do not edit. */")
    w('#include "postgres.h"')
    w('#include "nodes/parsenodes.h"')
    w('#include "nodes/primnodes.h"')
    w('#include "nodes/value.h"')
    w('#include "nodes/pg_list.h"')
    w("")
    w('#include "sql/pg_tree.h"')
    w("")
    w("#define PGL_SIGNED(T, f) ((__typeof__(((T *) 0)->f)) -1 < 0)")
    w("#define PGL_SIZE(T, f) sizeof(((T *) 0)->f)")
    w("#define PGL_IS(T, f, C) __builtin_types_compatible_p(__typeof__(((T *) 0)->f), C)")
    w("#define PGL_EXPECT(T, f, C) _Static_assert(PGL_IS(T, f, C), #T \".\" #f \" is not \" #C)")
    w("")
    body = []
    b = body.append
    for kind in kinds:
        if kind in ("List", "IntList", "OidList"):
            item = "PGL_ITEMS" if kind == "List" else "PGL_INT_ITEMS"
            b(f"static const PglField fields_{kind}[] = {{{{\"items\", 5, 0, {item}, 0, 0, 0, 0, 0, 0}}}};")
            if kind == "List":  # an IntList / OidList holds no nodes
                b("static const uint8_t node_fields_List[] = {0};")
            nf = "node_fields_List, 1" if kind == "List" else "0, 0"
            b(f"static const uint8_t field_slots_{kind}[] = {{{', '.join(map(str, field_slots(['items'])))}}};")
            b(f"static const PglType type_{kind} = {{\"{kind}\", {len(kind)}, fields_{kind}, 1, -1, {nf}, "
              f"field_slots_{kind}, {len(field_slots(['items'])) - 1}}};")
            continue
        rows = []
        names = []
        node_fields = []  # indexes of the fields that may hold a node or a list of nodes
        location = -1
        for f in messages[kind]:
            c = f["json"]
            name = f["json"]
            t = f["type"]
            entry = None
            holds_struct = f["oneof"] or (not f["repeated"] and t in kind_set)
            if f["oneof"]:  # A_Const's value union: the C members are val.ival, val.sval ...
                member = f"{f['oneof']}.{c}"
                b(f"PGL_EXPECT({kind}, {member}, {t});")
                entry = f"PGL_ONEOF, 0, 0, T_{t}, &type_{t}, 0, 0", member
            elif f["repeated"]:
                if t == "Node":
                    b(f"PGL_EXPECT({kind}, {c}, List *);")
                    entry = "PGL_LIST, 0, 0, 0, 0, 0, 0", c
                else:  # bitmapsets and the like: plan-time data
                    entry = "PGL_SKIP, 0, 0, 0, 0, 0, 0", None
            elif t == "Node":
                if c == "xpr" or kind in PLAN_TIME_KINDS:  # the Expr header of primnodes: not shown
                    entry = "PGL_SKIP, 0, 0, 0, 0, 0, 0", None
                else:
                    b(f"_Static_assert(PGL_IS({kind}, {c}, Node *) || PGL_IS({kind}, {c}, Expr *), "
                      f"\"{kind}.{c} is not a Node *\");")
                    entry = "PGL_NODE, 0, 0, 0, 0, 0, 0", c
            elif t in kind_set:
                b(f"_Static_assert(PGL_IS({kind}, {c}, {t} *) || PGL_IS({kind}, {c}, {t}), "
                  f"\"{kind}.{c} is not a {t}\");")
                entry = f"PGL_IS({kind}, {c}, {t}) ? PGL_EMBEDDED : PGL_SPECIFIC, 0, 0, 0, &type_{t}, 0, 0", c
            elif t == "string":
                entry = (f"PGL_IS({kind}, {c}, char) ? PGL_CHAR : PGL_CSTRING, 0, 0, 0, 0, 0, 0", c)
                b(f"_Static_assert(PGL_IS({kind}, {c}, char) || PGL_IS({kind}, {c}, char *) || "
                  f"PGL_IS({kind}, {c}, const char *), "
                  f"\"{kind}.{c} is not a string\");")
            elif t == "bool":
                b(f"PGL_EXPECT({kind}, {c}, bool);")
                entry = "PGL_BOOL, 0, 0, 0, 0, 0, 0", c
            elif t in ("int32", "uint32", "int64", "uint64"):
                entry = (f"PGL_INT, PGL_SIZE({kind}, {c}), PGL_SIGNED({kind}, {c}), 0, 0, 0, 0", c)
            elif t in enums:
                if t not in used_enums:
                    used_enums.append(t)
                b(f"_Static_assert(PGL_SIZE({kind}, {c}) == sizeof(int), \"{kind}.{c} is not an enum\");")
                entry = f"PGL_ENUM, sizeof(int), 0, 0, 0, enum_{t}, sizeof(enum_{t}) / sizeof(enum_{t}[0])", c
            else:  # double costs, scan tokens: never in a raw parse tree
                entry = "PGL_SKIP, 0, 0, 0, 0, 0, 0", None
            spec, member = entry
            offset = f"offsetof({kind}, {member})" if member else "0"
            if name == "location":
                location = len(rows)
            # A struct, a node or a list of nodes; not a field left out (PGL_SKIP has no member).
            if holds_struct or (t == "Node" and member):
                node_fields.append(str(len(rows)))
            implied = ""
            if holds_struct and name in IMPLIED_KINDS:
                implied = f", \"{IMPLIED_KINDS[name]}\", {len(IMPLIED_KINDS[name])}"
            rows.append(f"  {{\"{name}\", {len(name)}, {offset}, {spec}{implied}}},")
            names.append(name)
        if rows:
            b(f"static const PglField fields_{kind}[] = {{")
            body.extend(rows)
            b("};")
            if node_fields:
                b(f"static const uint8_t node_fields_{kind}[] = {{{', '.join(node_fields)}}};")
            nf = f"node_fields_{kind}" if node_fields else "0"
            slots = field_slots(names)
            b(f"static const uint8_t field_slots_{kind}[] = {{{', '.join(map(str, slots))}}};")
            b(f"static const PglType type_{kind} = {{\"{kind}\", {len(kind)}, fields_{kind}, {len(rows)}, {location}, "
              f"{nf}, {len(node_fields)}, field_slots_{kind}, {len(slots) - 1}}};")
        else:
            b(f"static const PglType type_{kind} = {{\"{kind}\", {len(kind)}, 0, 0, -1, 0, 0, 0, 0}};")
    for e in used_enums:
        # The protocol lists each enum as libpg_query's own copy of PostgreSQL's headers
        # declares it, after an UNDEFINED = 0: position i is C value i - 1. The installed
        # server headers may order an enum differently (LimitOption changed in a 15.x
        # release), so only enums with explicit C values are indexed by their C constants.
        values = enums[e][1:]
        w(f"static const char *const enum_{e}[] = {{")
        for i, v in enumerate(values):
            index = v if e in EXPLICIT_VALUE_ENUMS else str(i)
            w(f"  [{index} + PGL_ENUM_BIAS] = \"{v}\",")
        w("};")
    for kind in kinds:  # the field tables point at the types of their structs
        w(f"static const PglType type_{kind};")
    out.extend(body)
    w("")
    # A table by tag rather than a switch: every node a walk meets asks, and the switch's
    # jump from node to node of different kinds is an indirect branch the CPU mispredicts.
    w("const PglType *const pgl_types_by_tag[] = {")
    for kind in kinds:
        w(f"  [T_{kind}] = &type_{kind},")
    w("};")
    w("const unsigned pgl_type_tag_count = sizeof pgl_types_by_tag / sizeof pgl_types_by_tag[0];")
    with open(out_path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
