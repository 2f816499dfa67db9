# The pure part of rust-tiers: nothing here imports nixpkgs, so `nix eval .#lib...` and the
# tests in nix/tests run anywhere. Each function lives in its own file.
{
  tiersFile ? ../tiers.toml,
}:
let
  data = import ./loadTiers.nix { } { path = tiersFile; };
  envKey = import ./envKey.nix { };
  profileValue = import ./profileValue.nix { };
  unique = import ./unique.nix { };
  resolveTier = import ./resolveTier.nix { inherit data unique; };
  toolPackage = import ./toolPackage.nix { inherit data; };
in
{
  inherit data envKey profileValue resolveTier;
  tierEnv = import ./tierEnv.nix { inherit data resolveTier envKey profileValue; };
  tierTools = import ./tierTools.nix { inherit data resolveTier; };
  toolchainSpec = import ./toolchainSpec.nix { inherit data resolveTier unique; };
  profileSettings = import ./profileSettings.nix { inherit data resolveTier; };
  requireNix = import ./requireNix.nix { };
  forEachSystem = import ./forEachSystem.nix { inherit data; };
  toolPath = import ./toolPath.nix { inherit data; };
  inherit toolPackage;
  toolPackages = import ./toolPackages.nix { inherit toolPackage unique; };
  tiers = builtins.attrNames data.tiers;
  shellTiers = builtins.filter (t: (data.tiers.${t}.toolchain or null) != null) (builtins.attrNames data.tiers);
}
