# FIXTURE inputs for the whole-flake tests (.ci/nix-tests.sh): this one flake stands in for every
# input (`--override-input nixpkgs path:./nix/tests/fixture-inputs`, the same for crane,
# rust-overlay, fenix, flake-utils, naersk), each under the output names the real one has.
# Every package is a real derivation (builtins.derivation), never built, so drv paths can be
# compared. Evaluating anything for x86_64-darwin throws, as nixpkgs 26.11 does (nixpkgs#493096)
# and so fenix and rust-overlay, which follow it.
{
  outputs =
    _:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
      nixpkgsLib = import ./lib.nix;
      pkgsFor =
        system:
        if system == "x86_64-darwin" then
          throw "Nixpkgs 26.11 has dropped support for x86_64-darwin."
        else
          import ./pkgs.nix {
            inherit system;
            lib = nixpkgsLib;
          };
      eachSystem =
        f:
        builtins.listToAttrs (
          map (name: {
            inherit name;
            value = f name;
          }) systems
        );
    in
    {
      # nixpkgs: legacyPackages.<system>, lib.
      legacyPackages = eachSystem pkgsFor;
      lib = nixpkgsLib // {
        # rust-overlay: lib.mkRustBin { } pkgs -> rust-bin (lib/rust-bin.nix).
        mkRustBin = _: pkgs: import ./rust-bin.nix pkgs;
        # flake-utils: lib.eachSystemMap (lib.nix).
        eachSystemMap =
          systems': f:
          builtins.listToAttrs (
            map (name: {
              inherit name;
              value = f name;
            }) systems'
          );
      };
      # crane: mkLib pkgs (flake.nix). The real crane states its minimum Nix only in its
      # CHANGELOG (2.31.2); this one evaluates on the Nix the tests have.
      mkLib = import ./crane.nix;
      minimumNixVersion = "2.18";
      # fenix: packages.<system>.{stable,latest}.withComponents and combine (default.nix).
      packages = eachSystem (
        system:
        let
          pkgs = pkgsFor system;
          set = name: {
            withComponents =
              components:
              pkgs.mkShell {
                name = "fenix-${name}";
                inherit components;
              };
          };
        in
        {
          stable = set "stable";
          latest = set "latest";
          # lib/combine.nix: a symlinkJoin of the paths (named "rust-mixed" in default.nix).
          combine =
            paths:
            pkgs.mkShell {
              name = "rust-mixed";
              inherit paths;
            };
        }
      );
      # naersk: the flake's source is what `pkgs.callPackage naersk { ... }` imports; its
      # default.nix is ./default.nix here.
    };
}
