# Guard for what needs crane: crane at the locked revision dropped Nix older than 2.31.2
# (its CHANGELOG.md). builtins.compareVersions is what lib.versionAtLeast uses, without
# needing nixpkgs, so the pure outputs keep evaluating on any Nix.
{ }:
{
  minimum ? "2.31.2",
  what ? "crane",
}:
value:
if builtins.compareVersions builtins.nixVersion minimum >= 0 then
  value
else
  throw "rust-tiers: ${what} needs Nix >= ${minimum}; this is Nix ${builtins.nixVersion}. Upgrade Nix (the pure lib outputs still work)."
