#!/usr/bin/env python3
"""tiercheck's module-level import graph (the layers of ARCHITECTURE.md): its cycles, and the
imports that run back up the layer order declared below. Offline, well under a second: reads
checker/src only, no cargo.

  module_graph.py CRATE_SRC            cycles, back arrows, and the figures; exit 1 when there
                                       is a cycle, more than MAX_BACK back arrows, or a module
                                       that no layer claims
  module_graph.py CRATE_SRC --edges    also every edge, "from -> to", one a line

The nodes are modules as files declare them (`mod x;`): `bench::runner`, `pgo` (pgo/mod.rs),
`crate` (lib.rs). Inline modules (`mod elf64 { .. }`) belong to their file. An edge A -> B is
a path in A that names B or an item of B: `use crate::..`, `use super::..`, `use self::..`,
a `use` of a child module, and `crate::x::y`/`super::x` paths in code. Code under
`#[cfg(test)]` is not read: a test may reach anywhere. Comments and string literals are not
read either.

A back arrow is an edge from a lower layer to a higher one, or between two different
commands (a command never imports another command: what two commands share is a service or a
check below them). Edges inside one layer are otherwise free, and a module may always use its
own submodules and its parent.
"""
import re
import sys
from pathlib import Path

MAX_BACK = 1

# The layers, lowest first. A module is claimed by the first pattern that matches its path
# (`x` matches the module x only; `x::*` matches x and everything under it). Every module must
# be claimed: a new module is placed here on purpose.
LAYERS = [
    # Data and pure helpers: the tier data and its resolution, findings, flag parsing,
    # quoting, bounded file reads. No processes, no project.
    # The shared command-line argument types (`cli`: clap structs and value parsers over the
    # tier data) are data too: every command takes them, none of them runs anything.
    ("data", [
        "crate", "tiers", "resolve", "per_platform", "env", "variant", "flags", "fsread",
        "termsafe", "shell", "suggest", "rule_docs", "report", "cli", "toolchain_name",
    ]),
    # Host services: what this machine has and how tiercheck acts on it. rustup (its choice of
    # toolchain and the toolchain file it reads) and the toolchain probe, tools on PATH, child
    # processes, the one cargo launcher, the host environment of a tier, the TOML reader,
    # atomic writes (safe_write over its recovery records, both over the one-file write and its
    # temp-file pieces), the compile-cache probes.
    ("host", [
        "rustup", "rustup_home", "rustc_cache", "toolchain", "toolchain_file", "tools", "path_search", "child", "cargo_run",
        "host_env",
        "toml_doc", "safe_write", "recovery", "checked_write", "atomic_fs", "cache::*",
    ]),
    # The project model: what Cargo reads for a project, read the way Cargo reads it, and what
    # tiercheck keeps about it (allowed findings, tune results per machine).
    ("project", [
        "project::ctx", "tuned",
        "project::load", "project::config", "project::members", "project::member_glob",
        "project::cfg", "project::model", "project::settings", "project::rustflags",
        "project::command_line", "project::linker", "project::probe",
        "profile_intent", "allow",
    ]),
    # Checks: the rules over the project model and over binaries, their typed facts, and the
    # one output layer (text, JSON, GitHub annotations, SARIF) that prints findings.
    ("checks", [
        "project", "project::*", "binary", "binary::*", "output::*",
    ]),
    # Commands: one module tree per subcommand. A command never imports another command.
    ("commands", [
        "build", "build::*", "pgo::*", "bench::*", "tune::*", "init::*", "envcmd", "explain",
        "toolchain_check", "recovercmd",
    ]),
    # The command line: parsing and dispatch to the commands.
    ("app", ["app"]),
]
# The commands are distinct units in the "commands" layer, named by their first path segment,
# except that tune is bench's search mode (it runs bench's measuring loop, presets and
# statistics) and counts as part of bench, and pgo is `build --pgo`.
COMMAND_LAYER = "commands"
COMMAND_FAMILY = {"tune": "bench", "pgo": "build"}

# Known debt: edges that make a cycle or run back up, each with the way out. They are printed
# and left out of the figures that fail the check; an entry whose edge is gone fails it, so
# this list only shrinks. Never add to it to get a change through.
DEBT = {}


