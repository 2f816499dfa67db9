# lib.buildTierPackageNaersk: the same tier build on naersk. naersk passes attributes it does not
# know to mkDerivation (naersk config.nix userAttrs, build.nix), so the tier env goes in as
# attributes, never through overrideAttrs.
{
  tiersLib,
  toolchainFor,
  naerskSrc,
}:
{
  pkgs,
  tier,
  src,
  release ? true,
  backend ? "rust-overlay",
  enable ? [ ],
  disable ? [ ],
  args ? { },
}:
let
  system = pkgs.stdenv.hostPlatform.system;
  profile = if release then "release" else "dev";
  toolchain = toolchainFor { inherit pkgs tier backend enable disable; };
  naersk' = pkgs.callPackage naerskSrc {
    cargo = toolchain;
    rustc = toolchain;
  };
  tools = tiersLib.tierTools {
    inherit tier system enable disable profile;
    sandbox = true;
  };
  env = tiersLib.tierEnv {
    inherit tier system enable disable profile;
    sandbox = true;
    tools = tiersLib.toolPath { inherit pkgs toolchain system; };
  };
in
naersk'.buildPackage (
  env
  // {
    inherit src release;
    dontStrip = true;
    nativeBuildInputs = tiersLib.toolPackages { inherit pkgs; } tools.nixpkgs;
  }
  // args
)
