# lib.buildTierPackageNaersk: the same tier build on naersk. naersk passes attributes it does not
# know to mkDerivation (naersk config.nix userAttrs, build.nix `drvAttrs // userAttrs`), so the
# tier env goes in as attributes, never through overrideAttrs; every argument this function does
# not name is passed through to naersk's buildPackage.
#
# naersk's configurePhase remaps its vendored source paths through CARGO_BUILD_RUSTFLAGS (build.nix,
# `remapPathPrefix`), but Cargo ignores build.rustflags once target.<triple>.rustflags is set, and
# the tier sets CARGO_TARGET_<TRIPLE>_RUSTFLAGS. When it does, postConfigure (which runs after
# naersk's own configure step) appends CARGO_BUILD_RUSTFLAGS to it, so both apply.
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
  nativeBuildInputs ? [ ],
  postConfigure ? "",
  ...
}@args:
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
  flagsVar = "CARGO_TARGET_${tiersLib.envKey tiersLib.data.platforms.${setup.system}.triple}_RUSTFLAGS";
in
naersk'.buildPackage (
  setup.env
  // {
    inherit release;
    dontStrip = true;
    nativeBuildInputs = setup.packages ++ nativeBuildInputs;
  }
  // removeAttrs args [
    "pkgs"
    "tier"
    "backend"
    "enable"
    "disable"
    "nativeBuildInputs"
    "postConfigure"
  ]
  // {
    inherit src;
    postConfigure = ''
      if [ -n "''${${flagsVar}:-}" ]; then
        export ${flagsVar}="''$${flagsVar} ''${CARGO_BUILD_RUSTFLAGS:-}"
      fi
    ''
    + postConfigure;
  }
)
