{
  description = "One binary crate built on rust-tiers";

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
      # The one place the tier is chosen: tier1 (production-safe) .. tier4 (experimental); the
      # toolchain, linker and flags follow it. `tiercheck explain tier2` says what each does.
      tier = "tier1";
      inherit (rust-tiers.lib) forEachSystem buildTierPackage verifyTier;
    in
    {
      packages = forEachSystem (system: {
        default = buildTierPackage {
          inherit tier;
          pkgs = nixpkgs.legacyPackages.${system};
          src = ./.;
        };
      });

      devShells = forEachSystem (system: {
        default = rust-tiers.devShells.${system}.${tier};
      });

      checks = forEachSystem (system: {
        build = self.packages.${system}.default;
        tiercheck = verifyTier {
          inherit tier;
          pkgs = nixpkgs.legacyPackages.${system};
          package = self.packages.${system}.default;
          src = ./.;
          tiercheck = rust-tiers.packages.${system}.tiercheck;
        };
      });
    };
}
