# nix/tiers.toml as an attrset. The same bytes tiercheck embeds.
{ }:
{
  path ? ../tiers.toml,
}:
builtins.fromTOML (builtins.readFile path)
