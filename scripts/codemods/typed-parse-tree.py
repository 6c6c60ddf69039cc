#!/usr/bin/env python3
"""Codemod: string names of the parse tree become the constants of src/sql/pg_names.hpp.

    scripts/codemods/typed-parse-tree.py [FILE_OR_DIR ...]     (default: src rules)

A node kind, field name or enum value written as a string literal becomes its constant, so a
misspelt one no longer compiles:

    node.is("CreateStmt")                 ->  node.is(pg::CreateStmt)
    stmt.field("relation"), list("cmds")  ->  stmt.field(pg::relation), list(pg::cmds)
    con.str("contype") == "CONSTR_PRIMARY" -> con.str(pg::contype) == pg::CONSTR_PRIMARY
    k == "CreateStmt" (a kind compared)   ->  k == pg::CreateStmt

Only literals that are names of libpg_query's protocol change (read from pg_names.hpp), in
the argument of Node's is/field/list/str/integer/boolean/has and in an ==/!= comparison
(there only enum values and node kinds), and only in files that use the parse tree (sql::).
A file that changes gets `#include "sql/pg_names.hpp"` and `namespace pg = pglens::sql::pg;`.
Re-runnable: a second run changes nothing. Runs clang-format on the files it changed; prints
them and how many names each. Then build and run the tests: a constant means the same string.
"""
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAMES = ROOT / "src" / "sql" / "pg_names.hpp"
DECL = re.compile(r'inline constexpr std::string_view (\w+) = "(\w+)";')

# Node's accessors whose argument is a field name or a kind (sql/ast.hpp).
ACCESSORS = ("is", "field", "list", "str", "integer", "boolean", "has")
CALL = re.compile(r"(\.|->)(" + "|".join(ACCESSORS) + r')\("([A-Za-z_]\w*)"\)')
# A literal compared with == or != (either side).
COMPARE_RIGHT = re.compile(r'([=!]=\s*)"([A-Za-z_]\w*)"')
COMPARE_LEFT = re.compile(r'"([A-Za-z_]\w*)"(\s*[=!]=)')
INCLUDE_LINE = '#include "sql/pg_names.hpp"'
ALIAS_LINE = "namespace pg = pglens::sql::pg;"


def load_names():
    names = {}
    kinds, enum_values = set(), set()
    section = None
    for line in NAMES.read_text().splitlines():
        if line.startswith("// Node kinds"):
            section = "kind"
        elif line.startswith("// Field names"):
            section = "field"
        elif line.startswith("// Enum values"):
            section = "enum"
        m = DECL.search(line)
        if m:
            names[m.group(2)] = m.group(1)
            if section == "kind":
                kinds.add(m.group(2))
            elif section == "enum":
                enum_values.add(m.group(2))
    return names, kinds, enum_values


def is_enum_value(name, enum_values):
    # A value of a protocol enum: upper case with an underscore (CONSTR_PRIMARY, AT_AddColumn).
    return name in enum_values and "_" in name and name[:1].isupper()


def convert(text, names, kinds, enum_values):
    count = 0

    def call(m):
        nonlocal count
        if m.group(3) not in names:
            return m.group(0)
        count += 1
        return f"{m.group(1)}{m.group(2)}(pg::{names[m.group(3)]})"

    def compared(name):
        # Enum values, and kinds (CamelCase node names such as CreateStmt, A_Expr).
        return is_enum_value(name, enum_values) or (name in kinds and name[:1].isupper())

    def right(m):
        nonlocal count
        if not compared(m.group(2)):
            return m.group(0)
        count += 1
        return f"{m.group(1)}pg::{names[m.group(2)]}"

    def left(m):
        nonlocal count
        if not compared(m.group(1)):
            return m.group(0)
        count += 1
        return f"pg::{names[m.group(1)]}{m.group(2)}"

    out = []
    for line in text.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith("//") or stripped.startswith("#"):
            out.append(line)
            continue
        line = CALL.sub(call, line)
        line = COMPARE_RIGHT.sub(right, line)
        line = COMPARE_LEFT.sub(left, line)
        out.append(line)
    return "\n".join(out), count


def header_includes(lines):
    """Indices of the #include lines of the file's opening block: those before its first line
    of code. An #include further down (after code, inside a namespace) is not a place for ours."""
    found = []
    for i, l in enumerate(lines):
        s = l.strip()
        if s.startswith("#include"):
            found.append(i)
        elif s and not s.startswith(("//", "/*", "*", "#")):
            break
    return found


def add_header(text):
    lines = text.split("\n")
    block = header_includes(lines)
    if INCLUDE_LINE not in lines:
        # After the opening block's last project header ("..."), else after its last #include.
        quoted = [i for i in block if lines[i].startswith('#include "')]
        at = (quoted or block or [-1])[-1] + 1
        lines.insert(at, INCLUDE_LINE)
        block = header_includes(lines)
    if ALIAS_LINE not in lines:
        last = block[-1] if block else 0
        lines[last + 1:last + 1] = ["", ALIAS_LINE]
    return "\n".join(lines)


def main():
    names, kinds, enum_values = load_names()
    targets = sys.argv[1:] or ["src", "rules"]
    files = []
    for t in targets:
        p = Path(t)
        files += sorted(p.rglob("*.cpp")) if p.is_dir() else [p]
    total = 0
    changed = []
    for path in files:
        if path.resolve() == NAMES.resolve() or path.name == "pg_tree.c":
            continue
        text = path.read_text()
        if "sql::" not in text and '"sql/' not in text:
            continue  # no parse tree here (a plan's "Query" is not the node kind)
        converted, count = convert(text, names, kinds, enum_values)
        if count == 0:
            continue
        path.write_text(add_header(converted))
        changed.append(str(path))
        total += count
        print(f"{path}: {count}")
    if changed and shutil.which("clang-format"):  # the include in its sorted place, lines rewrapped
        subprocess.run(["clang-format", "-i", *changed], check=True)
    print(f"{total} names in {len(changed)} of {len(files)} files")


if __name__ == "__main__":
    main()
