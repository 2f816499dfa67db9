# FIXTURE tests of nix/build.nix, nix/naersk.nix and nix/verify.nix with a fake crane and naersk
# that return the arguments they were given.
{ }:
let
  tiersLib = import ../lib { };
  fx = import ./fixture.nix { };
  toolchainFor = { tier, ... }: fx.drv "toolchain-${tier}";
  mkCraneLib = _pkgs: {
    overrideToolchain = f: {
      toolchain = f { };
      buildDepsOnly = args: { depsArgs = args; };
      buildPackage = args: args;
      cleanCargoSource = src: "cleaned:${src}";
    };
  };
  buildTierPackage = import ../build.nix { inherit tiersLib toolchainFor mkCraneLib; };
  buildNaersk = import ../naersk.nix { inherit tiersLib toolchainFor; naerskSrc = "naersk-src"; };
  verifyTier = import ../verify.nix { inherit tiersLib; };
  arm = import ./fixture.nix { system = "aarch64-linux"; };
  mac = import ./fixture.nix { system = "aarch64-darwin"; };
  verify =
    fx: extra:
    verifyTier (
      {
        inherit (fx) pkgs;
        tier = "tier2";
        package = fx.drv "app";
        src = "/src";
        tiercheck = fx.drv "tiercheck";
      }
      // extra
    );
  t3dev = buildTierPackage {
    inherit (fx) pkgs;
    tier = "tier3";
    src = "/src";
    profile = "dev";
  };
  t3release = buildTierPackage {
    inherit (fx) pkgs;
    tier = "tier3";
    src = "/src";
  };
  # aarch64-linux: where tier1 links with mold via clang (on x86_64-linux it keeps rust-lld).
  pkg = buildTierPackage { inherit (arm) pkgs; tier = "tier1"; src = "/src"; enable = [ "sccache" ]; };
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
        n = buildNaersk { inherit (arm) pkgs; tier = "tier1"; src = "/src"; };
      in
      [ n.${linker} n.release n.dontStrip ];
    expected = [ "/nix/store/fixture-clang/bin/clang" true true ];
  };
  "fixture build: crane arguments pass straight through to both steps (...@args)" = {
    expr =
      let
        p = buildTierPackage {
          inherit (fx) pkgs;
          tier = "tier1";
          src = "/src";
          cargoExtraArgs = "--locked -p app";
          pname = "app";
        };
      in
      [ p.cargoExtraArgs p.cargoArtifacts.depsArgs.cargoExtraArgs p.pname (p ? args) ];
    expected = [ "--locked -p app" "--locked -p app" "app" false ];
  };
  "fixture build: cargoTestExtraArgs reaches the package only; the deps keep crane's --no-run" = {
    expr =
      let
        p = buildTierPackage {
          inherit (fx) pkgs;
          tier = "tier1";
          src = "/src";
          cargoTestExtraArgs = "--lib --bins";
        };
      in
      [
        p.cargoTestExtraArgs
        (p.cargoArtifacts.depsArgs ? cargoTestExtraArgs)
        (p.passthru.commonArgs ? cargoTestExtraArgs)
      ];
    expected = [ "--lib --bins" false false ];
  };
  "fixture build: the source goes through crane's cleanCargoSource unless cleanSource = false" = {
    expr = [
      pkg.src
      pkg.cargoArtifacts.depsArgs.src
      (buildTierPackage { inherit (fx) pkgs; tier = "tier1"; src = "/src"; cleanSource = false; }).src
    ];
    expected = [ "cleaned:/src" "cleaned:/src" "/src" ];
  };
  "fixture build: no BOLT (a pipeline tool) among a tier3 crane build's inputs" = {
    expr = [ (map (p: p.name) t3release.nativeBuildInputs) (map (p: p.name) t3dev.nativeBuildInputs) ];
    expected = [ [ ] [ "clang" "wild" ] ];
  };
  "fixture build: tier3 dev links Wild through the ld.wild of nixpkgs' wrapped wild, not wild-unwrapped" = {
    expr = t3dev.CARGO_PROFILE_DEV_RUSTFLAGS;
    expected = "-C linker=/nix/store/fixture-clang/bin/clang -C link-arg=--ld-path=/nix/store/fixture-wild/bin/ld.wild";
  };
  "fixture naersk: the tier's target rustflags also get naersk's CARGO_BUILD_RUSTFLAGS (path remapping)" = {
    expr =
      let
        n = buildNaersk { inherit (fx) pkgs; tier = "tier1"; src = "/src"; postConfigure = "echo user"; };
      in
      builtins.match ".*export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS=\"[$]CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS [$][{]CARGO_BUILD_RUSTFLAGS:-}\".*echo user.*" n.postConfigure != null;
    expected = true;
  };
  "fixture verify: tiercheck project gets the system's target triple (aarch64-linux)" = {
    expr = builtins.match ".*tiercheck project --tier tier2 --target aarch64-unknown-linux-gnu /src.*" (verify arm { }).script != null;
    expected = true;
  };
  "fixture verify: on darwin only the project is verified, and the check's name says so" = {
    expr =
      let
        v = verify mac { };
      in
      [
        v.name
        (builtins.match ".*tiercheck project --tier tier2 --target aarch64-apple-darwin /src.*" v.script != null)
        (builtins.match ".*tiercheck binary.*" v.script != null)
      ];
    expected = [ "tiercheck-project-only-tier2-app" true false ];
  };
  "fixture verify: runs tiercheck project and binary for the tier" = {
    expr =
      let
        v = verifyTier { inherit (fx) pkgs; tier = "tier2"; package = fx.drv "app"; src = "/src"; tiercheck = fx.drv "tiercheck"; };
      in
      builtins.match ".*tiercheck project --tier tier2 --target x86_64-unknown-linux-gnu /src.*tiercheck binary --tier tier2 --profile release.*" v.script != null;
    expected = true;
  };
}
