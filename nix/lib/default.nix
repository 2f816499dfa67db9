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
  tierEnv = import ./tierEnv.nix { inherit data resolveTier envKey profileValue; };
  tierTools = import ./tierTools.nix { inherit data resolveTier; };
  toolPath = import ./toolPath.nix { inherit data; };
  toolPackages = import ./toolPackages.nix { inherit toolPackage unique; };
in
{
  inherit data envKey profileValue resolveTier;
  inherit tierEnv tierTools toolPath toolPackages;
  tierSetup = import ./tierSetup.nix { inherit tierEnv tierTools toolPath toolPackages; };
  toolchainSpec = import ./toolchainSpec.nix { inherit data resolveTier unique; };
  profileSettings = import ./profileSettings.nix { inherit data resolveTier; };
  tierCargoConfig = import ./tierCargoConfig.nix { inherit data resolveTier; };
  requireNix = import ./requireNix.nix { };
  forEachSystem = import ./forEachSystem.nix { inherit data; };
  binaryFormat = import ./binaryFormat.nix { inherit data; };
  inherit toolPackage;
  tiers = builtins.attrNames data.tiers;
  shellTiers = builtins.filter (t: (data.tiers.${t}.toolchain or null) != null) (builtins.attrNames data.tiers);
}
