{
  description = "A release build with PGO and BOLT on rust-tiers (tier3)";

  inputs = {
    rust-tiers.url = "github:rust-tiers/rust-tiers";
    nixpkgs.follows = "rust-tiers/nixpkgs";
  };

  outputs =
    {
      self,
      nixpkgs,
      rust-tiers,
    }:
    let
      # The one place the tier is chosen: tier3 or tier4 (the tiers with the PGO + BOLT pipeline).
      tier = "tier3";
      inherit (rust-tiers.lib) forEachSystem buildPgoPackage verifyTier;
    in
    {
      packages = forEachSystem (system: {
        # instrumented build -> training -> PGO build (-Wl,-q) -> BOLT training -> BOLT.
        # The merged profiles are `.passthru.profile` and `.passthru.boltProfile`: keep them and
        # pass them back as `profdata` / `fdata` to skip the training runs.
        default = buildPgoPackage {
          inherit tier;
          pkgs = nixpkgs.legacyPackages.${system};
          src = ./.;
          bin = "exprs";
          # The training workload; a different seed is the held-out benchmark input.
          training = ''
            "$BIN" --bench 200000 1
            "$BIN" --bench 50000 7
          '';
        };
      });

      devShells = forEachSystem (system: {
        default = rust-tiers.devShells.${system}.${tier};
      });

      checks = forEachSystem (system: {
        tiercheck = verifyTier {
          inherit tier;
          pkgs = nixpkgs.legacyPackages.${system};
          package = self.packages.${system}.default;
          src = ./.;
          tiercheck = rust-tiers.packages.${system}.tiercheck;
          pipeline = true;
        };
      });
    };
}
