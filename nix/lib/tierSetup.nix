# What a tier needs once `pkgs` and a toolchain are known: its environment with store paths for
# the tools, and the packages that provide them. The dev shells and the crane and naersk builds
# all start from this.
{
  tierEnv,
  tierTools,
  toolPath,
  toolPackages,
}:
{
  pkgs,
  toolchain,
  tier,
  enable ? [ ],
  disable ? [ ],
  profile ? null,
  # No compile cache inside the Nix sandbox (see tierEnv).
  sandbox ? false,
}:
let
  system = pkgs.stdenv.hostPlatform.system;
  selection = {
    inherit tier system enable disable profile sandbox;
  };
in
{
  inherit system;
  env = tierEnv (selection // { tools = toolPath { inherit pkgs toolchain system; }; });
  packages = toolPackages { inherit pkgs; } (tierTools selection).nixpkgs;
}
