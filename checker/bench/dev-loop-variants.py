#!/usr/bin/env python3
"""Benchmark: tier1's dev loop against single-setting variants of it, on ripgrep 15.1.0.

Why tier1 sets what it sets, and why it leaves out what it leaves out. Each variant is tier1 as
`tiercheck env tier1 --format json` gives it (env + cargo --config) with one thing changed, built
into its own target dir. After a warm-up build, ROUNDS rounds run every variant in turn
(interleaved, so drift on a shared machine spreads over all of them), each doing:
  * edit: a one-line change in grep-searcher (a library crate every binary path uses), flipped
    there and back on alternate rounds, so each variant builds a text it did not build last;
  * touch: a new mtime on crates/core/main.rs, no change.
Reports medians, min-max and ratios against stock and against tier1 as shipped, as Markdown.
Not part of CI (a few minutes on 2 cores); the file is written back when the run ends.

  checker/bench/dev-loop-variants.py RIPGREP_DIR [ROUNDS=7] [path/to/tiercheck]
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

EDIT_FILE = "crates/searcher/src/searcher/mod.rs"
EDIT = ("no available searchers", "no searchers available")
TOUCH_FILE = "crates/core/main.rs"
# What the caller's environment must not add to a variant.
OUTSIDE_SETTINGS = {"RUSTFLAGS", "RUSTDOCFLAGS", "RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER",
                    "RUSTUP_TOOLCHAIN", "RUST_TIERS_TIER", "RUST_TIERS_TECHNIQUES"}


def tier1(tc):
    doc = json.loads(subprocess.run([tc, "env", "tier1", "--format", "json"], check=True,
                                    capture_output=True, text=True).stdout)
    return doc["env"], [a for c in doc["cargo_config"] for a in ("--config", c)]


def variants(tc):
    env, cfg = tier1(tc)
    without_cgu = {k: v for k, v in env.items() if k != "CARGO_PROFILE_DEV_CODEGEN_UNITS"}
    flags = lambda f: dict(env, RUSTFLAGS=f)  # noqa: E731 (tier1 sets no RUSTFLAGS on x86_64 Linux)
    return [
        ("stock", "rustc as installed (rust-lld, full debuginfo)", {}, []),
        ("tier1", "tier1 as shipped", env, cfg),
        ("cgu-256", "tier1 without dev-codegen-units (rustc's incremental default, 256)", without_cgu, cfg),
        ("cgu-8", "tier1 with codegen-units = 8", dict(env, CARGO_PROFILE_DEV_CODEGEN_UNITS="8"), cfg),
        ("deps-lines", "tier1 without deps-no-debuginfo (dependencies get line tables too)", env, []),
        ("ws-full-debug", "tier1 with full debuginfo for the workspace (debug = 2; dependencies still none)",
         dict(env, CARGO_PROFILE_DEV_DEBUG="2"), cfg),
        ("split-off", "tier1 with split-debuginfo = off", dict(env, CARGO_PROFILE_DEV_SPLIT_DEBUGINFO="off"), cfg),
        ("dwarf-5", "tier1 + -Cdwarf-version=5", flags("-Cdwarf-version=5"), cfg),
        ("mold", "tier1 + cc -fuse-ld=mold (instead of rust-lld)", flags("-Clink-arg=-fuse-ld=mold"), cfg),
        ("lld-O0", "tier1 + lld -O0 (no string merging)", flags("-Clink-arg=-Wl,-O0"), cfg),
        ("no-build-id", "tier1 + --build-id=none", flags("-Clink-arg=-Wl,--build-id=none"), cfg),
        ("nightly", "tier1 on the nightly (tier2 below 4 cores, where it leaves out -Zthreads)",
         dict(env, RUSTUP_TOOLCHAIN="nightly"), cfg),
        ("nightly-threads-2", "tier1 on the nightly + -Zthreads=2 (one front-end thread per core)",
         dict(env, RUSTUP_TOOLCHAIN="nightly", RUSTFLAGS="-Zthreads=2"), cfg),
        ("no-debuginfo", "cargo-wizard's preset: debug = 0 everywhere (no file:line)",
         {"CARGO_PROFILE_DEV_DEBUG": "0"}, []),
    ]


def build(rg, work, name, env, cfg):
    base = {k: v for k, v in os.environ.items()
            if k not in OUTSIDE_SETTINGS and not (k.startswith("CARGO_") and k != "CARGO_HOME")}
    t = time.monotonic()
    subprocess.run(["cargo", "build", "-q", "--target-dir", os.path.join(work, name), *cfg],
                   cwd=rg, env={**base, **env}, check=True)
    return time.monotonic() - t


def table(title, samples, names):
    med = {n: statistics.median(samples[n]) for n in names}
    out = [f"**{title}**", "", "| variant | median | min–max | vs stock | vs tier1 |",
           "|---|---:|---:|---:|---:|"]
    for n in names:
        s = samples[n]
        out.append(f"| `{n}` | {med[n]:.3f} s | {min(s):.3f}–{max(s):.3f} s | "
                   f"{med['stock'] / med[n]:.2f}x | {med['tier1'] / med[n]:.2f}x |")
    return "\n".join(out)


def main():
    rg = os.path.abspath(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    tc = sys.argv[3] if len(sys.argv) > 3 else shutil.which("tiercheck") or "tiercheck"
    vs = variants(tc)
    path = os.path.join(rg, EDIT_FILE)
    original = open(path).read()
    if original.count(EDIT[0]) != 1:
        sys.exit(f"{path}: expected {EDIT[0]!r} once (ripgrep 15.1.0)")
    work = tempfile.mkdtemp(prefix="dev-loop-variants.")
    edit, touch, clean = ({n: [] for n, *_ in vs} for _ in range(3))
    try:
        for n, _, env, cfg in vs:
            clean[n].append(build(rg, work, n, env, cfg))
        for r in range(rounds):
            for n, _, env, cfg in vs:
                # Odd rounds edit there, even rounds back: each variant's last build saw the other.
                with open(path, "w") as f:
                    f.write(original.replace(*EDIT) if r % 2 == 0 else original)
                edit[n].append(build(rg, work, n, env, cfg))
                os.utime(os.path.join(rg, TOUCH_FILE))
                touch[n].append(build(rg, work, n, env, cfg))
    finally:
        with open(path, "w") as f:
            f.write(original)
        shutil.rmtree(work, ignore_errors=True)
    names = [n for n, *_ in vs]
    load = open("/proc/loadavg").read().split()[0]
    print(f"ripgrep 15.1.0, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {os.cpu_count()} CPUs, "
          f"{rounds} interleaved rounds after a warm-up build; load average at the end {load}.\n")
    print("\n".join(f"- `{n}`: {what}" for n, what, *_ in vs) + "\n")
    print(table(f"edit rebuild ({EDIT_FILE}: one string changed)", edit, names) + "\n")
    print(table(f"touch rebuild ({TOUCH_FILE})", touch, names) + "\n")
    print(table("first (clean) build, one sample each: indicative only", clean, names))


if __name__ == "__main__":
    main()
