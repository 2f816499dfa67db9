# A tool name -> its path in a Nix build: from nixpkgs (attribute path in tiers.toml) or from the
# Rust toolchain's llvm-tools component. `pkgs` may be a fixture attrset in tests.
{ data }:
{
  pkgs,
  toolchain,
  system,
}:
name:
let
  tool = data.tools.${name} or (throw "rust-tiers: unknown tool ${name}");
  attrPath = builtins.filter builtins.isString (builtins.split "\\." tool.nixpkgs);
  package = builtins.foldl' (
    acc: k: acc.${k} or (throw "rust-tiers: nixpkgs has no ${tool.nixpkgs} (tool ${name})")
  ) pkgs attrPath;
  triple = data.platforms.${system}.triple;
in
if (tool.source or "nixpkgs") == "toolchain" then
  "${toolchain}/lib/rustlib/${triple}/bin/${tool.exe}"
else
  "${package}/bin/${tool.exe}"
