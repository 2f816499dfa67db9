#!/usr/bin/env bash
# Benchmark: `tiercheck project` on a generated 100-crate workspace (target: < 250 ms median),
# and on a one-line 100 MB rustflags array beside `cargo metadata` on the same project (linear
# parsing: about Cargo's time). Timings come from hyperfine, interleaved where compared.
#
#   checker/bench/project-workspace.sh [path/to/tiercheck]   (default: builds the release binary)
#   SKIP_BIG=1 ...: only the 100-crate workspace
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-}
if [ -z "$bin" ]; then
  (cd "$here" && cargo build --release -q)
  bin=$here/target/release/tiercheck
fi
bin=$(realpath "$bin")
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)" >&2; exit 2; }
work=$(mktemp -d /tmp/tiercheck-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# 100 crates: members by glob, one excluded, each depending on the previous by path, a config
# with cfg tables and profiles, as a real workspace has.
ws=$work/ws
mkdir -p "$ws/.cargo" "$ws/crates"
{
  echo '[workspace]'
  echo 'members = ["crates/*"]'
  echo 'exclude = ["crates/c100"]'
  echo 'resolver = "2"'
  echo '[workspace.dependencies]'
  echo 'c001 = { path = "crates/c001" }'
  echo '[profile.release]'
  echo 'lto = "thin"'
  echo '[profile.ci]'
  echo 'inherits = "dev"'
} > "$ws/Cargo.toml"
cat > "$ws/.cargo/config.toml" <<'CFG'
[build]
rustflags = ["--cfg", "bench"]
[target.'cfg(all(target_os = "linux", target_arch = "x86_64"))']
rustflags = ["-C", "link-arg=-fuse-ld=mold"]
[target.'cfg(windows)']
rustflags = ["-C", "target-feature=+crt-static"]
[profile.dev]
split-debuginfo = "unpacked"
CFG
for i in $(seq -w 1 100); do
  d=$ws/crates/c$i
  mkdir -p "$d/src"
  prev=$(printf 'c%03d' $((10#$i - 1)))
  {
    echo "[package]"
    echo "name = \"c$i\""
    echo 'version = "0.1.0"'
    echo 'edition = "2021"'
    echo '[dependencies]'
    if [ "$i" != 001 ]; then echo "$prev = { path = \"../$prev\" }"; fi
    if [ "$((10#$i))" -gt 2 ]; then echo 'c001.workspace = true'; fi
  } > "$d/Cargo.toml"
  echo 'pub fn f() {}' > "$d/src/lib.rs"
done
# Exit 1 means findings (a machine without mold gets one): the report is what counts here.
members=$({ "$bin" project --format json "$ws" || [ $? -eq 1 ]; } | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["facts"]["members"]))')
echo "100-crate workspace: tiercheck sees $members members (99 expected: c100 excluded)"
hyperfine -N -i --warmup 3 --runs 20 --export-json "$work/ws.json" "$bin project $ws" >/dev/null
python3 - "$work/ws.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
med = r["median"] * 1000
print(f"tiercheck project, 100 crates: median {med:.0f} ms (min {r['min']*1000:.0f}, max {r['max']*1000:.0f}); target < 250 ms: {'met' if med < 250 else 'NOT met'}")
PY

# Beside `cargo metadata --no-deps`, which reads the same manifests and does less: one interleaved
# run (each round runs all three, in alternating order), so load on a shared machine hits them
# alike. tiercheck twice: answering from the rustc answers an earlier run kept (as Cargo keeps
# its own in target/.rustc_info.json), and with TIERCHECK_NO_CACHE, asking rustc every time.
python3 - "$bin" "$ws" <<'PY'
import os, statistics, subprocess, sys, time
tc, ws = sys.argv[1], sys.argv[2]
cold = dict(os.environ, TIERCHECK_NO_CACHE="1")
cmds = {"tiercheck project": ([tc, "project", ws], None),
        "tiercheck project, rustc asked": ([tc, "project", ws], cold),
        "cargo metadata --no-deps": (["cargo", "metadata", "--no-deps", "--format-version", "1"], None)}
times = {k: [] for k in cmds}
for i in range(43):
    for name in (list(cmds) if i % 2 else list(cmds)[::-1]):
        argv, env = cmds[name]
        t = time.perf_counter()
        subprocess.run(argv, cwd=ws, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if i >= 3:  # the first rounds warm the page cache and the kept answers
            times[name].append(time.perf_counter() - t)
med = {k: statistics.median(v) * 1000 for k, v in times.items()}
c = med["cargo metadata --no-deps"]
print(f"100 crates, 40 interleaved rounds (medians): cargo metadata --no-deps {c:.0f} ms")
for k in list(cmds)[:2]:
    t = med[k]
    print(f"  {k}: {t:.0f} ms (ratio {t / c:.2f}x; target <= 1.00x: {'met' if t <= c else 'NOT met'})")
PY

[ -n "${SKIP_BIG:-}" ] && exit 0  # SKIP_BIG=1: the 100-crate runs only
# One line of 100 MB of rustflags, tiercheck beside cargo metadata (which reads the same config).
big=$work/big
mkdir -p "$big/src" "$big/.cargo"
printf '[package]\nname = "big"\nversion = "0.1.0"\nedition = "2021"\n' > "$big/Cargo.toml"
echo 'fn main() {}' > "$big/src/main.rs"
python3 - "$big/.cargo/config.toml" <<'PY'
import sys
flag = '"-Cdebug-assertions=on", '
with open(sys.argv[1], "w") as f:
    f.write("[build]\nrustflags = [" + flag * (100_000_000 // len(flag)) + '"--cfg", "x"]\n')
PY
# Both run in the project directory: Cargo reads configuration from where it runs.
hyperfine -i --runs 3 --export-json "$work/big.json" \
  "cd $big && $bin project ." \
  "cd $big && cargo metadata --no-deps --format-version 1" >/dev/null
python3 - "$work/big.json" <<'PY'
import json, sys
t, c = json.load(open(sys.argv[1]))["results"]
print(f"100 MB rustflags array: tiercheck {t['median']:.1f} s, cargo metadata {c['median']:.1f} s (ratio {t['median']/c['median']:.2f}x)")
PY
