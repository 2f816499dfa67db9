#!/usr/bin/env bash
# The static build release.yml ships, proved here: tiercheck for x86_64-unknown-linux-musl
# builds with rustup's target alone (rustc's self-contained musl CRT and linker, no musl-tools),
# the binary is static (no interpreter, no DT_NEEDED), `tiercheck binary` on itself passes, and
# it works (`tiers` prints what the host build prints, `project` checks a fixture).
# The dev profile without debuginfo, in its own target dir: the static link is what is proved,
# at about 70 s on 2 cores instead of 100-175 s for the release profile (which was checked by
# hand the same way, docs/tiercheck.md "Static binaries"). x86_64 Linux hosts only.
#   E2E_WORK=dir  TIERCHECK=the host build (for the comparison)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${E2E_WORK:-$(mktemp -d /tmp/rust-tiers-musl.XXXXXX)}
host_tc=${TIERCHECK:-$root/checker/target/release/tiercheck}
target=x86_64-unknown-linux-musl
[ "$(uname -sm)" = "Linux x86_64" ] || { echo "skipped: not an x86_64 Linux host"; exit 0; }

rustup target list --installed | grep -qx "$target" || rustup target add "$target" >/dev/null
start=$SECONDS
(cd "$root/checker" && CARGO_PROFILE_DEV_DEBUG=0 cargo build -q --locked --target "$target" \
   --bin tiercheck --target-dir "$work/musl-target")
bin="$work/musl-target/$target/debug/tiercheck"
echo "ok   built for $target in $((SECONDS - start)) s ($(stat -c %s "$bin") bytes)"

json=$("$bin" binary --format json "$bin")
python3 - "$json" <<'EOF'
import json, sys
elf = json.loads(sys.argv[1])["facts"]["binaries"][0]["elf"]
problems = [f"{k} is {elf[k]!r}" for k, want in
            (("linkage", ("static", "static-pie")), ("interpreter", (None,)), ("needed", ([],)))
            if elf[k] not in want]
if problems:
    sys.exit("FAIL not static: " + ", ".join(problems))
print(f"ok   static: linkage {elf['linkage']}, no interpreter, no DT_NEEDED")
EOF
"$bin" binary -q "$bin" || { echo "FAIL tiercheck binary on itself: exit $?"; exit 1; }
echo "ok   tiercheck binary passes on itself (exit 0)"

diff <("$bin" tiers) <("$host_tc" tiers) >/dev/null || { echo "FAIL its tiers output differs from the host build's"; exit 1; }
echo "ok   its tiers output equals the host build's"
mkdir -p "$work/musl-fixture/src"
printf '[package]\nname = "fixture"\nversion = "0.1.0"\nedition = "2021"\n' >"$work/musl-fixture/Cargo.toml"
echo 'fn main() {}' >"$work/musl-fixture/src/main.rs"
"$bin" project -q --tier tier1 "$work/musl-fixture" >/dev/null || { echo "FAIL project on a fixture: exit $?"; exit 1; }
echo "ok   it checks a project (exit 0)"
echo "musl: all checks passed"
