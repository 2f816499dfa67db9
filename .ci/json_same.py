#!/usr/bin/env python3
"""Compares every JSON document two tiercheck binaries print on the same inputs: a structural
change (typed facts instead of `json!`, a module moved) must leave them byte-identical.

  json_same.py OLD NEW [--project DIR]... [--binary FILE]... [--build DIR]...

Inputs, besides those given: `tiers`, `explain` of every tier, technique and rule, `env` of
every tier (and `env --unset`), `toolchain` with and without `--tier`, `project` (every tier)
on every fixture, example and template, `binary` (every tier) on the ELF files given and on
the two binaries themselves, and `build --tier tier1` of each --build DIR (slow: a real cargo
build per binary, each in a fresh copy at the same path; what two builds of one tree differ in
by themselves, the codegen-unit names and what follows from them, is masked: VARIES). Both binaries run in the same
environment, one after the other. Output: one line per difference, then "N documents
compared, N differ"; exit 1 when any differs. Text output (not compared here) has snapshot
tests (checker/tests/snapshots.rs).
"""
import argparse
import difflib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(tc, args, cwd=None):
    r = subprocess.run([tc, *args], capture_output=True, text=True, cwd=cwd, timeout=900)
    return r.returncode, r.stdout


def cases(tc, extra_projects, extra_binaries):
    _, tiers_doc = run(tc, ["tiers", "--format", "json"])
    doc = json.loads(tiers_doc)
    tiers = [t["id"] for t in doc["tiers"]]
    techniques = [t["id"] for t in doc["techniques"]]
    _, rules = run(tc, ["explain", "--rules", "--format", "json"])
    rule_ids = [r["id"] for r in json.loads(rules)["rules"]]
    yield ["tiers", "--format", "json"]
    yield ["explain", "--rules", "--format", "json"]
    for i in tiers + techniques + rule_ids:
        yield ["explain", i, "--format", "json"]
    for t in tiers:
        yield ["env", t, "--format", "json"]
        yield ["env", t, "--unset", "--format", "json"]
        yield ["toolchain", "--tier", t, "--format", "json"]
    yield ["toolchain", "--format", "json"]
    projects = sorted((ROOT / "checker/tests/fixtures").iterdir())
    projects += [ROOT / "examples/workspace", ROOT / "examples/cpu-bound"]
    projects += sorted((ROOT / "templates").iterdir())
    projects += [Path(p) for p in extra_projects]
    for p in projects:
        yield ["project", "--format", "json", str(p)]
        for t in tiers:
            yield ["project", "--tier", t, "--format", "json", str(p)]
    for b in extra_binaries:
        yield ["binary", "--format", "json", b]
        for t in tiers:
            yield ["binary", "--tier", t, "--profile", "release", "--format", "json", b]


# What two builds of the same tree differ in by themselves: incremental codegen-unit names (and
# so the .dwo names, symbol counts and size) and the build ID hashed from them.
VARIES = {"build_id", "dwo_names", "size", "symbols", "llvm_suffixed_symbols"}


def masked(text):
    """A build's document with the fields in VARIES replaced by a marker."""
    try:
        doc = json.loads(text)
    except ValueError:
        return text

    def walk(v):
        if isinstance(v, dict):
            return {k: ("<varies>" if k in VARIES else walk(x)) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v
    return json.dumps(walk(doc), indent=2, sort_keys=True)


def builds(old, new, dirs):
    """`build --tier tier1` of each dir by each binary, in a copy of its own (the same path
    for both, so paths in the documents agree)."""
    for d in dirs:
        outs = []
        for tc in (old, new):
            with tempfile.TemporaryDirectory() as tmp:
                copy = Path(tmp) / "p"
                shutil.copytree(d, copy, symlinks=True, ignore=shutil.ignore_patterns("target"))
                work = Path("/tmp/json-same-build")
                shutil.rmtree(work, ignore_errors=True)
                shutil.move(copy, work)
                rc, out = run(tc, ["build", "--tier", "tier1", "--format", "json", str(work)])
                outs.append((rc, masked(out)))
                shutil.rmtree(work, ignore_errors=True)
        yield ["build", "--tier", "tier1", "--format", "json", str(d)], outs[0], outs[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--project", action="append", default=[])
    ap.add_argument("--binary", action="append", default=[])
    ap.add_argument("--build", action="append", default=[])
    a = ap.parse_args()
    binaries = a.binary + [a.old, a.new]
    compared = differ = 0

    def compare(args, o, n):
        nonlocal compared, differ
        compared += 1
        if o == n:
            return
        differ += 1
        print(f"DIFFERS: tiercheck {' '.join(args)} (exit {o[0]} vs {n[0]})")
        diff = difflib.unified_diff(o[1].splitlines(), n[1].splitlines(), "old", "new",
                                    lineterm="", n=1)
        for line in list(diff)[:20]:
            print("    " + line)

    for args in cases(a.new, a.project, binaries):
        # The binaries' own files are named by their paths: compare each under one name.
        compare(args, run(a.old, args), run(a.new, args))
    for args, o, n in builds(a.old, a.new, a.build):
        compare(args, o, n)
    print(f"{compared} documents compared, {differ} differ")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
