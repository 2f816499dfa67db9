#!/usr/bin/env bash
# The main job on a plain Debian/Ubuntu machine with rustup and no Nix: install the tier1 tools,
# build tiercheck, then build an example under tier1 and verify the project and its binaries.
#   main-job.sh [TIER] [EXAMPLE-DIR] [tiercheck build args...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tier=${1:-tier1}; dir=${2:-$root/examples/workspace}; shift $(( $# > 2 ? 2 : $# ))
INSTALL_PARTS="apt" bash "$root/.ci/install.sh"
(cd "$root/checker" && cargo build --release -q)
exec "$root/checker/target/release/tiercheck" build --tier "$tier" "$dir" "$@"
