#!/usr/bin/env python3
"""What a tier needs installed on a platform, from the tier data (no hand list of packages).

    python3 .ci/tier_tools.py TIERCHECK TIER [--platform P] [--with T]... [--without T]...
                              [--missing] [--llvm N]

The techniques come from `tiercheck env TIER --raw --platform P --format json` (tiercheck's own
resolution: inherited tiers, platform techniques, exclusive groups, --with/--without), each
technique's `tools` and each tool's `install` from nix/tiers.toml. Prints one line per tool:

    <apt|cargo|rustup> <package> <tool>

taken from the tool's `install` text (its first alternative: `apt-get install P`, `cargo install
[--locked] P`, `rustup component add P`), `<N>` being rustc's LLVM major (--llvm, else `rustc
-vV`). --missing leaves out tools already on PATH (as `exe` or Debian's `exe-<N>`). P defaults
to this machine's platform. tier1 on x86_64-linux prints nothing: rustc's own rust-lld links.
"""
import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def host_platform():
    machine = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}
    system = {"Linux": "linux", "Darwin": "darwin"}
    return f"{machine.get(platform.machine(), platform.machine())}-{system.get(platform.system(), platform.system())}"


def llvm_major():
    out = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout
    m = re.search(r"^LLVM version: (\d+)", out, re.M)
    if not m:
        sys.exit("tier_tools: `rustc -vV` names no LLVM version")
    return m[1]


def package(install, llvm):
    """(manager, package) from a tool's `install` text: its first alternative."""
    first = re.split(r",? or ", install)[0]
    first = re.sub(r"\(.*?\)", "", first)
    if "<N>" in first:
        first = first.replace("<N>", llvm())
    for manager, pattern in (("apt", r"apt-get install (\S+)"),
                             ("cargo", r"cargo install (?:--locked )?(\S+)"),
                             ("rustup", r"rustup component add (\S+)")):
        m = re.search(pattern, first)
        if m:
            return manager, m[1]
    sys.exit(f"tier_tools: nix/tiers.toml: cannot read an install command in {install!r}")


def on_path(exe):
    if shutil.which(exe):
        return True
    versioned = re.compile(re.escape(exe) + r"-\d+$")
    for d in os.environ.get("PATH", "").split(os.pathsep):
        if d and os.path.isdir(d) and any(versioned.match(f) for f in os.listdir(d)):
            return True
    return False


def plan(tiercheck, tier, plat, with_, without, llvm):
    cmd = [tiercheck, "env", tier, "--raw", "--platform", plat, "--format", "json"]
    for t in with_:
        cmd += ["--with", t]
    for t in without:
        cmd += ["--without", t]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"tier_tools: {' '.join(cmd)}: {p.stderr.strip()}")
    techniques = json.loads(p.stdout)["techniques"]
    with open(os.path.join(ROOT, "nix", "tiers.toml"), "rb") as f:
        data = tomllib.load(f)
    tools = []
    for t in techniques:
        for tool in data["techniques"][t].get("tools", []):
            if tool not in tools:
                tools.append(tool)
    rows = []
    for tool in tools:
        spec = data["tools"][tool]
        manager, pkg = package(spec["install"], llvm)
        rows.append((manager, pkg, tool, spec.get("exe", tool)))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tiercheck")
    ap.add_argument("tier")
    ap.add_argument("--platform", default=host_platform())
    ap.add_argument("--with", dest="with_", action="append", default=[])
    ap.add_argument("--without", action="append", default=[])
    ap.add_argument("--missing", action="store_true")
    ap.add_argument("--llvm")
    a = ap.parse_args()
    # The LLVM major is asked of rustc only when a tool's install text needs it.
    cache = {}

    def llvm_once():
        if "v" not in cache:
            cache["v"] = a.llvm or llvm_major()
        return cache["v"]

    for manager, pkg, tool, exe in plan(a.tiercheck, a.tier, a.platform, a.with_, a.without, llvm_once):
        if a.missing and on_path(exe):
            continue
        print(manager, pkg, tool)


if __name__ == "__main__":
    main()
