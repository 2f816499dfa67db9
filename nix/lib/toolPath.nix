# A tool name -> its path in a Nix build: from nixpkgs (attribute path in tiers.toml) or from the
# Rust toolchain's llvm-tools component. `pkgs` may be a fixture attrset in tests.
#
# Wild: in the locked nixpkgs (2026) `wild-unwrapped` (pkgs/by-name/wi/wild-unwrapped/package.nix)
# is the bare linker, a buildRustPackage with only bin/wild, and `wild` is that binary behind
# nixpkgs' bintools wrapper (wrapBintoolsWith, with `wild`, `ld.wild` and `ld` wrapped by
# ld-wrapper.sh; nixpkgs PR #414558, wild-linker/wild#1318). The ld-wrapper is what adds a
# RUNPATH entry for each native library linked from the store (openssl, ...); a bare `--ld-path`
# to wild-unwrapped would skip it and `cargo run` of such a program would fail to load it. So the
# tier links with `wild`'s `ld.wild`. (The `useWildLinker` stdenv adapter wraps the same binary into
# a whole stdenv's bintools; a tier only needs the linker path, not a second stdenv.)
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
    wild = "${package}/bin/ld.wild";
  };
in
if (tool.source or "nixpkgs") == "toolchain" then
  "${toolchain}/lib/rustlib/${triple}/bin/${tool.exe}"
else
  wrapped.${name} or "${package}/bin/${tool.exe}"
