# FIXTURE crane: ipetkov/crane's flake output `mkLib pkgs` (lib/default.nix) with the functions
# the flake calls, each a never-built derivation of the arguments it got, so tests compare drv
# paths. As in crane's lib/buildPackage.nix, cargoArtifacts defaults to buildDepsOnly of the same
# arguments and cargoVendorDir to vendorCargoDeps of them.
pkgs:
let
  mk =
    toolchain:
    let
      d =
        suffix: args:
        pkgs.mkShell (
          args
          // {
            name = "${args.pname or "crate"}${suffix}";
            inherit toolchain;
          }
        );
      vendorCargoDeps = args: d "-vendor" { inherit (args) src; };
      memo = args: {
        cargoVendorDir = args.cargoVendorDir or (vendorCargoDeps args);
      };
      buildDepsOnly = args: d "-deps" (args // memo args);
      withArtifacts =
        suffix: args:
        d suffix (
          args
          // memo args
          // {
            cargoArtifacts = args.cargoArtifacts or (buildDepsOnly args);
          }
        );
    in
    {
      inherit vendorCargoDeps buildDepsOnly;
      overrideToolchain = f: mk (f pkgs);
      buildPackage = withArtifacts "";
      cargoClippy = withArtifacts "-clippy";
      cargoNextest = withArtifacts "-nextest";
      cargoFmt = args: d "-fmt" args;
      cleanCargoSource = src: src;
    };
in
mk null
