# FIXTURE tests of what a binary cache can share: the builds are wired to the derivation-shaped
# fixtures of fixture-inputs/ (real builtins.derivation drv paths, never built), so "shared"
# means the same drv path, the way Nix and a substituter see it.
{ }:
let
  fxDir = ./fixture-inputs;
  lib = import (fxDir + "/lib.nix");
  pkgs = import (fxDir + "/pkgs.nix") {
    system = "x86_64-linux";
    inherit lib;
  };
  tiersLib = import ../lib { };
  toolchainFor = import ../toolchains.nix {
    inherit tiersLib;
    mkRustBin = _: import (fxDir + "/rust-bin.nix");
    fenixFor = _: throw "not used";
  };
  buildTierPackage = import ../build.nix {
    inherit tiersLib toolchainFor;
    mkCraneLib = import (fxDir + "/crane.nix");
  };
  buildPgoPackage = import ../pgo.nix { inherit tiersLib buildTierPackage; };
  src = ./fixture-data;
  pgo =
    training:
    buildPgoPackage {
      inherit pkgs src training;
      bin = "app";
    };
  a = pgo ''"$BIN" --train a'';
  b = pgo ''"$BIN" --train b'';
  deps = p: p.cargoArtifacts.drvPath;
in
{
  "fixture sharing: the PGO chain's plain stage is the tier's ordinary release build (same drv, same deps)" = {
    expr = [
      (a.passthru.plain.drvPath == (buildTierPackage { inherit pkgs src; tier = "tier3"; }).drvPath)
      (deps a.passthru.plain == deps (buildTierPackage { inherit pkgs src; tier = "tier3"; }))
    ];
    expected = [ true true ];
  };
  "fixture sharing: every PGO stage uses the one vendored dependency set" = {
    expr = map (p: p.cargoVendorDir.drvPath == a.passthru.plain.cargoVendorDir.drvPath) [
      a.passthru.instrumented
      a.passthru.optimized
      a.passthru.instrumented.cargoArtifacts
      a.passthru.optimized.cargoArtifacts
    ];
    expected = [ true true true true ];
  };
  "fixture sharing: a new training reuses the instrumented build and its deps; the profile and what uses it change" = {
    expr = [
      (a.passthru.instrumented.drvPath == b.passthru.instrumented.drvPath)
      (deps a.passthru.instrumented == deps b.passthru.instrumented)
      (a.passthru.profile.drvPath == b.passthru.profile.drvPath)
      (deps a.passthru.optimized == deps b.passthru.optimized)
    ];
    expected = [ true true false false ];
  };
  "fixture sharing: dependencies are compiled per stage (PGO flags reach them) and per tier" = {
    expr = [
      (deps a.passthru.instrumented == deps a.passthru.plain)
      (deps (buildTierPackage { inherit pkgs src; tier = "tier1"; }) == deps (buildTierPackage { inherit pkgs src; tier = "tier2"; }))
    ];
    expected = [ false false ];
  };
}
