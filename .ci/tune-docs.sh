#!/usr/bin/env bash
# Runs `tiercheck tune` where the book shows it: ripgrep 15.1.0 (tier1, tier3) and both examples
# (tier1, tier3), each on a scratch copy with --dry-run (nothing is kept on this machine), and
# writes docs/tune/<project>-<tier>.{txt,json,svg} and the Results block of docs/tune.md. Not part of CI: about 10 min per ripgrep run
# and TUNE_BUDGET_SMALL per example run on 2 cores. Run it on the quietest machine you have.
#   RIPGREP_DIR=/path          a ripgrep 15.1.0 checkout (default: cloned into a temp dir)
#   TUNE_BUDGET=10m            ripgrep's budget (tune's default)
#   TUNE_BUDGET_SMALL=4m       the examples' budget
#   RUNS="ripgrep:tier1 ripgrep:tier3 workspace:tier1 workspace:tier3 cpu-bound:tier1 cpu-bound:tier3"
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=.ci/lib.sh
. "$root/.ci/lib.sh"
runs=${RUNS:-ripgrep:tier1 ripgrep:tier3 workspace:tier1 workspace:tier3 cpu-bound:tier1 cpu-bound:tier3}
(cd "$root/checker" && cargo build --release -q)
scratch=$(mktemp -d /tmp/rust-tiers-tune.XXXXXX)
tc=$scratch/tiercheck
cp "$root/checker/target/release/tiercheck" "$tc"
out=$root/docs/tune
mkdir -p "$out"
export XDG_CONFIG_HOME="$scratch/config"

source_of() {
  case $1 in
    ripgrep)
      local rg=${RIPGREP_DIR:-}
      if [ -z "$rg" ]; then
        rg=$scratch/ripgrep-src
        [ -d "$rg" ] || git clone -q --depth 1 --branch 15.1.0 https://github.com/BurntSushi/ripgrep "$rg"
      fi
      grep -q '^version = "15.1.0"' "$rg/Cargo.toml" || { echo "tune-docs: $rg is not ripgrep 15.1.0" >&2; exit 1; }
      echo "$rg" ;;
    workspace|cpu-bound) echo "$root/examples/$1" ;;
    *) echo "tune-docs: unknown project $1" >&2; exit 1 ;;
  esac
}

for run in $runs; do
  project=${run%%:*} tier=${run#*:}
  src=$(source_of "$project")
  # A directory named as the project: tune names the project after it.
  copy=$scratch/$tier/$project
  rm -rf "$copy"; mkdir -p "$scratch/$tier"; cp -a "$src" "$copy"; rm -rf "$copy/target"
  (cd "$copy" && cargo fetch -q)
  budget=${TUNE_BUDGET_SMALL:-4m}
  edit=()
  if [ "$project" = ripgrep ]; then
    budget=${TUNE_BUDGET:-10m}
    edit=(--edit "$copy/crates/searcher/src/searcher/mod.rs" 'no available searchers' 'no searchers available')
  fi
  echo "== tune $tier on $project (budget $budget): $(date -u +%H:%M) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
  clean_env "$tc" tune --tier "$tier" "$copy" --budget "$budget" --dry-run "${edit[@]}" \
    --json "$scratch/$project-$tier.json" --svg "$scratch/$project-$tier.svg" >"$scratch/$project-$tier.txt"
  cp "$scratch/$project-$tier".{txt,json,svg} "$out/"
  grep -E '^result:' "$scratch/$project-$tier.txt" || true
  rm -rf "$copy"
done
names=()
for run in $runs; do names+=("${run%%:*}-${run#*:}"); done
python3 "$root/.ci/tune_docs.py" "$root/docs/tune.md" "$out" "${names[@]}"
echo "tune-docs: docs/tune/ and the Results block of docs/tune.md regenerated for: $runs"
