# FIXTURE tests of nix/pgo.nix: a fake buildTierPackage records the flags of each stage, a fake
# runCommand records each step's script.
{ }:
let
  tiersLib = import ../lib { };
  fx = import ./fixture.nix { };
  pkgs = fx.pkgs // {
    lib.escapeShellArg = s: "'${s}'";
  };
  buildTierPackage =
    a:
    fx.drv "${a.pname or "crate"}"
    // {
      cargoVendorDir = a.cargoVendorDir or "vendored";
      inherit (a) extraRustflags;
      passthru = {
        toolchain = fx.drv "toolchain";
        craneLib.vendorCargoDeps = _: "vendored";
      };
      vendor = a.cargoVendorDir or null;
      patchElf = !(a.dontPatchELF or false);
      passedOn = a.cargoExtraArgs or null;
    };
  buildPgoPackage = import ../pgo.nix { inherit tiersLib buildTierPackage; };
  pgo = buildPgoPackage { inherit pkgs; src = "/src"; bin = "app"; training = ''"$BIN" input.txt''; };
  noBolt = buildPgoPackage { inherit pkgs; src = "/src"; bin = "app"; training = "x"; bolt = false; };
  reuse = buildPgoPackage { inherit pkgs; src = "/src"; bin = "app"; training = "x"; profdata = ./fixture-data/merged.profdata; };
  reuseString = buildPgoPackage { inherit pkgs; src = "/src"; bin = "app"; training = "x"; profdata = "/kept/merged.profdata"; };
in
{
  "fixture pgo: the instrumented stage gets -Cprofile-generate" = {
    expr = pgo.passthru.instrumented.extraRustflags;
    expected = [ "-C" "profile-generate=/tmp/rust-tiers-pgo" ];
  };
  "fixture pgo: the optimized stage uses the merged profile and keeps relocations for BOLT" = {
    expr = builtins.match "-C profile-use=.*-merged.profdata.*-C link-arg=-Wl,-q" (builtins.concatStringsSep " " (
      map toString pgo.passthru.optimized.extraRustflags
    )) != null;
    expected = true;
  };
  "fixture pgo: training and merge run the shared scripts with the toolchain's llvm-profdata" = {
    expr = builtins.match ".*train.sh.*LLVM_PROFDATA=/nix/store/fixture-toolchain/lib/rustlib/x86_64-unknown-linux-gnu/bin/llvm-profdata.*pgo-merge.sh.*" pgo.passthru.profile.script != null;
    expected = true;
  };
  "fixture pgo: the result is the BOLT step with the tiers.toml flags" = {
    expr = builtins.match ".*LLVM_BOLT=/nix/store/fixture-bolt/bin/llvm-bolt.*-reorder-blocks=ext-tsp.*bolt-optimize.sh.*" pgo.script != null;
    expected = true;
  };
  "fixture pgo: every stage shares one vendored dependency set" = {
    expr = [ pgo.passthru.instrumented.vendor pgo.passthru.optimized.vendor ];
    expected = [ "vendored" "vendored" ];
  };
  "fixture pgo: bolt = false returns the PGO build, linked without -q" = {
    expr = [ noBolt.name (builtins.length noBolt.extraRustflags) noBolt.passthru.boltProfile ];
    expected = [ "app-pgo" 2 null ];
  };
  "fixture pgo: a kept profdata path becomes a store path every stage depends on (no training)" = {
    expr =
      let
        flag = builtins.elemAt reuse.passthru.optimized.extraRustflags 1;
      in
      [
        (builtins.match "profile-use=/nix/store/[0-9a-z]{32}-merged.profdata" flag != null)
        (builtins.hasContext flag)
        (builtins.isString reuse.passthru.profile)
      ];
    expected = [ true true true ];
  };
  "fixture pgo: a kept profdata given as a plain string is refused (the sandbox could not see it)" = {
    expr = reuseString.passthru.optimized.extraRustflags;
    throws = true;
  };
  "fixture pgo: nothing rewrites the BOLT input (no patchelf fixup), but a no-BOLT build keeps it" = {
    expr = [ pgo.passthru.optimized.patchElf pgo.passthru.instrumented.patchElf noBolt.patchElf ];
    expected = [ false true true ];
  };
  "fixture pgo: other arguments reach every stage's build" = {
    expr =
      let
        p = buildPgoPackage { inherit pkgs; src = "/src"; bin = "app"; training = "x"; cargoExtraArgs = "-p app"; };
      in
      [ p.passthru.instrumented.passedOn p.passthru.optimized.passedOn ];
    expected = [ "-p app" "-p app" ];
  };
}
