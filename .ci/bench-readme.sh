#!/usr/bin/env bash
# Regenerates the README's benchmark (docs/bench-*.md, docs/bench-*.svg): every configuration on
# both examples, interleaved, warm-up + ROUNDS rounds. Slow (about 30 minutes on 2 cores); not
# part of CI, which runs the bench command's smoke test instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${ROUNDS:-3}
# shellcheck source=.ci/lib.sh
. "$root/.ci/lib.sh"
(cd "$root/checker" && cargo build --release -q)
# A private copy: the bench re-runs itself for PGO configurations, and a rebuild meanwhile must
# not pull the binary from under it.
tc=$(mktemp -d /tmp/rust-tiers-bench-bin.XXXXXX)/tiercheck
cp "$root/checker/target/release/tiercheck" "$tc"
mkdir -p "$root/docs"
configs=(--config gnu-ld-full-debug --config stock --config tier1 --config tier2 --config tier3+pgo)
baselines=(--baseline stock --baseline gnu-ld-full-debug)
clean_env "$tc" bench "$root/examples/cpu-bound" "${configs[@]}" "${baselines[@]}" --rounds "$rounds" \
  --run '"$BIN" workloads/heldout/mix.lisp' \
  --train '"$BIN" workloads/train/fib-sort.lisp' --train '"$BIN" workloads/train/primes.lisp' \
  --work /tmp/rust-tiers-bench/cpu-bound \
  --markdown "$root/docs/bench-cpu-bound.md" --svg "$root/docs/bench-cpu-bound.svg" --json "$root/docs/bench-cpu-bound.json"
clean_env "$tc" bench "$root/examples/workspace" "${configs[@]}" "${baselines[@]}" --rounds "$rounds" \
  --touch "$root/examples/workspace/crates/ledger-cli/src/main.rs" \
  --run '"$BIN" --sample 400000' --train '"$BIN" --sample 100000' \
  --work /tmp/rust-tiers-bench/workspace \
  --markdown "$root/docs/bench-workspace.md" --svg "$root/docs/bench-workspace.svg" --json "$root/docs/bench-workspace.json"
