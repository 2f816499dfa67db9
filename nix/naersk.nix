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
  profile = if release then "release" else "dev";
  toolchain = toolchainFor { inherit pkgs tier backend enable disable; };
  naersk' = pkgs.callPackage naerskSrc {
    cargo = toolchain;
    rustc = toolchain;
  };
  setup = tiersLib.tierSetup {
    inherit pkgs toolchain tier enable disable profile;
    sandbox = true;
  };
in
naersk'.buildPackage (
  setup.env
  // {
    inherit src release;
    dontStrip = true;
    nativeBuildInputs = setup.packages;
  }
  // args
)
