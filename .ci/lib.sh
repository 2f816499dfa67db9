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
