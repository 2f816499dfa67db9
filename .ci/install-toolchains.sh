#!/usr/bin/env bash
# The toolchains the tiers run on the host, installed with rustup (about 20 s each):
#   * the flake's stable pin (nix/tiers.toml [toolchains.stable], 1.98.0), minimal profile;
#   * a dated nightly rustup serves Cranelift for: ${CRANELIFT_NIGHTLY:-nightly-2026-10-29} with
#     rustc-codegen-cranelift-preview, llvm-tools and rust-src. The Nix pin (nightly-2026-08-22)
#     installs, but rustup reports its Cranelift and llvm-tools "unavailable for download", so
#     the host runs this later nightly and tiercheck says so (`# toolchain: the Nix shells pin ...`).
# When rustup cannot reach its server, each missing toolchain is one loud SKIPPED line here, and
# the summaries of .ci/e2e-templates.sh and .ci/e2e-host.sh repeat it (cranelift_status in
# lib.sh): the Cranelift suites are then reported as skipped, never as passed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export PATH="$HOME/.cargo/bin:$PATH"
# shellcheck source=.ci/lib.sh
. "$here/lib.sh"
stable_pin=$(sed -n '/^\[toolchains.stable\]/,/^\[/s/^version = "\(.*\)"/\1/p' "$here/../nix/tiers.toml")
nightly=$(cranelift_nightly)

command -v rustup >/dev/null || { echo "SKIPPED: install-toolchains: no rustup; the Cranelift suites will say SKIPPED"; exit 0; }

installed() { RUSTUP_AUTO_INSTALL=0 rustup run "$1" rustc -V >/dev/null 2>&1; }

# name, then rustup arguments after the name
get() {
  local name=$1; shift
  local start=$SECONDS log
  if installed "$name" && { [ "$name" != "$nightly" ] || cranelift_status >/dev/null; }; then
    echo "install-toolchains: $name already installed"; return 0
  fi
  log=$(mktemp /tmp/rust-tiers-rustup.XXXXXX)
  if rustup toolchain install "$name" --profile minimal "$@" >"$log" 2>&1; then
    echo "install-toolchains: $name installed in $((SECONDS - start)) s ($(RUSTUP_AUTO_INSTALL=0 rustup run "$name" rustc -V))"
  else
    echo "SKIPPED: install-toolchains: rustup could not install $name: $(grep -m1 -iE 'error|could not' "$log")"
  fi
  rm -f "$log"
}

get "$stable_pin"
get "$nightly" -c rustc-codegen-cranelift-preview -c llvm-tools -c rust-src
if why=$(cranelift_status); then echo "install-toolchains: Cranelift: $why"
else echo "$why"; fi
exit 0
