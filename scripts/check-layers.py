#!/usr/bin/env python3
"""Check that pglens's layers form the graph CMakeLists.txt declares.

    scripts/check-layers.py SOURCE_DIR [--archive LAYER=libpglens_LAYER.a ...]

Reads the `pglens_layer(NAME FOLDER USES...)` lines of CMakeLists.txt (a layer uses only
layers declared above it, so they form no cycle). Then:
  - every `#include "..."` of a file of a layer must name a header of that layer or of a
    layer it uses, directly or through others (an upward include is an error; so is a
    cycle, which needs one);
  - with --archive, every symbol a layer's archive takes from another layer's archive must
    come from a layer it uses: a call to a function a higher layer defines is an upward edge
    even when the header declaring it is a public one (include/pglens/).
The build enforces the first (each layer sees only the headers of the layers it uses); this
script names the offending line and checks the second, which static archives do not.
Exit status: 0 clean, 1 an edge goes against the graph, 2 usage error.
"""
import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

LAYER_LINE = re.compile(r"^\s*pglens_layer\(\s*(\w+)\s+(\S+)((?:\s+\w+)*)\s*\)", re.M)
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
SOURCE_SUFFIXES = {".c", ".cpp", ".h", ".hpp"}


def read_layers(source_dir: Path):
    text = (source_dir / "CMakeLists.txt").read_text()
    layers = {}  # name -> (folder, uses), in declaration order
    problems = []
    for m in LAYER_LINE.finditer(text):
        name, folder, uses = m.group(1), m.group(2), m.group(3).split()
        for dep in uses:
            if dep not in layers:
                problems.append(f"CMakeLists.txt: layer {name} uses {dep}, which is not declared above it")
        layers[name] = (folder, uses)
    return layers, problems


def closures(layers):
    out = {}
    for name, (_, uses) in layers.items():  # declaration order: uses are done first
        seen = {name}
        for dep in uses:
            seen |= out.get(dep, {dep})
        out[name] = seen
    return out


def owner(path: str, folders):
    """The layer whose folder holds `path` (relative to the source dir), the deepest one."""
    best = None
    for name, folder in folders.items():
        if path == folder or path.startswith(folder + "/"):
            if best is None or len(folder) > len(folders[best]):
                best = name
    return best


def check_includes(source_dir: Path, layers, allowed):
    folders = {name: folder for name, (folder, _) in layers.items()}
    problems = []
    for name, folder in folders.items():
        for path in sorted((source_dir / folder).rglob("*")):
            if path.suffix not in SOURCE_SUFFIXES or not path.is_file():
                continue
            rel = path.relative_to(source_dir).as_posix()
            if owner(rel, folders) != name:
                continue  # a nested layer's file (rules/api in rules)
            text = path.read_text(errors="replace")
            for m in INCLUDE.finditer(text):
                target = resolve(source_dir, path, m.group(1), folders)
                if target is None:
                    continue  # public (include/pglens), generated or third-party
                to = owner(target, folders)
                if to is not None and to not in allowed[name]:
                    line = text.count("\n", 0, m.start()) + 1
                    problems.append(f"{rel}:{line}: includes {target}: layer {name} does not use layer {to} "
                                    f"(uses: {', '.join(layers[name][1]) or 'none'})")
    return problems


def resolve(source_dir: Path, including: Path, name: str, folders):
    """The included file relative to the source dir, found as the compiler would: next to
    the including file, then through a layer's include name ("sql/ast.hpp" is src/sql/ast.hpp,
    "rules/api/..." is rules/api/...), then in rules/ (the rules' own headers)."""
    candidates = [including.parent / name, source_dir / "src" / name, source_dir / name, source_dir / "rules" / name]
    for c in candidates:
        if c.is_file():
            rel = os.path.relpath(c.resolve(), source_dir.resolve())
            if not rel.startswith(".."):
                return Path(rel).as_posix()
    return None


def symbols(archive: str, defined: bool):
    args = ["nm", "-C", "-g", "--defined-only" if defined else "--undefined-only", archive]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    result = set()
    for line in out.splitlines():
        parts = line.split(" ", 2) if defined else line.split()
        if defined:
            # Strong definitions only: inline functions and template instances (W, V, u) are
            # defined in every archive that uses them.
            if len(parts) == 3 and parts[1] in "TDBR":
                result.add(parts[2])
        elif parts and parts[0] == "U":
            result.add(line.strip()[2:].strip())
    return result


def check_archives(archives, layers, allowed):
    defined_in = {}
    for layer, path in archives.items():
        for s in symbols(path, True):
            defined_in.setdefault(s, layer)
    problems = []
    for layer, path in archives.items():
        upward = {}
        for s in symbols(path, False):
            to = defined_in.get(s)
            if to is not None and to != layer and to not in allowed[layer]:
                upward.setdefault(to, []).append(s)
        for to, syms in sorted(upward.items()):
            shown = "; ".join(sorted(syms)[:3]) + (" ..." if len(syms) > 3 else "")
            problems.append(f"{Path(path).name}: layer {layer} calls {len(syms)} function(s) of layer {to}, "
                            f"which it does not use: {shown}")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("source_dir", type=Path)
    ap.add_argument("--archive", action="append", default=[], metavar="LAYER=PATH",
                    help="a layer's static archive, for the check of the symbols it takes")
    args = ap.parse_args()
    layers, problems = read_layers(args.source_dir)
    if not layers:
        print(f"check-layers: no pglens_layer(...) line in {args.source_dir / 'CMakeLists.txt'}", file=sys.stderr)
        return 2
    allowed = closures(layers)
    problems += check_includes(args.source_dir, layers, allowed)
    archives = {}
    for item in args.archive:
        layer, _, path = item.partition("=")
        if layer not in layers or not path:
            print(f"check-layers: --archive {item}: expected LAYER=PATH with a declared layer", file=sys.stderr)
            return 2
        archives[layer] = path
    if archives:
        problems += check_archives(archives, layers, allowed)
    for p in problems:
        print(p)
    if problems:
        print(f"check-layers: {len(problems)} edge(s) against the layer graph of CMakeLists.txt "
              "(docs/architecture.md says how to fix one)", file=sys.stderr)
        return 1
    print(f"check-layers: {len(layers)} layers, every include"
          f"{' and every symbol between archives' if archives else ''} goes downward")
    return 0


if __name__ == "__main__":
    sys.exit(main())
