# lib.buildTierPackage: a crane build under a tier. The tier's environment goes into the
# arguments shared by buildDepsOnly and buildPackage, so dependencies are built with the same
# flags and linker and are not rebuilt (crane lib/buildPackage.nix: cargoArtifacts defaults to
# buildDepsOnly of the same args). Every argument this function does not name is a crane argument
# and is passed through to both (`...@args`, as crane does), except cargoTestExtraArgs, which only
# the package derivation gets (see packageOnlyArgs). The binaries are not stripped by
# stdenv's fixup, so what tiercheck sees is what the tier produced.
{
  tiersLib,
  toolchainFor,
  # crane.mkLib
  mkCraneLib,
}:
{
  pkgs,
  tier,
  src,
  profile ? "release",
  # dev or release: the built-in profile `profile` inherits from.
  profileRoot ? (if profile == "dev" || profile == "test" then "dev" else "release"),
  backend ? "rust-overlay",
  enable ? [ ],
  disable ? [ ],
  # Appended to the tier's CARGO_TARGET_<TRIPLE>_RUSTFLAGS (the PGO pipeline's flags).
  extraRustflags ? [ ],
  # crane's cleanCargoSource (lib/cleanCargoSource.nix: .rs, .toml, Cargo.lock, .cargo/config):
  # a README or a flake.nix edit then rebuilds nothing. false for sources that need more files.
  cleanSource ? true,
  nativeBuildInputs ? [ ],
  passthru ? { },
  ...
}@args:
let
  toolchain = toolchainFor { inherit pkgs tier backend enable disable; };
  craneLib = (mkCraneLib pkgs).overrideToolchain (_p: toolchain);
  setup = tiersLib.tierSetup {
    inherit pkgs toolchain tier enable disable;
    profile = profileRoot;
    sandbox = true;
  };
  inherit (setup) system;
  tierEnv = setup.env;
  flagsVar = "CARGO_TARGET_${tiersLib.envKey tiersLib.data.platforms.${system}.triple}_RUSTFLAGS";
  env =
    if extraRustflags == [ ] then
      tierEnv
    else
      tierEnv
      // {
        ${flagsVar} = builtins.concatStringsSep " " (
          builtins.filter (f: f != "") [ (tierEnv.${flagsVar} or "") ] ++ extraRustflags
        );
      };
  # Crane arguments for the package derivation only. crane's buildDepsOnly reads
  # cargoTestExtraArgs too, with "--no-run" as its default there (crane lib/buildDepsOnly.nix
  # @2c71e19): given "--lib --bins" the deps derivation would run the test harnesses of its dummy
  # sources instead of only building them.
  packageOnlyArgs = builtins.intersectAttrs { cargoTestExtraArgs = null; } args;
  craneArgs = removeAttrs args [
    "cargoTestExtraArgs"
    "pkgs"
    "tier"
    "profile"
    "profileRoot"
    "backend"
    "enable"
    "disable"
    "extraRustflags"
    "cleanSource"
    "nativeBuildInputs"
    "passthru"
  ];
  commonArgs =
    env
    // {
      strictDeps = true;
      CARGO_PROFILE = profile;
      dontStrip = true;
      nativeBuildInputs = setup.packages ++ nativeBuildInputs;
    }
    // craneArgs
    // {
      src = if cleanSource then craneLib.cleanCargoSource src else src;
    };
  cargoArtifacts = args.cargoArtifacts or (craneLib.buildDepsOnly commonArgs);
in
craneLib.buildPackage (
  commonArgs
  // packageOnlyArgs
  // {
    inherit cargoArtifacts;
    passthru = passthru // {
      inherit
        tier
        env
        toolchain
        cargoArtifacts
        craneLib
        commonArgs
        ;
    };
  }
)
