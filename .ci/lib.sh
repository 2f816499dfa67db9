# Shared shell helpers for the CI scripts.

# clean_env CMD...: runs CMD without the caller's tier or Cargo build variables, so a test sees
# only what it sets itself.
clean_env() {
  local unset=() name
  while IFS='=' read -r name _; do
    case "$name" in
      CARGO_TARGET_*|CARGO_PROFILE_*|CARGO_UNSTABLE_*|RUST_TIERS_*|RUSTFLAGS|CARGO_ENCODED_RUSTFLAGS|CARGO_BUILD_RUSTFLAGS|RUSTC_WRAPPER|CARGO_INCREMENTAL|RUSTUP_TOOLCHAIN|SCCACHE_*)
        unset+=(-u "$name") ;;
    esac
  done < <(env)
  env "${unset[@]}" "$@"
}

# The dated nightly the host runs tier3/tier4 with (.ci/install-toolchains.sh installs it).
cranelift_nightly() { echo "${CRANELIFT_NIGHTLY:-nightly-2026-10-29}"; }

# cranelift_status: prints "<nightly> has Cranelift" and succeeds, or prints one loud
# "SKIPPED: ..." line and fails, for the summaries of the suites that need Cranelift.
cranelift_status() {
  local n sysroot host
  n=$(cranelift_nightly)
  if sysroot=$(RUSTUP_AUTO_INSTALL=0 rustup run "$n" rustc --print sysroot 2>/dev/null) &&
     host=$(RUSTUP_AUTO_INSTALL=0 rustup run "$n" rustc -vV 2>/dev/null | sed -n 's/^host: //p') &&
     compgen -G "$sysroot/lib/rustlib/$host/codegen-backends/*cranelift*" >/dev/null; then
    echo "$n has Cranelift"
  else
    echo "SKIPPED: Cranelift suites: $n with rustc-codegen-cranelift-preview is not installed (rustup could not install it: see .ci/install-toolchains.sh)"
    return 1
  fi
}
