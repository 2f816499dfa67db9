# FIXTURE tests of nix/build.nix, nix/naersk.nix and nix/verify.nix with a fake crane and naersk
# that return the arguments they were given.
{ }:
let
  tiersLib = import ../lib { };
  # aarch64-linux: where tier1 links with mold via clang (on x86_64-linux it keeps rust-lld).
  fx = import ./fixture.nix { system = "aarch64-linux"; };
  toolchainFor = { tier, ... }: fx.drv "toolchain-${tier}";
  mkCraneLib = _pkgs: {
    overrideToolchain = f: {
      toolchain = f { };
      buildDepsOnly = args: { depsArgs = args; };
      buildPackage = args: args;
    };
  };
  buildTierPackage = import ../build.nix { inherit tiersLib toolchainFor mkCraneLib; };
  buildNaersk = import ../naersk.nix { inherit tiersLib toolchainFor; naerskSrc = "naersk-src"; };
  verifyTier = import ../verify.nix { };
  pkg = buildTierPackage { inherit (fx) pkgs; tier = "tier1"; src = "/src"; enable = [ "sccache" ]; };
  linker = "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER";
in
{
  "fixture build: crane gets the tier linker in the build" = {
    expr = pkg.${linker};
    expected = "/nix/store/fixture-clang/bin/clang";
  };
  "fixture build: dependencies are built with the same tier env (no rebuild)" = {
    expr = [ pkg.cargoArtifacts.depsArgs.${linker} pkg.cargoArtifacts.depsArgs.CARGO_PROFILE_RELEASE_LTO ];
    expected = [ "/nix/store/fixture-clang/bin/clang" "thin" ];
  };
  "fixture build: release profile, unstripped, linker tools as build inputs" = {
    expr = [ pkg.CARGO_PROFILE pkg.dontStrip (map (p: p.name) pkg.nativeBuildInputs) ];
    expected = [ "release" true [ "clang" "mold" ] ];
  };
  "fixture build: release builds carry no dev-only settings" = {
    expr = pkg ? CARGO_PROFILE_DEV_SPLIT_DEBUGINFO;
    expected = false;
  };
  "fixture build: no compile cache inside the sandbox even when enabled" = {
    expr = pkg ? RUSTC_WRAPPER;
    expected = false;
  };
  "fixture build: the toolchain is the tier's" = {
    expr = pkg.passthru.toolchain.name;
    expected = "toolchain-tier1";
  };
  "fixture naersk: env passed as attributes, release" = {
    expr =
      let
        n = buildNaersk { inherit (fx) pkgs; tier = "tier1"; src = "/src"; };
      in
      [ n.${linker} n.release n.dontStrip ];
    expected = [ "/nix/store/fixture-clang/bin/clang" true true ];
  };
  "fixture verify: runs tiercheck project and binary for the tier" = {
    expr =
      let
        v = verifyTier { inherit (fx) pkgs; tier = "tier2"; package = fx.drv "app"; src = "/src"; tiercheck = fx.drv "tiercheck"; };
      in
      builtins.match ".*tiercheck project --tier tier2 /src.*tiercheck binary --tier tier2 --profile release.*" v.script != null;
    expected = true;
  };
}
