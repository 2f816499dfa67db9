#!/usr/bin/env python3
"""The declared rust-version of a crate must be the lowest rustc its locked dependency graph
allows: the highest `rust-version` any locked package declares (cargo metadata). Declaring less
is a false promise (`cargo install --locked` fails on it); declaring more turns users away for
nothing. The crate's own code is proven by the MSRV build in test-all.sh, on that toolchain.

  msrv.py CRATE_DIR           check: prints the derived MSRV, exit 1 when the manifest differs
  msrv.py CRATE_DIR --print   print the declared rust-version (what CI installs), nothing else
"""
import json
import subprocess
import sys
import tomllib
from pathlib import Path


def version_key(v: str) -> tuple:
    return tuple(int(x) for x in v.split("."))


def normalise(v: str) -> str:
    parts = v.split(".")
    while len(parts) > 2 and parts[-1] == "0":
        parts.pop()
    return ".".join(parts)


def main() -> int:
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] != "--print"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    crate = Path(sys.argv[1])
    manifest = tomllib.loads((crate / "Cargo.toml").read_text())
    name = manifest["package"]["name"]
    declared = manifest["package"].get("rust-version")
    if declared is None:
        print(f"{crate / 'Cargo.toml'}: no rust-version", file=sys.stderr)
        return 1
    if len(sys.argv) == 3:
        print(declared)
        return 0
    meta = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked"],
        cwd=crate, check=True, capture_output=True, text=True).stdout)
    deps = [(p["rust_version"], p["name"], p["version"]) for p in meta["packages"]
            if p.get("rust_version") and p["name"] != name]
    top = max(deps, key=lambda d: version_key(d[0]))
    derived = normalise(top[0])
    needing = ", ".join(f"{n} {v}" for r, n, v in deps if normalise(r) == derived)
    print(f"msrv: {len(meta['packages'])} locked packages; the highest rust-version is {derived} "
          f"({needing}); {name} declares {declared}")
    if normalise(declared) != derived:
        print(f"msrv: FAIL {crate / 'Cargo.toml'}: rust-version = \"{declared}\" but the locked "
              f"dependencies need {derived}: set rust-version = \"{derived}\" (and check the "
              f"MSRV build)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
