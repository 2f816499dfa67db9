# Pure tests of nix/lib: no nixpkgs, no fixtures.
{ }:
let
  l = import ../lib { };
  env = tier: system: l.tierEnv { inherit tier system; };
  t3 = l.resolveTier { tier = "tier3"; };
in
{
  "resolve: tier3 replaces mold with wild (exclusive linker group)" = {
    expr = [ (builtins.elem "wild" t3.techniques) (builtins.elem "mold" t3.techniques) ];
    expected = [ true false ];
  };
  "resolve: tier2 = tier1 + parallel-frontend, in order" = {
    expr = (l.resolveTier { tier = "tier2"; }).techniques;
    expected = (l.resolveTier { tier = "tier1"; }).techniques ++ [ "parallel-frontend" ];
  };
  "resolve: enable fat-lto replaces thin-lto; disable drops" = {
    expr =
      let
        r = l.resolveTier { tier = "tier1"; enable = [ "fat-lto" ]; disable = [ "debug-line-tables-only" ]; };
      in
      [ (builtins.elem "fat-lto" r.techniques) (builtins.elem "thin-lto" r.techniques) (builtins.elem "debug-line-tables-only" r.techniques) ];
    expected = [ true false false ];
  };
  "resolve: enabling an unshipped technique throws" = {
    expr = l.resolveTier { tier = "tier1"; enable = [ "rust-gpu" ]; };
    throws = true;
  };
  "resolve: disabling what the tier lacks throws" = {
    expr = l.resolveTier { tier = "tier1"; disable = [ "cranelift" ]; };
    throws = true;
  };
  "resolve: unknown tier throws" = {
    expr = l.resolveTier { tier = "tier9"; };
    throws = true;
  };
  "resolve: darwin leaves out wild and bolt, says why" = {
    expr = (l.resolveTier { tier = "tier3"; platform = "aarch64-darwin"; }).leftOut;
    expected = [
      { id = "wild"; reason = "not available on aarch64-darwin"; }
      { id = "bolt"; reason = "not available on aarch64-darwin"; }
    ];
  };
  "resolve: release profile drops cranelift, keeps pgo" = {
    expr =
      let
        r = l.resolveTier { tier = "tier3"; profile = "release"; };
      in
      [ (builtins.elem "cranelift" r.techniques) (builtins.elem "pgo" r.techniques) ];
    expected = [ false true ];
  };
  "resolve: an inheritance cycle throws" = {
    expr =
      let
        data = l.data // { tiers = l.data.tiers // { tier1 = l.data.tiers.tier1 // { inherits = "tier2"; }; }; };
      in
      (import ../lib/resolveTier.nix { inherit data; unique = import ../lib/unique.nix { }; } { tier = "tier2"; }).techniques;
    throws = true;
  };
  "env: tier1 on x86_64-linux keeps rustc's rust-lld (platform_techniques)" = {
    expr = env "tier1" "x86_64-linux";
    expected = {
      CARGO_PROFILE_DEV_CODEGEN_UNITS = "16";
      CARGO_PROFILE_DEV_DEBUG = "line-tables-only";
      CARGO_PROFILE_DEV_INCREMENTAL = "true";
      CARGO_PROFILE_DEV_SPLIT_DEBUGINFO = "unpacked";
      CARGO_PROFILE_RELEASE_CODEGEN_UNITS = "1";
      CARGO_PROFILE_RELEASE_LTO = "thin";
      CARGO_PROFILE_RELEASE_STRIP = "debuginfo";
      RUST_TIERS_TECHNIQUES = "split-debuginfo,debug-line-tables-only,deps-no-debuginfo,dev-codegen-units,incremental,thin-lto,codegen-units,strip-debuginfo,custom-profiles,lld";
      RUST_TIERS_TIER = "tier1";
    };
  };
  "env: tier1 on aarch64-linux links with mold via clang" = {
    expr =
      let
        e = env "tier1" "aarch64-linux";
      in
      [ e.CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER e.CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS ];
    expected = [ "@clang@" "-C link-arg=--ld-path=@mold@" ];
  };
  "cargo config: dependencies without debuginfo, which the environment cannot say" = {
    expr = l.tierCargoConfig { tier = "tier1"; system = "x86_64-linux"; profile = "dev"; };
    expected = [ "profile.dev.package.\"*\".debug=0" ];
  };
  "resolve: parallel-frontend left out below its min_cores, kept when cores are unknown" = {
    expr = [
      (l.resolveTier { tier = "tier2"; cores = 2; }).leftOut
      (builtins.elem "parallel-frontend" (l.resolveTier { tier = "tier2"; }).techniques)
    ];
    expected = [ [ { id = "parallel-frontend"; reason = "needs 16+ cores, this machine has 2"; } ] true ];
  };
  "env: tier3 uses -Z threads, and wild and cranelift for the dev profile only" = {
    expr =
      let
        e = env "tier3" "aarch64-linux";
      in
      [
        e.CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS
        e.CARGO_PROFILE_DEV_RUSTFLAGS
        e.CARGO_UNSTABLE_PROFILE_RUSTFLAGS
        e.CARGO_PROFILE_DEV_CODEGEN_BACKEND
        e.CARGO_UNSTABLE_CODEGEN_BACKEND
        (e ? CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER)
      ];
    expected = [ "-Z threads=8" "-C linker=@clang@ -C link-arg=--ld-path=@wild@" "true" "cranelift" "true" false ];
  };
  "env: tier1 on darwin has no linker (mold is ELF-only)" = {
    expr = (env "tier1" "aarch64-darwin") ? CARGO_TARGET_AARCH64_APPLE_DARWIN_LINKER;
    expected = false;
  };
  "env: tools are substituted" = {
    expr = (l.tierEnv { tier = "tier1"; system = "aarch64-linux"; tools = n: "/t/${n}"; }).CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS;
    expected = "-C link-arg=--ld-path=/t/mold";
  };
  "env: sccache sets RUSTC_WRAPPER and turns incremental off" = {
    expr =
      let
        e = l.tierEnv { tier = "tier1"; system = "x86_64-linux"; enable = [ "sccache" ]; };
      in
      [ e.RUSTC_WRAPPER e.CARGO_INCREMENTAL ];
    expected = [ "@sccache@" "0" ];
  };
  "env: the sandbox drops the compile cache" = {
    expr = (l.tierEnv { tier = "tier1"; system = "x86_64-linux"; enable = [ "sccache" ]; sandbox = true; }) ? RUSTC_WRAPPER;
    expected = false;
  };
  "env: tier5 ships nothing and says why" = {
    expr = env "tier5" "x86_64-linux";
    throws = true;
  };
  "env: unknown system throws" = {
    expr = env "tier1" "riscv64-linux";
    throws = true;
  };
  "toolchain: tier1 is stable 1.98.0" = {
    expr = with l.toolchainSpec { tier = "tier1"; }; [ channel version ];
    expected = [ "stable" "1.98.0" ];
  };
  "toolchain: tier3 is the dated nightly with the cranelift component and llvm-tools" = {
    expr =
      with l.toolchainSpec { tier = "tier3"; };
      [ channel date (builtins.elem "rustc-codegen-cranelift-preview" components) (builtins.elem "llvm-tools" components) ];
    expected = [ "nightly" "2026-08-22" true true ];
  };
  "toolchain: tier5 has none" = {
    expr = l.toolchainSpec { tier = "tier5"; };
    throws = true;
  };
  "tools: tier1 needs clang and mold on aarch64-linux, nothing on x86_64-linux" = {
    expr = map (system: (l.tierTools { tier = "tier1"; inherit system; }).all) [ "aarch64-linux" "x86_64-linux" ];
    expected = [ [ "clang" "mold" ] [ ] ];
  };
  "tools: tier3 gets BOLT from nixpkgs and llvm-profdata from the toolchain" = {
    expr = l.tierTools { tier = "tier3"; system = "x86_64-linux"; };
    expected = {
      all = [ "clang" "wild" "llvm-profdata" "llvm-bolt" "merge-fdata" ];
      nixpkgs = [ "clang" "wild" "llvm-bolt" "merge-fdata" ];
      toolchain = [ "llvm-profdata" ];
    };
  };
  "profile settings: tier1" = {
    expr = l.profileSettings { tier = "tier1"; };
    expected = {
      dev = { codegen-units = 16; debug = "line-tables-only"; incremental = true; split-debuginfo = "unpacked"; package."*".debug = 0; };
      release = { codegen-units = 1; lto = "thin"; strip = "debuginfo"; };
    };
  };
  "envKey" = {
    expr = l.envKey "x86_64-unknown-linux-gnu.release-fat";
    expected = "X86_64_UNKNOWN_LINUX_GNU_RELEASE_FAT";
  };
  "requireNix: passes on a new enough Nix" = {
    expr = l.requireNix { minimum = "2.0"; } "ok";
    expected = "ok";
  };
  "requireNix: throws with a message on an old Nix" = {
    expr = l.requireNix { minimum = "99.0"; } "ok";
    throws = true;
  };
  "forEachSystem covers the declared platforms, x86_64-darwin not among them (nixpkgs 26.11 dropped it)" = {
    expr = builtins.attrNames (l.forEachSystem (s: s));
    expected = [ "aarch64-darwin" "aarch64-linux" "x86_64-linux" ];
  };
}
