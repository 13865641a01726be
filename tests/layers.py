#!/usr/bin/env python3
"""The module layers of src/, checked on the object files.

    python3 tests/layers.py BUILD_DIR        (reads BUILD_DIR/asan/*.o)

Module A uses module B when A's object needs a symbol that B's object
defines (`nm`: undefined in A.o, defined in B.o).  LAYERS below lists the
layers from the top; a module may use modules of its own layer or of any
layer below it, never one above, and the graph of uses must have no cycle.
A source file that is not in the table is an error too, so that a new
module gets a place on purpose.

Three checks, each printed "ok" or "FAIL" with the offending edge and the
symbols behind it; the last line is "layers: N passed, M failed".  Exits 1
when a check failed, 2 when it could not run (no objects: build first).
"""

import glob
import os
import subprocess
import sys

# From the top.  Keep doc/DESIGN.md ("Module map") in step with this table.
LAYERS = [
    ("main", ["main"]),
    ("master", ["master", "proctab", "spawn", "generation", "runas",
                "pidfile", "daemon", "handoff", "upgrade", "supervise",
                "control", "sdnotify", "listen"]),
    ("worker", ["worker"]),
    ("config", ["config", "confschema", "confloc", "confdump"]),
    ("conn", ["conn", "connbuf", "iopool"]),
    ("handlers", ["servesite", "serve", "endpoint"]),
    ("responses", ["route", "file", "fcache", "fdcache", "reply", "autoindex", "status",
                   "access", "redirmap", "statuspage", "etag", "docroot",
                   "platform", "platformload"]),
    ("syntax", ["request", "path", "range", "cond", "mime", "coding",
                "response", "proxy", "redirect", "tryfiles", "navigation"]),
    ("base", ["event", "log", "stats", "confval", "conftext", "confload",
              "confexpand", "conflisten", "cpus", "cidr", "proctitle",
              "hostmap", "addrmap", "resident", "strbuf",
              "llhttp", "human"]),
]

# Cycles known and still to be removed, each with why it is there.  Listed
# on every run; any other cycle fails.
KNOWN_CYCLES = {}

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")

# Objects that are not built from src/*.c, by the module they belong to.
VENDORED = {"llhttp_api": "llhttp", "llhttp_http": "llhttp",
            "llhttp_llhttp": "llhttp"}

# Modules written in more than one file, each file by the module it is
# part of.  Keep this short: two files of one module may call each other,
# which is only right when they really are one concern cut for length.
PARTS = {
    # The option kinds: the table and the scalar kinds, and the kinds of
    # sections and lists.  A section's store walks the table for the
    # options inside it, so the two call each other by nature.
    "confsect": "confschema",
    # Rows of the option table found by position, cut for length.
    "confrows": "confschema",
    # The connection state machine, cut for length (conn_impl.h): the I/O
    # pool's part resumes the machine it steps aside from, and the client
    # address part closes on a bad PROXY header; the deadlines part
    # closes what expires, and the machine arms its timers.
    "connaio": "conn",
    "connpeer": "conn",
    "conntimer": "conn",
    # The request's head before llhttp, cut from request.c for length
    # (request_impl.h): the scan asks request.c whether a method is one
    # llhttp registers, since only request.c includes llhttp.h.
    "reqscan": "request",
}


def layer_index():
    index = {}
    for rank, (_, modules) in enumerate(LAYERS):
        for m in modules:
            index[m] = len(LAYERS) - 1 - rank  # higher number: higher layer
    return index


def layer_name(index, module):
    return LAYERS[len(LAYERS) - 1 - index[module]][0]


def nm(path, *flags):
    out = subprocess.run(["nm", *flags, path], check=True,
                         capture_output=True, text=True).stdout
    return [line.split() for line in out.splitlines() if line.strip()]


def symbols(obj):
    """(defined, undefined) external symbol names of one object."""
    defined = {f[2] for f in nm(obj, "-g", "--defined-only") if len(f) == 3}
    undefined = {f[-1] for f in nm(obj, "-u")}
    return defined, undefined


def objects(build):
    """{object path: module} for every src/*.c (and the vendored parser)."""
    objdir = os.path.join(build, "asan")
    found = {}
    for src in sorted(glob.glob(os.path.join(SRC, "*.c"))):
        name = os.path.splitext(os.path.basename(src))[0]
        found[os.path.join(objdir, name + ".o")] = PARTS.get(name, name)
    for name, module in VENDORED.items():
        path = os.path.join(objdir, name + ".o")
        if os.path.exists(path):
            found[path] = module
    return found


def uses(objs):
    """{(user, used): set of symbols} between different modules."""
    owner, needs = {}, {}
    for path, module in objs.items():
        defined, undefined = symbols(path)
        for s in defined:
            owner[s] = module
        needs.setdefault(module, set()).update(undefined)
    edges = {}
    for module, undefined in needs.items():
        for s in undefined:
            other = owner.get(s)
            if other is not None and other != module:
                edges.setdefault((module, other), set()).add(s)
    return edges


def find_cycles(edges):
    """Strongly connected components of more than one module (Tarjan)."""
    graph = {}
    for a, b in edges:
        graph.setdefault(a, []).append(b)
        graph.setdefault(b, [])
    index, low, stack, on_stack, comps = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return comps


def edge_text(edges, a, b):
    syms = sorted(edges[(a, b)])
    more = f" (+{len(syms) - 3} more)" if len(syms) > 3 else ""
    return f"{a} -> {b} ({', '.join(syms[:3])}{more})"


def check_table(objs, index):
    missing = sorted({m for m in objs.values() if m not in index})
    return [f"src/{m}.c is in no layer: add {m} to the layer table "
            f"in tests/layers.py (and the module map in doc/DESIGN.md)"
            for m in missing]


def check_upward(edges, index):
    bad = []
    for (a, b) in sorted(edges):
        if a in index and b in index and index[b] > index[a]:
            bad.append(f"upward use: {edge_text(edges, a, b)}: "
                       f"{a} ({layer_name(index, a)} layer) must not use "
                       f"{b} ({layer_name(index, b)} layer, above it)")
    return bad


def check_cycles(edges, notes):
    bad = []
    found = find_cycles(edges)
    for comp in found:
        inner = [edge_text(edges, a, b) for (a, b) in sorted(edges)
                 if a in comp and b in comp]
        text = f"cycle among {', '.join(comp)}: " + "; ".join(inner)
        why = KNOWN_CYCLES.get(frozenset(comp))
        if why is not None:
            notes.append(f"known {text} (to remove: {why})")
        else:
            bad.append(text)
    for known in KNOWN_CYCLES:
        if known not in {frozenset(c) for c in found}:
            notes.append(f"the known cycle among {', '.join(sorted(known))} "
                         f"is gone: remove it from KNOWN_CYCLES in "
                         f"tests/layers.py")
    return bad


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    objs = objects(sys.argv[1])
    absent = [p for p in objs if not os.path.exists(p)]
    if absent:
        print(f"layers: {', '.join(absent)} not built (make asan first)")
        print("layers: 0 passed, 1 failed")
        return 2
    index = layer_index()
    edges = uses(objs)
    notes = []
    checks = [
        ("every module has a layer", check_table(objs, index)),
        ("no module uses one above it", check_upward(edges, index)),
        ("no cycle between modules", check_cycles(edges, notes)),
    ]
    failed = 0
    for title, problems in checks:
        print(f"{'ok  ' if not problems else 'FAIL'} {title}")
        for p in problems:
            print(f"     {p}")
        failed += bool(problems)
    for n in notes:
        print(f"note {n}")
    print(f"layers: {len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
