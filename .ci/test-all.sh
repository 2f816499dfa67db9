#!/usr/bin/env bash
# Every test: tiercheck's lint and unit/integration tests, the examples' tests, the Nix
# evaluation tests, then the slow host end-to-end builds. Expects .ci/install.sh to have run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$HOME/.cargo/bin:$PATH"
# shellcheck source=.ci/lib.sh
. "$root/.ci/lib.sh"

echo "== tiercheck: fmt, clippy, tests"
cd "$root/checker"
cargo fmt --check
clean_env cargo clippy -q --all-targets -- -D warnings
clean_env cargo test -q 2>&1 | grep -E '^(test result|running|error|failures:|----)' || true
clean_env cargo test -q >/dev/null 2>&1 || { clean_env cargo test 2>&1 | tail -40; exit 1; }

echo "== README: the tiers block is tiercheck's own output"
clean_env cargo build -q --release
readme_block=$(sed -n '/<!-- tiers:begin -->/,/<!-- tiers:end -->/p' "$root/README.md" | sed '1,2d;$d' | sed '$d')
if [ "$readme_block" = "$("$root/checker/target/release/tiercheck" tiers)" ]; then echo "README tiers block is current"
else echo "README tiers block differs from 'tiercheck tiers'; regenerate it"; exit 1; fi

echo "== examples: tests"
for ex in "$root"/examples/*/; do
  (cd "$ex" && clean_env cargo test -q 2>&1 | grep -E '^test result' | head -3)
done

if [ -f "$root/.ci/nix-tests.sh" ]; then
  echo "== nix: evaluation and wiring tests"
  bash "$root/.ci/nix-tests.sh"
fi

echo "== end to end on the host"
bash "$root/.ci/e2e-host.sh"