def strip_code(text: str) -> str:
    """The text with comments, string and char literals blanked (newlines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and not re.match(r"\w", text[i - 1:i] or " "):
            hashes = re.match(r'r(#*)"', text[i:]).group(1)
            end = text.find('"' + hashes, i + 2 + len(hashes))
            end = n if end < 0 else end + 1 + len(hashes)
            out.append('""' + "\n" * text.count("\n", i, end))
            i = end
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j + 1
        elif c == "'":
            m = re.match(r"'(\\.[^']*|[^\\'])'", text[i:])
            if m:
                out.append("' '")
                i += m.end()
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def item_end(text: str, i: int) -> int:
    """The end of the item starting at i: after its `;` or its brace-matched block."""
    semi, brace = text.find(";", i), text.find("{", i)
    if brace < 0 or (0 <= semi < brace):
        return semi + 1
    close = closing_brace(text, brace)
    return len(text) if close is None else close + 1


def closing_brace(text: str, brace: int):
    """The index of the `}` matching the `{` at `brace` (None when it never closes)."""
    depth = 0
    for j in range(brace, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return None


def drop_test_code(text: str) -> str:
    while True:
        m = re.search(r"#\[cfg\(test\)\]", text)
        if not m:
            return text
        j = m.end()
        while True:  # further attributes of the same item
            a = re.match(r"\s*#\[[^\]]*\]", text[j:])
            if not a:
                break
            j += a.end()
        end = item_end(text, j)
        text = text[:m.start()] + "\n" * text.count("\n", m.start(), end) + text[end:]


class Crate:
    def __init__(self, src: Path):
        self.src = src
        self.files = {}  # module path -> (file, code)
        self.load("crate", src / "lib.rs", src)

    def load(self, path: str, file: Path, child_dir: Path):
        code = drop_test_code(strip_code(file.read_text()))
        self.files[path] = (file, code)
        for m in re.finditer(r"(?m)^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", code):
            name = m.group(1)
            sub = f"{name}" if path == "crate" else f"{path}::{name}"
            for cand, cdir in ((child_dir / f"{name}.rs", child_dir / name),
                               (child_dir / name / "mod.rs", child_dir / name)):
                if cand.exists():
                    self.load(sub, cand, cdir)
                    break
            else:
                sys.exit(f"module_graph.py: {file}: mod {name}; has no file")

    def children(self, path: str):
        prefix = "" if path == "crate" else path + "::"
        return {p[len(prefix):] for p in self.files
                if p != "crate" and p.startswith(prefix) and "::" not in p[len(prefix):]}

    def parent(self, path: str) -> str:
        return "crate" if "::" not in path else path.rsplit("::", 1)[0]

    def resolve(self, here: str, segs: list) -> str | None:
        """The deepest module a path names (or names an item of), None if outside the crate."""
        if not segs:
            return None
        if segs[0] == "crate":
            mod, rest = "crate", segs[1:]
        elif segs[0] in ("super", "self"):
            mod, rest = here, segs
            while rest and rest[0] in ("super", "self"):
                mod = self.parent(mod) if rest[0] == "super" else mod
                rest = rest[1:]
        elif segs[0] in self.children(here):
            mod, rest = here, segs
        else:
            return None
        for s in rest:
            if s in self.children(mod):
                mod = s if mod == "crate" else f"{mod}::{s}"
            else:
                break
        return mod


def use_paths(tree: str) -> list:
    """`a::{b, c::{d, e}}` -> [[a, b], [a, c, d], [a, c, e]]."""
    tree = re.sub(r"\s+", "", tree)
    out = []

    def walk(prefix, s):
        depth, start, parts = 0, 0, []
        for i, c in enumerate(s):
            depth += c == "{"
            depth -= c == "}"
            if c == "," and depth == 0:
                parts.append(s[start:i])
                start = i + 1
        parts.append(s[start:])
        for p in filter(None, parts):
            b = p.find("{")
            if b >= 0:
                head = [x for x in p[:b].split("::") if x]
                walk(prefix + head, p[b + 1:p.rfind("}")])
            else:
                p = re.sub(r"as\w+$", "", p) if "::" in p else p
                segs = [x for x in re.sub(r"as(\w+)$", "", p).split("::") if x and x != "*"]
                out.append(prefix + segs)

    walk([], tree)
    return out


def edges_of(crate: Crate) -> dict:
    edges = {}
    for here, (file, code) in crate.files.items():
        targets = set()
        for m in re.finditer(r"\buse\s+([^;]+);", code):
            raw = re.sub(r"\s+as\s+\w+", "", m.group(1))
            for segs in use_paths(raw):
                t = crate.resolve(here, segs)
                if t:
                    targets.add(t)
        for m in re.finditer(r"(?<![\w:])((?:crate|super|self)(?:::\w+)+)", code):
            t = crate.resolve(here, m.group(1).split("::"))
            if t:
                targets.add(t)
        kids = crate.children(here)
        for m in re.finditer(r"(?<![\w:])(\w+)::\w", code):
            if m.group(1) in kids:
                targets.add(crate.resolve(here, [m.group(1)]))
        targets.discard(here)
        edges[here] = targets
    return edges


def layer_of(mod: str):
    for rank, (name, pats) in enumerate(LAYERS):
        for p in pats:
            if p == mod or (p.endswith("::*") and (mod == p[:-3] or mod.startswith(p[:-1]))):
                return rank, name
    return None


def is_back(a: str, b: str) -> bool:
    la, lb = layer_of(a), layer_of(b)
    if la[0] < lb[0]:
        return True
    if la[0] == lb[0] and la[1] == COMMAND_LAYER:
        unit = lambda m: COMMAND_FAMILY.get(m.split("::")[0], m.split("::")[0])  # noqa: E731
        return unit(a) != unit(b)
    return False


def sccs(nodes, edges):
    """Tarjan: the strongly connected components with more than one module."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return sorted(out)


