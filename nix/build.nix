# lib.buildTierPackage: a crane build under a tier. The tier's environment goes into the
# arguments shared by buildDepsOnly and buildPackage, so dependencies are built with the same
# flags and linker and are not rebuilt (crane lib/buildPackage.nix: cargoArtifacts defaults to
# buildDepsOnly of the same args). The binaries are not stripped by stdenv's fixup, so what
# tiercheck sees is what the tier produced.
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
  # Extra crane arguments (cargoExtraArgs, pname, cargoVendorDir, ...), shared by both steps.
  args ? { },
}:
let
  system = pkgs.stdenv.hostPlatform.system;
  toolchain = toolchainFor { inherit pkgs tier backend enable disable; };
  craneLib = (mkCraneLib pkgs).overrideToolchain (_p: toolchain);
  tools = tiersLib.tierTools {
    inherit tier system enable disable;
    profile = profileRoot;
    sandbox = true;
  };
  tierEnv = tiersLib.tierEnv {
    inherit tier system enable disable;
    profile = profileRoot;
    sandbox = true;
    tools = tiersLib.toolPath { inherit pkgs toolchain system; };
  };
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
  toolPackages = tiersLib.toolPackages { inherit pkgs; } tools.nixpkgs;
  commonArgs =
    env
    // {
      inherit src;
      strictDeps = true;
      CARGO_PROFILE = profile;
      dontStrip = true;
      nativeBuildInputs = toolPackages ++ (args.nativeBuildInputs or [ ]);
    }
    // removeAttrs args [ "nativeBuildInputs" ];
  cargoArtifacts = craneLib.buildDepsOnly commonArgs;
in
craneLib.buildPackage (
  commonArgs
  // {
    inherit cargoArtifacts;
    passthru = {
      inherit tier env toolchain cargoArtifacts craneLib commonArgs;
    };
  }
)
