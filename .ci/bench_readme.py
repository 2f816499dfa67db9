"""Writes the book's Benchmarks block (docs/benchmarks.md) from the JSON documents `tiercheck bench`
wrote.

usage: bench_readme.py PAGE DOCS NAME...   (reads DOCS/bench-NAME.json for each NAME and
replaces what is between <!-- bench:begin --> and <!-- bench:end --> in PAGE, which lives in DOCS: links are relative to it)
"""
import json
import sys

from doc_block import replace_block

readme, docs, names = sys.argv[1], sys.argv[2], sys.argv[3:]
MEASURES = [("incremental", "incremental rebuild"), ("edit", "edit rebuild"), ("clean-debug", "clean debug build"),
            ("clean-release", "clean release build"), ("runtime", "release runtime")]


def cell(s):
    if s is None:
        return "–"
    ratio = "" if s.get("ratio") is None else f" · **{s['ratio']:.2f}x**"
    return f"{s['median']:.2f} s ({s['min']:.2f}–{s['max']:.2f}){ratio}"


# Pairs that differ in one thing only, so their ratio is what that thing buys: (configuration,
# the one it is compared with, what the ratio says). A name ending in "=" matches any value.
PAIRS = [("tier3", "tier3+backend=llvm", "Cranelift itself (tier3 against the same nightly and settings with LLVM)"),
         ("stock+toolchain=", "stock", "the newer compiler alone (stock settings on the flake's stable pin against the installed stable)")]


def pair_lines(series, names, measures):
    out = []
    for a, b, what in PAIRS:
        a = next((n for n in names if n == a or (a.endswith("=") and n.startswith(a))), None)
        if a is None or b not in names:
            continue
        cells = []
        for m, t in measures:
            x, y = series.get((m, a)), series.get((m, b))
            if x and y and x["median"] > 0:
                cells.append(f"{t} {y['median'] / x['median']:.2f}x")
        if cells:
            out += ["", f"{what}: `{a}` against `{b}`, median over median: {', '.join(cells)}."]
    return out


def block(name):
    with open(f"{docs}/bench-{name}.json") as f:
        d = json.load(f)
    series = {(s["measure"], s["config"]): s for s in d["series"]}
    measures = [(m, t) for m, t in MEASURES if any(k[0] == m for k in series)]
    names = [c["name"] for c in d["configs"]]
    names += [k[1] for k in series if k[1] not in names]
    debug = {c["name"]: c["debuggability"] for c in d["configs"]}
    loads = ", ".join(f"{n['load_average_1min']:.1f}" for n in d["noise"] if n.get("load_average_1min") is not None)
    m = d["machine"]
    out = [f"## {d['project']}", "",
           f"![{d['project']}](bench-{name}.png)", "",
           f"{d['date']} UTC, {d['rounds']} rounds after a warm-up, interleaved; {m['cpus']} CPUs"
           f" ({m.get('cpu_model') or 'unknown CPU'}), {m.get('memory_gib') or 0:.0f} GiB, {m.get('os') or ''},"
           f" {m['rustc']}. Load average at each round's start: {loads}. Cells: median (min–max)"
           f" · speed-up vs `{d['baselines'][0]}` (above 1 is faster).", "",
           "| configuration | debuginfo | " + " | ".join(t for _, t in measures) + " |",
           "|---|---|" + "---:|" * len(measures)]
    for n in names:
        row = [cell(series.get((mm, n))) for mm, _ in measures]
        if all(c == "–" for c in row):
            continue
        out.append(f"| `{n}` | {debug.get(n, 'as ' + n.rsplit('+', 1)[0])} | " + " | ".join(row) + " |")
    out += pair_lines(series, names, measures)
    for v in d["release_verdicts"]:
        out += ["", f"Release, {v['tier']}: ship `{v['ship']}` ({v['why']})."]
    out += ["", f"All tables, each tier against the presets, and what each configuration sets: "
                f"[bench-{name}.md](bench-{name}.md) (raw samples: `docs/bench-{name}.json`).", ""]
    return "\n".join(out)


replace_block(readme, "bench", "\n".join(block(n) for n in names), ".ci/bench-readme.sh")