def cycle_in(comp, edges):
    """One shortest cycle through the component's first module, as a path."""
    start, comp = comp[0], set(comp)
    prev, frontier = {start: None}, [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(edges[v] & comp):
                if w == start:
                    path = [v]
                    while prev[path[-1]] is not None:
                        path.append(prev[path[-1]])
                    return list(reversed(path)) + [start]
                if w not in prev:
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    return [start]


def is_ancestor(a: str, b: str) -> bool:
    """b is a, or a module a is declared in."""
    return b == "crate" or a == b or a.startswith(b + "::")


def main() -> int:
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] != "--edges"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    crate = Crate(Path(sys.argv[1]))
    edges = edges_of(crate)
    unclaimed = sorted(m for m in crate.files if layer_of(m) is None)
    for m in unclaimed:
        print(f"unclaimed module (add it to a layer in .ci/module_graph.py): {m}")
    if unclaimed:
        return 1
    if len(sys.argv) == 3:
        for a in sorted(edges):
            for b in sorted(edges[a]):
                print(f"{a} -> {b}")
    stale = sorted(e for e in DEBT if e.split(" -> ")[1] not in edges.get(e.split(" -> ")[0], ()))
    for e in stale:
        print(f"stale debt (the edge is gone: remove it from DEBT): {e}")
    for e, why in sorted(DEBT.items()):
        if e not in stale:
            print(f"known debt: {e}: {why}")
    edges = {a: {b for b in t if f"{a} -> {b}" not in DEBT} for a, t in edges.items()}
    # A module using its parent (a mod.rs holding its children's shared types) is no cycle.
    down = {a: {b for b in t if not is_ancestor(a, b)} for a, t in edges.items()}
    comps = sccs(crate.files, down)
    for comp in comps:
        print("cycle: " + " -> ".join(cycle_in(comp, down))
              + (f"  (component of {len(comp)}: {', '.join(comp)})" if len(comp) > 2 else ""))
    back = sorted((a, b) for a in edges for b in edges[a]
                  if is_back(a, b)
                  and not (layer_of(a) == layer_of(b) and (is_ancestor(a, b) or is_ancestor(b, a))))
    for a, b in back:
        print(f"back arrow: {a} ({layer_of(a)[1]}) -> {b} ({layer_of(b)[1]})")
    n_edges = sum(len(t) for t in edges.values())
    print(f"{len(crate.files)} modules, {n_edges} edges, {len(comps)} cycles, "
          f"{len(back)} back arrows (at most {MAX_BACK})")
    print(f"{len(DEBT) - len(stale)} edges of known debt left out")
    return 1 if comps or len(back) > MAX_BACK or stale else 0


if __name__ == "__main__":
    sys.exit(main())
