# { system = f system; } for the systems tiers.toml names, without nixpkgs or flake-utils.
{ data }:
f:
builtins.listToAttrs (
  map (system: {
    name = system;
    value = f system;
  }) (builtins.attrNames data.platforms)
)
