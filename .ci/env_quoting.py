#!/usr/bin/env python3
"""`tiercheck env` output evaluated by the real shells, with hostile tool directories.

usage: env_quoting.py TIERCHECK WORKDIR

For each hostile directory name, clang (whose path lands in CARGO_TARGET_<T>_LINKER) and mold
(whose path lands in CARGO_TARGET_<T>_RUSTFLAGS) are symlinked into it and handed to tiercheck
with TIERCHECK_TOOL_*. The sh output is eval'ed by bash, the fish output sourced by fish, in an
empty directory: every value must come back byte for byte and no payload may run (no PWNED file).
Where Cargo could not use the path (whitespace inside a RUSTFLAGS value, non-UTF-8), tiercheck
must exit 2 with an empty stdout and name the path on stderr. Prints one line per check.
"""
import os
import shutil
import subprocess
import sys

TRIPLE_KEY = "X86_64_UNKNOWN_LINUX_GNU"
LINKER = f"CARGO_TARGET_{TRIPLE_KEY}_LINKER"
FLAGS = f"CARGO_TARGET_{TRIPLE_KEY}_RUSTFLAGS"

HOSTILE = [
    b"plain",
    b"with space",
    b"single'quote",
    b'double"quote',
    b"$(touch PWNED)",
    b"`touch PWNED`",
    b"back\\slash",
    b"\\'(touch PWNED)'",  # fish: \' inside '...' is an escape
    b"\\'(touch PWNED)\\'",  # issue 10's shape: sh-style quoting made fish run this
    b"(touch PWNED)",  # fish command substitution
    b"'; touch PWNED; '",
    b"new\nline",
    b"tab\there",
    b"$HOME{a,b}*?[x]~%self",
    b"non-utf8-\xff\xfe",
]


def which(name):
    p = shutil.which(name)
    if not p:
        sys.exit(f"env_quoting: {name} not on PATH")
    return p


def tier1_env(tc, clang, mold, fmt):
    env = dict(os.environ)
    env.pop("RUSTFLAGS", None)
    env.pop("CARGO_ENCODED_RUSTFLAGS", None)
    envb = {k.encode(): v.encode() for k, v in env.items()}
    envb[b"TIERCHECK_TOOL_CLANG"] = clang
    envb[b"TIERCHECK_TOOL_MOLD"] = mold
    # tier1 with mold: clang lands in _LINKER, mold in _RUSTFLAGS (x86_64 Linux defaults to rust-lld).
    return subprocess.run([tc, "env", "tier1", "--with", "mold", "--format", fmt], env=envb, capture_output=True)


def evaluate(shell, script, workdir):
    """Runs the shell on the script in an empty dir; returns ({var: bytes}, pwned)."""
    run_dir = os.path.join(workdir, "run")
    shutil.rmtree(run_dir, ignore_errors=True)
    os.makedirs(run_dir)
    src = os.path.join(workdir, "env." + shell)
    with open(src, "wb") as f:
        f.write(script)
    out = {}
    for var in (LINKER, FLAGS):
        dump = os.path.join(workdir, "value")
        if shell == "bash":
            cmd = ["bash", "-c", f'eval "$(cat "$1")" && printf %s "${var}" > "$2"', "bash", src, dump]
        else:
            cmd = ["fish", "--no-config", "-c", f'source $argv[1]; and printf %s "${var}" > $argv[2]', src, dump]
        subprocess.run(cmd, cwd=run_dir, check=True, capture_output=True)
        with open(dump, "rb") as f:
            out[var] = f.read()
    return out, os.listdir(run_dir) != []


def main():
    tc, work = sys.argv[1], sys.argv[2]
    real_clang, real_mold = which("clang-22"), which("mold")
    which("fish")
    passed = failed = 0

    def report(good, what):
        nonlocal passed, failed
        if good:
            passed += 1
        else:
            failed += 1
        print(("ok    " if good else "FAIL  ") + what)

    base = os.path.join(work.encode(), b"hostile")
    shutil.rmtree(base, ignore_errors=True)
    plain = os.path.join(base, b"plain-tools")
    os.makedirs(plain)
    os.symlink(real_clang, os.path.join(plain, b"clang"))
    os.symlink(real_mold, os.path.join(plain, b"mold"))
    for i, name in enumerate(HOSTILE):
        d = os.path.join(base, str(i).encode(), name)
        os.makedirs(d)
        os.symlink(real_clang, os.path.join(d, b"clang"))
        os.symlink(real_mold, os.path.join(d, b"mold"))
        shown = repr(name)[1:]
        utf8 = True
        try:
            d.decode()
        except UnicodeDecodeError:
            utf8 = False
        # clang (a whole variable) from the hostile dir, mold from a plain one; then the reverse.
        for tool, clang, mold in (
            ("clang", os.path.join(d, b"clang"), os.path.join(plain, b"mold")),
            ("mold", os.path.join(plain, b"clang"), os.path.join(d, b"mold")),
        ):
            in_flags = tool == "mold"
            usable = utf8 and not (in_flags and any(c.isspace() for c in d.decode()))
            for shell, fmt in (("bash", "sh"), ("fish", "fish")):
                what = f"{shell}: {tool} in {shown}"
                r = tier1_env(tc, clang, mold, fmt)
                if not usable:
                    named = f"/hostile/{i}/".encode() in r.stderr
                    report(r.returncode == 2 and r.stdout == b"" and named,
                           f"{what}: refused (exit {r.returncode}, stdout {len(r.stdout)} bytes): "
                           + r.stderr.decode(errors="replace").strip()[:110])
                    continue
                if r.returncode != 0:
                    report(False, f"{what}: exit {r.returncode}: {r.stderr.decode(errors='replace').strip()}")
                    continue
                try:
                    vals, pwned = evaluate(shell, r.stdout, work)
                except subprocess.CalledProcessError as e:
                    report(False, f"{what}: the shell rejected the output: {e.stderr.decode(errors='replace').strip()[:200]}")
                    continue
                want_linker = clang
                want_flags = b"-C link-arg=--ld-path=" + mold
                exact = vals[LINKER] == want_linker and vals[FLAGS] == want_flags
                report(exact and not pwned,
                       f"{what}: values exact={exact}, payload ran={pwned}"
                       + ("" if exact else f" (got {vals[LINKER]!r} / {vals[FLAGS]!r})"))
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
