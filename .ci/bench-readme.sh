#!/usr/bin/env bash
# Regenerates the benchmark from ONE run: docs/bench-{ripgrep,workspace,cpu-bound}.{json,md,svg,png}
# and the book's Benchmarks block (docs/benchmarks.md) between <!-- bench:begin --> and <!-- bench:end -->. Every
# configuration of a project is measured in the same interleaved `tiercheck bench` run (warm-up,
# then ROUNDS rounds of A B C ...). Not part of CI: about an hour on a busy 2-core machine, far
# less on a quiet one. Run it on the quietest machine you have; the load average per round is
# recorded in the JSON and the Markdown.
#
#   ROUNDS=3                 measured rounds per project (clean builds: ROUNDS samples each;
#                            incremental rebuilds: 2 per round)
#   RIPGREP_DIR=/path        a ripgrep 15.1.0 checkout (default: cloned into a temp dir; nothing
#                            of it is kept)
#   PROJECTS="ripgrep workspace cpu-bound"   a subset to run (the book's block needs all three)
#
# Needs: redis-server and sccache with its redis feature (tier1+sccache), rsvg-convert (PNG),
# mold, clang, wild, llvm-bolt/merge-fdata/llvm-profdata (PGO+BOLT).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${ROUNDS:-3}
projects=${PROJECTS:-ripgrep workspace cpu-bound}
# shellcheck source=.ci/lib.sh
. "$root/.ci/lib.sh"
for t in redis-server redis-cli sccache rsvg-convert git python3; do
  command -v "$t" >/dev/null || { echo "bench-readme: $t is not installed (.ci/install.sh)"; exit 1; }
done
# The tables promise tier3 with Cranelift: refuse to publish tier3 rows without it.
cranelift_status >/dev/null || { cranelift_status; echo "bench-readme: bash .ci/install-toolchains.sh first"; exit 1; }
(cd "$root/checker" && cargo build --release -q)
scratch=$(mktemp -d /tmp/rust-tiers-bench.XXXXXX)
# A private copy: the bench re-runs itself for PGO configurations, and a rebuild meanwhile must
# not pull the binary from under it.
tc=$scratch/tiercheck
cp "$root/checker/target/release/tiercheck" "$tc"
mkdir -p "$root/docs"

# A real shared cache for tier1+sccache: redis-server on a free local port, gone at exit.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$scratch/redis"
redis-server --port "$port" --bind 127.0.0.1 --dir "$scratch/redis" --save "" --appendonly no \
  --daemonize yes --pidfile "$scratch/redis/pid" --logfile "$scratch/redis/log" --protected-mode yes
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
redis="redis://127.0.0.1:$port"

# The dev-loop configurations every project gets: the tiers and what users pick instead.
# `stock+toolchain=PIN` is stock on the flake's stable pin: what the newer compiler alone buys.
# `tier3+backend=llvm` is tier3 on the same nightly with LLVM: only the backend differs, so the pair
# says what Cranelift itself buys.
pin=$(sed -n '/^\[toolchains.stable\]/,/^\[/s/^version = "\(.*\)"/\1/p' "$root/nix/tiers.toml")
dev=(--config stock --config "stock+toolchain=$pin" --config gnu-ld-full-debug --config cargo-wizard
     --config bevy --config report-tier1 --config check --config tier1 --config tier2 --config tier3
     --config tier3+backend=llvm)
baselines=(--baseline stock --baseline gnu-ld-full-debug)
# Release builds and held-out runs only where they tell something: the stock and tier1 release
# profiles, and tier3 plain vs PGO-only vs PGO+BOLT.
release=(--release-for stock --release-for tier1 --release-for tier3 --release-for tier3+pgo)

# bench NAME DIR TITLE ARGS...: one interleaved run; its files land in docs/ only if it succeeds.
bench() {
  local name=$1 dir=$2 title=$3; shift 3
  echo "== $title: $(date -u +%H:%M) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
  clean_env env SCCACHE_REDIS_ENDPOINT="$redis" "$tc" bench "$dir" "${dev[@]}" "${baselines[@]}" \
    --rounds "$rounds" --title "$title" --work "$scratch/work-$name" \
    --markdown "$scratch/bench-$name.md" --svg "$scratch/bench-$name.svg" --json "$scratch/bench-$name.json" "$@"
  rsvg-convert -o "$scratch/bench-$name.png" "$scratch/bench-$name.svg"
  cp "$scratch/bench-$name".{md,svg,png,json} "$root/docs/"
  rm -rf "$scratch/work-$name"
}

for p in $projects; do
  case $p in
    ripgrep)
      rg=${RIPGREP_DIR:-}
      if [ -z "$rg" ]; then
        rg=$scratch/ripgrep
        git clone -q --depth 1 --branch 15.1.0 https://github.com/BurntSushi/ripgrep "$rg"
      fi
      grep -q '^version = "15.1.0"' "$rg/Cargo.toml" || { echo "bench-readme: $rg is not ripgrep 15.1.0"; exit 1; }
      (cd "$rg" && cargo fetch -q)
      # The dev loop only: ripgrep's release/PGO figures are in DESIGN.md (0.978x / 0.968x).
      bench ripgrep "$rg" "ripgrep 15.1.0" --config tier1+sccache --skip clean-release \
        --touch "$rg/crates/core/main.rs" \
        --edit "$rg/crates/searcher/src/searcher/mod.rs" 'no available searchers' 'no searchers available' ;;
    workspace)
      bench workspace "$root/examples/workspace" "examples/workspace (ledger)" \
        --config tier1+sccache --config tier3+pgo "${release[@]}" \
        --touch "$root/examples/workspace/crates/ledger-cli/src/main.rs" \
        --edit "$root/examples/workspace/crates/ledger-core/src/lib.rs" 'acct-{}' 'acct_{}' \
        --run '"$BIN" --sample 400000' --train '"$BIN" --sample 100000' ;;
    cpu-bound)
      # No dependencies: nothing for sccache to cache, so no tier1+sccache here.
      bench cpu-bound "$root/examples/cpu-bound" "examples/cpu-bound (minilisp)" --config tier3+pgo "${release[@]}" \
        --edit "$root/examples/cpu-bound/src/eval.rs" 'expected an integer' 'expected an i64' \
        --run '"$BIN" workloads/heldout/mix.lisp' \
        --train '"$BIN" workloads/train/fib-sort.lisp' --train '"$BIN" workloads/train/primes.lisp' ;;
    *) echo "bench-readme: unknown project $p"; exit 1 ;;
  esac
done

# The book's block: a summary table per project from the JSON, the chart, a link to the rest.
if [ "$projects" = "ripgrep workspace cpu-bound" ]; then
  python3 "$root/.ci/bench_readme.py" "$root/docs/benchmarks.md" "$root/docs" ripgrep workspace cpu-bound
  echo "bench-readme: docs/ and the book's Benchmarks block (docs/benchmarks.md) regenerated"
else
  echo "bench-readme: docs/bench-{${projects// /,}}.* regenerated (the book's block needs all three projects)"
fi
