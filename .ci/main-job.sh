#!/usr/bin/env bash
# The main job on a plain Debian/Ubuntu machine with rustup and no Nix: build tiercheck, install
# what the chosen tier needs on this platform and is missing, then build an example under the
# tier and verify the project and its binaries.
#   main-job.sh [TIER] [EXAMPLE-DIR] [tiercheck build args...]
# What the tier needs comes from the tier data (.ci/tier_tools.py: the tier's techniques on this
# platform, their tools, each tool's install command in nix/tiers.toml), with the `--with` and
# `--without` given here: tier1 on x86_64 Linux needs nothing (rustc's own rust-lld links), tier3
# needs clang and Wild (cargo), BOLT (apt) and llvm-tools. .ci/install.sh stays the full CI
# installer.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tier=${1:-tier1}; dir=${2:-$root/examples/workspace}; shift $(( $# > 2 ? 2 : $# ))
export PATH="$HOME/.cargo/bin:$PATH"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo

(cd "$root/checker" && cargo build --release -q)
tiercheck="$root/checker/target/release/tiercheck"

# The techniques switched on or off for this build change what it needs.
choice=()
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --with | --without) choice+=("${args[i]}" "${args[i + 1]:-}"); i=$((i + 1)) ;;
    --with=* | --without=*) choice+=("${args[i]%%=*}" "${args[i]#*=}") ;;
  esac
done
plan=$(python3 "$root/.ci/tier_tools.py" "$tiercheck" "$tier" --missing ${choice[@]+"${choice[@]}"})
apt=(); crates=()
while read -r manager package tool; do
  case "$manager" in
    apt) [[ " ${apt[*]} " == *" $package "* ]] || apt+=("$package") ;;
    cargo) crates+=("$package") ;;
    # The component belongs to the toolchain `tiercheck build` picks (a dated nightly for the
    # nightly tiers): its toolchain check names the command when it is missing.
    rustup) echo "main-job: $tier uses $tool from the toolchain's $package component (rustup component add $package)" ;;
  esac
done <<<"$plan"
if [ ${#apt[@]} -gt 0 ]; then
  echo "main-job: apt ${apt[*]} (what $tier needs here)"
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${apt[@]}" >/dev/null
fi
for crate in ${crates[@]+"${crates[@]}"}; do
  echo "main-job: cargo install --locked $crate (what $tier needs here)"
  cargo install --locked -q "$crate"
done
[ -n "$plan" ] || echo "main-job: $tier needs nothing installed on this machine"
exec "$tiercheck" build --tier "$tier" "$dir" "$@"
