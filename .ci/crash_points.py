#!/usr/bin/env python3
"""SIGKILL at every point where tiercheck changes the disk, not at random ones.

A killed process leaves the disk as it was just before one of its state-changing system calls
(or after its last one), so killing it on entry to each of them, in turn, reaches every state a
SIGKILL can leave. strace does the killing (`-e inject=SYSCALL:signal=KILL:when=N`).

For each scenario (`init --yes` writing two files; `bench --edit` changing a source file):
1. run it once traced, and list its state-changing calls on the project;
2. for each, run it again and kill it on entry to that call (the run must die by SIGKILL there);
3. check that no project file is torn (each is byte-identical to its original or its result);
4. kill `tiercheck recover` itself at each of its own state-changing calls, then recover again;
5. run `tiercheck recover`: the project must be exactly the original or the result (init), or
   the original (bench), with no temp file, record or directory of ours left.

Usage: crash_points.py TIERCHECK WORKDIR. Prints one line per scenario and exits 1 on a failure.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

CHANGING = ("openat", "write", "pwrite64", "rename", "renameat", "renameat2", "unlink",
            "unlinkat", "mkdir", "mkdirat", "rmdir", "fchmod", "fchown", "ftruncate",
            "symlink", "symlinkat", "link", "linkat")
# What cargo writes during a bench, and the bench's own reports: not the project's files.
IGNORED = ("target/rust-tiers-bench", "target/debug", "target/release")
CALL = re.compile(r"^(\w+)\((.*)\)\s+=\s+(-?\d+)")
PATH = re.compile(r'"([^"]*)"')


def clean_env():
    drop = re.compile(r"^(CARGO_TARGET_|CARGO_PROFILE_|CARGO_UNSTABLE_|RUST_TIERS_|SCCACHE_)|"
                      r"^(RUSTFLAGS|CARGO_ENCODED_RUSTFLAGS|CARGO_BUILD_RUSTFLAGS|RUSTC_WRAPPER|"
                      r"CARGO_INCREMENTAL|RUSTUP_TOOLCHAIN)$")
    return {k: v for k, v in os.environ.items() if not drop.search(k)}


# Kill points are "the n-th call of a syscall", so every run must make the same calls: rustc's
# answers kept between runs (~/.cache/tiercheck, outside the project) would be written by the
# first run and only read by the next, shifting n.
ENV = dict(clean_env(), TIERCHECK_NO_CACHE="1")


def snapshot(root):
    """Every path under root (but IGNORED) with the hash of its bytes."""
    out = {}
    for dirpath, dirs, files in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        dirs[:] = [d for d in dirs if os.path.normpath(os.path.join(rel_dir, d)) not in IGNORED]
        for d in dirs:
            p = os.path.join(dirpath, d)
            out[os.path.relpath(p, root) + "/"] = "link:" + os.readlink(p) if os.path.islink(p) else "dir"
        for f in files:
            p = os.path.join(dirpath, f)
            if os.path.islink(p):
                out[os.path.relpath(p, root)] = "link:" + os.readlink(p)
            else:
                out[os.path.relpath(p, root)] = hashlib.sha256(Path(p).read_bytes()).hexdigest()
    return out


def describe(got, want):
    extra = sorted(set(got) - set(want))
    missing = sorted(set(want) - set(got))
    changed = sorted(p for p in set(got) & set(want) if got[p] != want[p])
    parts = [f"{n}: {', '.join(v[:3])}" for n, v in
             (("extra", extra), ("missing", missing), ("changed", changed)) if v]
    return "; ".join(parts)


def traced(argv, trace, kill=None):
    """Runs argv under strace (no -f: tiercheck's own calls), killing it on entry to the
    kill=(syscall, n)-th call when given. Returns the return code."""
    if kill:
        name, n = kill
        opts = ["-e", f"trace={name}", "-e", f"inject={name}:signal=KILL:when={n}"]
    else:
        opts = ["-e", "trace=" + ",".join(CHANGING)]
    cmd = ["strace", "-qq", "-o", str(trace), *opts, *argv]
    return subprocess.run(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          timeout=600).returncode


def changing_calls(trace, root, ignored=IGNORED):
    """The state-changing calls on files under root, as (syscall, n-th call of that syscall,
    shown) in order."""
    seen, fds, points = {}, {}, []
    root = str(root) + "/"
    for line in Path(trace).read_text().splitlines():
        m = CALL.match(line)
        if not m:
            continue
        name, args, ret = m.group(1), m.group(2), int(m.group(3))
        seen[name] = seen.get(name, 0) + 1
        paths = PATH.findall(args)
        if name == "openat" and ret >= 0 and paths:
            fds[ret] = paths[0]
            if not re.search(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC", args):
                continue
        elif name in ("write", "pwrite64", "fchmod", "fchown", "ftruncate"):
            fd = int(args.split(",", 1)[0])
            paths = [fds.get(fd, "")]
        elif name == "openat":
            continue
        inside = [p for p in paths if p.startswith(root)]
        if not inside or all(p[len(root):].startswith(ignored) for p in inside):
            continue
        points.append((name, seen[name], f"{name} {inside[0][len(root):]}"))
    return points


class Scenario:
    def __init__(self, name, tc, work):
        self.name, self.tc, self.work = name, tc, Path(work) / name
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        self.proj = self.work / "proj"
        self.failures = []
        self.points = 0
        self.recover_points = 0

    def fail(self, msg):
        if len(self.failures) < 8:
            print(f"  {self.name}: {msg}")
        self.failures.append(msg)

    def recover(self, proj):
        r = subprocess.run([self.tc, "recover", str(proj)], env=ENV, capture_output=True,
                           text=True, timeout=120)
        return r.returncode, r.stderr.strip()

    def reset(self):
        shutil.rmtree(self.proj, ignore_errors=True)
        shutil.copytree(self.pristine, self.proj, symlinks=True)

    def check_kill_point(self, point, tag):
        name, n, shown = point
        rc = traced(self.argv(self.proj), self.work / "kill.trace", (name, n))
        if rc != -9:
            self.fail(f"{tag} ({shown}): the run did not die there (rc {rc})")
            return
        self.points += 1
        now = snapshot(self.proj)
        for f in self.checked_files:
            if now.get(f) not in (self.orig.get(f), self.want.get(f), *self.between(f)):
                self.fail(f"{tag} ({shown}): {f} is torn")
        self.kill_recover(tag, shown)
        rc, err = self.recover(self.proj)
        after = snapshot(self.proj)
        if after not in self.ends:
            self.fail(f"{tag} ({shown}): after recover (rc {rc} {err[:120]}) the project is "
                      f"neither the original nor the result: {describe(after, self.orig)}")

    def kill_recover(self, tag, shown):
        """Kills `recover` at each of its own state-changing calls on a copy of this state;
        recovering again must still end in an allowed state."""
        state = self.work / "state"
        shutil.rmtree(state, ignore_errors=True)
        shutil.copytree(self.proj, state, symlinks=True)
        trace = self.work / "recover.trace"
        copy = self.work / "copy"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(state, copy, symlinks=True)
        traced([self.tc, "recover", str(copy)], trace)
        for name, n, rshown in changing_calls(trace, copy):
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(state, copy, symlinks=True)
            rc = traced([self.tc, "recover", str(copy)], self.work / "rkill.trace", (name, n))
            if rc != -9:
                self.fail(f"{tag} ({shown}), recover killed at {rshown}: did not die (rc {rc})")
                continue
            self.recover_points += 1
            rc, err = self.recover(copy)
            if snapshot(copy) not in self.ends:
                self.fail(f"{tag} ({shown}), recover killed at {rshown}: recovering again "
                          f"(rc {rc} {err[:120]}) does not end in the original or the result: "
                          f"{describe(snapshot(copy), self.orig)}")
        shutil.rmtree(copy, ignore_errors=True)

    def run(self):
        self.make(self.proj)
        self.pristine = self.work / "pristine"
        self.settle(self.proj)
        shutil.copytree(self.proj, self.pristine, symlinks=True)
        self.orig = snapshot(self.proj)
        rc = traced(self.argv(self.proj), self.work / "full.trace")
        if rc != 0:
            self.fail(f"the untouched run failed (rc {rc})")
            return
        self.want = snapshot(self.proj)
        self.ends = [self.orig, self.want] if self.rolls_forward else [self.orig]
        points = changing_calls(self.work / "full.trace", self.proj)
        if not points:
            self.fail("no state-changing call found: the test would prove nothing")
        for i, point in enumerate(points, 1):
            self.reset()
            self.check_kill_point(point, f"point {i}/{len(points)}")
        status = "ok   " if not self.failures else "FAIL "
        print(f"{status} {self.name}: SIGKILL at each of {len(points)} points "
              f"({self.points} killed there), and recover killed at each of its own "
              f"({self.recover_points}): {len(self.failures)} failures")


class Init(Scenario):
    rolls_forward = True
    checked_files = ("Cargo.toml", "rust-toolchain.toml")

    def between(self, _file):
        return ()

    def make(self, proj):
        (proj / "src").mkdir(parents=True)
        (proj / "src/main.rs").write_text("fn main() {}\n")
        (proj / "Cargo.toml").write_text(
            '[package]\nname = "crash"\nversion = "0.1.0"\nedition = "2021"\n\n'
            '[profile.release]\nlto = "fat"\n')

    def settle(self, proj):
        pass

    def argv(self, proj):
        # Two files, all-or-nothing: the manifest and a new toolchain file.
        return [self.tc, "init", "--tier", "tier1", "--toolchain-file", "--yes", str(proj)]


class Bench(Scenario):
    rolls_forward = False
    checked_files = ("src/main.rs",)
    source = 'fn main() {\n    let x = 1;\n    println!("{x}");\n}\n'

    def between(self, _file):
        """The edited text, which the file holds between an edit and its undo."""
        return (hashlib.sha256(self.source.replace("= 1", "= 2").encode()).hexdigest(),)

    def make(self, proj):
        (proj / "src").mkdir(parents=True)
        (proj / "Cargo.toml").write_text(
            '[package]\nname = "crashb"\nversion = "0.1.0"\nedition = "2021"\n')
        (proj / "src/main.rs").write_text(self.source)

    def settle(self, proj):
        # One full run first: what cargo and the bench leave in target/ is part of the original.
        subprocess.run(self.argv(proj), env=ENV, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True, timeout=600)

    def argv(self, proj):
        return [self.tc, "bench", "--config", "stock", "--rounds", "1", "--incremental-runs", "0",
                "--skip", "clean-debug", "--skip", "clean-release", "--edit",
                str(proj / "src/main.rs"), "= 1", "= 2", "--edit-pairs", "1", str(proj)]


USAGE = "usage: crash_points.py TIERCHECK WORKDIR"


def main():
    args = sys.argv[1:]
    if "-h" in args or "--help" in args:
        print(USAGE)
        print(__doc__.strip())
        sys.exit(0)
    if len(args) != 2:
        print(USAGE, file=sys.stderr)
        sys.exit(2)
    tc, work = args
    failed = 0
    for kind in (Init, Bench):
        s = kind(kind.__name__.lower(), tc, work)
        s.run()
        failed += bool(s.failures)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
