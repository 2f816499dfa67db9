#!/usr/bin/env python3
"""How often tiercheck asked rustc each question in one run, from an strace log:

  strace -f -s 300 -e trace=execve,clone,clone3,vfork -o LOG tiercheck build ...
  probe_count.py LOG [--max N]

Counts the processes tiercheck itself started (not cargo's, not the build's) whose program is
rustc (the rustup proxy or a toolchain's) by question: `-vV`, `--print sysroot`, `--print cfg`
(one process may ask both prints), Cargo's target-info call.
A proxy that execs the toolchain's rustc is one process, counted once. Prints one line per
question; with --max, exits 1 when a question was asked more than N times.
"""
import collections
import re
import sys

QUESTIONS = ("-vV", "--print sysroot", "--print cfg", "target info")


def questions(argv: str) -> set:
    """What one rustc command line asks: `-vV`, the prints (`--print X` or `--print=X`), or
    Cargo's target-info call (`--print=file-names` with more prints), a question of its own."""
    tokens = re.findall(r'"((?:[^"\\]|\\.)*)"', argv)
    prints = {t.split("=", 1)[1] for t in tokens if t.startswith("--print=")}
    prints |= {b for a, b in zip(tokens, tokens[1:]) if a == "--print"}
    if "file-names" in prints:
        return {"target info"}
    asked = {f"--print {p}" for p in prints} & set(QUESTIONS)
    return asked | ({"-vV"} if "-vV" in tokens else set())


def main() -> int:
    args = sys.argv[1:]
    limit = None
    if len(args) == 3 and args[1] == "--max":
        limit = int(args[2])
    elif len(args) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    parent, first_exec, root = {}, {}, None
    for line in open(args[0]):
        m = re.match(r"(\d+)\s+(.*)", line)
        if not m:
            continue
        pid, rest = int(m.group(1)), m.group(2)
        c = re.match(r"(?:<\.\.\. )?(?:clone3?|vfork)\b.*=\s*(\d+)\s*$", rest)
        if c:
            parent[int(c.group(1))] = pid
            continue
        e = re.match(r'execve\("([^"]*)", \[(.*?)\], ', rest)
        if e and "= -1" not in rest:
            root = pid if root is None else root
            first_exec.setdefault(pid, (e.group(1), e.group(2)))

    def started_by(pid):
        """The nearest ancestor that runs a program (threads run none)."""
        q = parent.get(pid)
        while q is not None and q not in first_exec:
            q = parent.get(q)
        return q

    counts = collections.Counter()
    for pid, (path, argv) in first_exec.items():
        if pid == root or started_by(pid) != root or not path.endswith("/rustc"):
            continue
        counts.update(questions(argv))
    for q in QUESTIONS:
        print(f"rustc {q}: {counts[q]}")
    if limit is not None and any(counts[q] > limit for q in QUESTIONS):
        print(f"a rustc question was asked more than {limit} time(s) in one run")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
