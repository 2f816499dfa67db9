{
  description = "rust-tiers: the fastest Rust build setup your risk appetite allows, pinned, plus tiercheck to prove it";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    crane.url = "github:ipetkov/crane";
    rust-overlay = {
      url = "github:oxalica/rust-overlay";
      inputs.nixpkgs.follows = "nixpkgs";
    };
    fenix = {
      url = "github:nix-community/fenix";
      inputs.nixpkgs.follows = "nixpkgs";
    };
    flake-utils.url = "github:numtide/flake-utils";
    naersk = {
      url = "github:nix-community/naersk";
      inputs.nixpkgs.follows = "nixpkgs";
      inputs.fenix.follows = "fenix";
    };
  };

  # One literal attrset: `templates` and `lib` never touch an input, so `nix flake init -t` and
  # `nix eval .#lib...` work offline (an outputs wrapped in a flake-utils call would not).
  outputs =
    {
      self,
      nixpkgs,
      crane,
      rust-overlay,
      fenix,
      flake-utils,
      naersk,
    }:
    let
      tiersLib = import ./nix/lib { };
      # Every system tiers.toml names; on darwin the ELF-only techniques are left out, not an error.
      # `nix eval .#lib.x` first probes packages.<system>.lib.x, so `packages` gets its system keys
      # from the data file (pure); building them through flake-utils would fetch it first.
      eachSystemPure = tiersLib.forEachSystem;
      eachSystem = flake-utils.lib.eachSystemMap (builtins.attrNames tiersLib.data.platforms);
      # The locked crane needs Nix >= 2.31.2 (its CHANGELOG); a fixture crane states its own.
      needsCrane = tiersLib.requireNix { minimum = crane.minimumNixVersion or "2.31.2"; };
      pkgsFor = system: nixpkgs.legacyPackages.${system};

      toolchainFor = import ./nix/toolchains.nix {
        inherit tiersLib;
        inherit (rust-overlay.lib) mkRustBin;
        fenixFor = system: fenix.packages.${system};
      };
      buildTierPackage = import ./nix/build.nix {
        inherit tiersLib toolchainFor;
        mkCraneLib = crane.mkLib;
      };
      buildTierPackageNaersk = import ./nix/naersk.nix {
        inherit tiersLib toolchainFor;
        naerskSrc = naersk;
      };
      buildPgoPackage = import ./nix/pgo.nix { inherit tiersLib buildTierPackage; };
      verifyTier = import ./nix/verify.nix { inherit tiersLib; };
      mkTierShell = import ./nix/shells.nix { inherit tiersLib toolchainFor; };

      # tiercheck embeds nix/tiers.toml and nix/scripts (include_str!) through checker/data, whose
      # relative symlinks point into nix/: both go into its source, or the links would dangle.
      tiercheckFor =
        pkgs:
        buildTierPackage {
          inherit pkgs;
          tier = "tier1";
          pname = "tiercheck";
          cargoToml = ./checker/Cargo.toml;
          cargoLock = ./checker/Cargo.lock;
          postUnpack = ''cd "$sourceRoot/checker" && sourceRoot=.'';
          # The fileset below is the source already (crane's cleaning would drop nix/scripts).
          cleanSource = false;
          # The sandbox runs the unit tests (crane's buildPackage runs cargo test). The integration
          # tests in checker/tests build fixture projects with host linkers (clang-22, lld-22, mold,
          # Wild at Debian paths) and read ELF; they run on the host (.ci/run), not in Nix.
          cargoTestExtraArgs = "--lib --bins";
          src = nixpkgs.lib.fileset.toSource {
            root = ./.;
            fileset = nixpkgs.lib.fileset.unions [
              ./checker/Cargo.toml
              ./checker/Cargo.lock
              ./checker/src
              ./checker/data
              ./nix/tiers.toml
              ./nix/scripts
            ];
          };
        };

      examples = {
        workspace = ./examples/workspace;
        cpu-bound = ./examples/cpu-bound;
      };
    in
    {
      lib = tiersLib // {
        inherit
          buildTierPackage
          buildTierPackageNaersk
          buildPgoPackage
          verifyTier
          mkTierShell
          toolchainFor
          ;
      };

      templates = {
        workspace = {
          path = ./templates/workspace;
          description = "A Cargo workspace on rust-tiers tier1, built with crane and verified by tiercheck";
        };
        minimal = {
          path = ./templates/minimal;
          description = "One binary crate on rust-tiers tier1";
        };
        pgo = {
          path = ./templates/pgo;
          description = "A release build with PGO and BOLT (tier3) trained on a real workload";
        };
        default = self.templates.workspace;
      };

      overlays.default = final: _prev: {
        tiercheck = needsCrane (tiercheckFor final);
      };

      packages = eachSystemPure (
        system:
        let
          pkgs = pkgsFor system;
          tiercheck = needsCrane (tiercheckFor pkgs);
        in
        {
          inherit tiercheck;
          default = tiercheck;
        }
        // builtins.listToAttrs (
          map (tier: {
            name = "toolchain-${tier}";
            value = toolchainFor { inherit pkgs tier; };
          }) tiersLib.shellTiers
        )
      );

      devShells = eachSystem (
        system:
        let
          pkgs = pkgsFor system;
          shells = builtins.listToAttrs (
            map (tier: {
              name = tier;
              value = needsCrane (mkTierShell {
                inherit pkgs tier;
                tiercheck = self.packages.${system}.tiercheck;
              });
            }) tiersLib.shellTiers
          );
        in
        shells // { default = shells.tier1; }
      );

      checks = eachSystem (
        system:
        let
          pkgs = pkgsFor system;
          tiercheck = self.packages.${system}.tiercheck;
          inherit (tiercheck.passthru) craneLib commonArgs cargoArtifacts;
          # `tiercheck binary` reads ELF: on darwin a check verifies the project only, and says so.
          checkName = base: if tiersLib.binaryFormat system == "elf" then base else "${base}-project-only";
          exampleChecks = builtins.concatMap (
            tier:
            map (
              name:
              let
                package = needsCrane (buildTierPackage {
                  inherit pkgs tier;
                  src = examples.${name};
                });
              in
              {
                name = checkName "example-${name}-${tier}";
                value = verifyTier {
                  inherit pkgs tier package tiercheck;
                  src = examples.${name};
                };
              }
            ) (builtins.attrNames examples)
          ) [ "tier1" "tier2" ];
          templateChecks = map (name: {
            name = checkName "template-${name}";
            value = verifyTier {
              inherit pkgs tiercheck;
              tier = "tier1";
              package = needsCrane (buildTierPackage {
                inherit pkgs;
                tier = "tier1";
                src = self.templates.${name}.path;
              });
              src = self.templates.${name}.path;
            };
          }) [ "workspace" "minimal" ];
          templatePgo = verifyTier {
            inherit pkgs tiercheck;
            tier = "tier3";
            pipeline = true;
            package = needsCrane (buildPgoPackage {
              inherit pkgs;
              src = self.templates.pgo.path;
              bin = "exprs";
              training = ''"$BIN" --bench 200000 1'';
            });
            src = self.templates.pgo.path;
          };
        in
        {
          inherit tiercheck;
          tiercheck-clippy = craneLib.cargoClippy (
            commonArgs
            // {
              inherit cargoArtifacts;
              cargoClippyExtraArgs = "--all-targets -- --deny warnings";
            }
          );
          tiercheck-fmt = craneLib.cargoFmt { inherit (commonArgs) src pname postUnpack cargoToml; };
          tiercheck-nextest = craneLib.cargoNextest (
            commonArgs
            // {
              inherit cargoArtifacts;
              cargoNextestExtraArgs = "--lib --bins";
            }
          );
        }
        // builtins.listToAttrs (
          exampleChecks
          ++ templateChecks
          ++ [
            {
              name = checkName "template-pgo";
              value = templatePgo;
            }
          ]
        )
      );

      # `nix fmt` (Nix >= 2.25) passes no file arguments: the formatter must walk the tree itself.
      # nixfmt-tree is treefmt configured with nixfmt for *.nix (nixpkgs
      # pkgs/by-name/ni/nixfmt-tree/package.nix); plain nixfmt would read stdin and format nothing.
      formatter = eachSystem (system: (pkgsFor system).nixfmt-tree);
    };
}
