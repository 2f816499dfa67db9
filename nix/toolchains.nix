# A tier's pinned Rust toolchain, from rust-overlay (default) or fenix.
#   rust-overlay: rust-bin.stable."<version>" / rust-bin.nightly."<date>", `.default.override
#     { extensions = [...]; }` (rust-overlay lib/rust-bin.nix; extension names resolve through
#     manifests/renames.nix, so "llvm-tools" and "rustc-codegen-cranelift-preview" both work).
#   fenix: its locked `stable` / `latest` sets, `.withComponents [...]` (fenix default.nix,
#     lib/mk-toolchain.nix). fenix pins by its own lock (stable 1.97.1, nightly 2026-08-08 at the
#     locked revision), not by the version/date in tiers.toml: an exact pin through fenix needs
#     `toolchainOf { sha256 }` of a manifest we do not vendor.
#
# The linker rustc runs by itself. Since 1.90 rustc links x86_64-unknown-linux-gnu through
# `cc -fuse-ld=lld -B<sysroot>/lib/rustlib/<triple>/bin/gcc-ld`, i.e. with the toolchain's own
# rust-lld. Not reached through nixpkgs' ld-wrapper, it writes no RUNPATH for the store libraries
# a crate links (openssl, ...), so build scripts and binaries fail to load them. rust-overlay
# replaces gcc-ld/ld.lld with ld-wrapper.sh around the original (lib/mk-component-set.nix
# @fd2ebb9); fenix only patchelfs its binaries (lib/mk-toolchain.nix, lib/combine.nix @64f11a7;
# fenix#159, #191). So on Linux the fenix toolchain gets the same: its rust-lld, under the name
# ld.lld (from which lld takes its GNU flavour), wrapped by nixpkgs' bintools wrapper (whose
# `for variant in $ldPath/ld.*` loop wraps it with ld-wrapper.sh,
# pkgs/build-support/bintools-wrapper/default.nix), put in front of the toolchain's gcc-ld/ld.lld
# by fenix's `combine` (a symlinkJoin, where the first path's file wins; it copies bin/* and
# librustc_driver, so rustc's sysroot is the combined tree). Every tier and profile, build scripts
# included, then links through the wrapper, with rustc's own lld.
{
  tiersLib,
  # rust-overlay's lib.mkRustBin: builds `rust-bin` on any pkgs, no overlay needed.
  mkRustBin,
  # system -> fenix.packages.${system}
  fenixFor,
}:
{
  pkgs,
  tier,
  backend ? "rust-overlay",
  enable ? [ ],
  disable ? [ ],
}:
let
  spec = tiersLib.toolchainSpec { inherit tier enable disable; };
  system = pkgs.stdenv.hostPlatform.system;
in
if backend == "rust-overlay" then
  let
    rustBin = mkRustBin { } pkgs;
    channel = if spec.channel == "stable" then rustBin.stable.${spec.version} else rustBin.nightly.${spec.date};
  in
  channel.default.override { extensions = spec.components; }
else if backend == "fenix" then
  let
    fenix = fenixFor system;
    set = if spec.channel == "stable" then fenix.stable else fenix.latest;
    toolchain = set.withComponents ([ "cargo" "rustc" "rust-std" ] ++ spec.components);
    rustlibBin = "lib/rustlib/${tiersLib.data.platforms.${system}.triple}/bin";
    rustLld = pkgs.runCommand "fenix-rust-lld" { } ''
      mkdir -p $out/bin
      ln -s ${toolchain}/${rustlibBin}/rust-lld $out/bin/ld.lld
    '';
    wrappedLld = pkgs.wrapBintoolsWith { bintools = rustLld; };
    gccLdWrapped = pkgs.runCommand "fenix-gcc-ld-wrapped" { } ''
      mkdir -p $out/${rustlibBin}/gcc-ld
      ln -s ${wrappedLld}/bin/ld.lld $out/${rustlibBin}/gcc-ld/ld.lld
    '';
  in
  if pkgs.stdenv.hostPlatform.isLinux then
    fenix.combine [
      gccLdWrapped
      toolchain
    ]
  else
    toolchain
else
  throw "rust-tiers: backend must be \"rust-overlay\" or \"fenix\", not \"${backend}\""
