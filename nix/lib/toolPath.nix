# A tool name -> its path in a Nix build: from nixpkgs (attribute path in tiers.toml) or from the
# Rust toolchain's llvm-tools component. `pkgs` may be a fixture attrset in tests.
#
# Wild is taken through nixpkgs' wrapped route: nixpkgs' `wild` (pkgs/by-name/wi/wild) is the bare
# linker, and a bare `--ld-path` to it skips the bintools ld-wrapper that adds a RUNPATH entry for
# each native library linked from the store (openssl, ...), so `cargo run` of such a program fails
# to load it. `useWildLinker` (pkgs/stdenv/adapters.nix) wraps it as `ld.wild` in the stdenv's
# bintools with that ld-wrapper; the tier links through that.
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
  wrapped = {
    wild = "${(pkgs.useWildLinker pkgs.stdenv).cc.bintools}/bin/ld.wild";
  };
in
if (tool.source or "nixpkgs") == "toolchain" then
  "${toolchain}/lib/rustlib/${triple}/bin/${tool.exe}"
else
  wrapped.${name} or "${package}/bin/${tool.exe}"
