# What the pins fixture is keyed by, shared by pins-extract.nix (which writes it) and pins.nix
# (which checks tiers.toml against it): the toolchain spec of every tier with a toolchain, the
# key of its pin in each backend, the components nix/toolchains.nix asks for, and the host
# triples of the systems the flake declares (its forEachSystem, i.e. tiers.toml [platforms]).
{ }:
let
  tiersLib = import ../lib { };
  unique = import ../lib/unique.nix { };
in
{
  specs = map (tier: tiersLib.toolchainSpec { inherit tier; } // { inherit tier; }) tiersLib.shellTiers;
  pinOf = {
    # rust-bin.stable."<version>" / rust-bin.nightly."<date>"
    rust-overlay = spec: if spec.channel == "stable" then "stable/${spec.version}" else "nightly/${spec.date}";
    # fenix's own `stable` / `latest` sets (its lock pins them, not tiers.toml)
    fenix = spec: if spec.channel == "stable" then "stable" else "latest";
  };
  # rust-overlay: `.default` (rustc, cargo, rust-std) + `extensions`; fenix: withComponents of
  # exactly this list (nix/toolchains.nix).
  asked = spec: unique ([ "rustc" "cargo" "rust-std" ] ++ spec.components);
  uniqueSorted = l: builtins.sort builtins.lessThan (unique l);
  systems = builtins.attrNames (tiersLib.forEachSystem (_: null));
  tripleOf = system: tiersLib.data.platforms.${system}.triple;
}
