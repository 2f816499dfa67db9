# FIXTURE tests of nix/shells.nix: the dev shell a tier gets, with fake packages.
{ }:
let
  tiersLib = import ../lib { };
  # aarch64-linux: where tier1 links with mold via clang (on x86_64-linux it keeps rust-lld).
  linux = import ./fixture.nix { system = "aarch64-linux"; };
  darwin = import ./fixture.nix { system = "aarch64-darwin"; };
  toolchainFor = { tier, ... }: linux.drv "toolchain-${tier}";
  mkTierShell = import ../shells.nix { inherit tiersLib toolchainFor; };
  shell = fx: tier: mkTierShell { inherit (fx) pkgs; inherit tier; tiercheck = fx.drv "tiercheck"; };
  names = s: map (p: p.name) s.packages;
  t1 = shell linux "tier1";
  t3 = shell linux "tier3";
in
{
  "fixture shells: tier1 packages are toolchain, tiercheck, clang, mold and the always-on tools" = {
    expr = names t1;
    expected = [ "toolchain-tier1" "tiercheck" "clang" "mold" "sccache" "cargo-pgo" "cargo-nextest" "hyperfine" ];
  };
  "fixture shells: tier1 links through the fixture clang with the fixture mold" = {
    expr = [ t1.CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER t1.CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUSTFLAGS ];
    expected = [ "/nix/store/fixture-clang/bin/clang" "-C link-arg=--ld-path=/nix/store/fixture-mold/bin/mold" ];
  };
  "fixture shells: tier1 env equals tierEnv with store paths" = {
    expr = builtins.removeAttrs t1 [ "name" "packages" "shellHook" ];
    expected = tiersLib.tierEnv {
      tier = "tier1";
      system = "aarch64-linux";
      tools = n: { clang = "/nix/store/fixture-clang/bin/clang"; mold = "/nix/store/fixture-mold/bin/mold"; }.${n} or "@${n}@";
    };
  };
  "fixture shells: tier3 has wild and BOLT, not mold" = {
    expr = names t3;
    expected = [ "toolchain-tier3" "tiercheck" "clang" "wild" "bolt" "sccache" "cargo-pgo" "cargo-nextest" "hyperfine" ];
  };
  "fixture shells: tier3 cranelift env and the dev-profile wild link through store paths" = {
    expr = [ t3.CARGO_PROFILE_DEV_CODEGEN_BACKEND t3.CARGO_PROFILE_DEV_RUSTFLAGS ];
    # nixpkgs' wrapped `wild` (its ld.wild goes through ld-wrapper), so native libraries get a RUNPATH.
    expected = [ "cranelift" "-C linker=/nix/store/fixture-clang/bin/clang -C link-arg=--ld-path=/nix/store/fixture-wild/bin/ld.wild" ];
  };
  "fixture shells: the banner names the tier and how to check" = {
    expr = builtins.match ".*rust-tiers tier3 \\(preview\\) on aarch64-linux.*tiercheck project --tier tier3.*" t3.shellHook != null;
    expected = true;
  };
  "fixture shells: on darwin tier3 leaves out wild and BOLT and says so, without an error" = {
    expr =
      let
        s = shell darwin "tier3";
      in
      [ (names s) (builtins.match ".*left out here: wild.*bolt.*" s.shellHook != null) ];
    expected = [ [ "toolchain-tier3" "tiercheck" "sccache" "cargo-pgo" "cargo-nextest" "hyperfine" ] true ];
  };
}
