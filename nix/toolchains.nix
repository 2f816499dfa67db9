# A tier's pinned Rust toolchain, from rust-overlay (default) or fenix.
#   rust-overlay: rust-bin.stable."<version>" / rust-bin.nightly."<date>", `.default.override
#     { extensions = [...]; }` (rust-overlay lib/rust-bin.nix; extension names resolve through
#     manifests/renames.nix, so "llvm-tools" and "rustc-codegen-cranelift-preview" both work).
#   fenix: its locked `stable` / `latest` sets, `.withComponents [...]` (fenix default.nix,
#     lib/mk-toolchain.nix). fenix pins by its own lock (stable 1.97.1, nightly 2026-08-08 at the
#     locked revision), not by the version/date in tiers.toml: an exact pin through fenix needs
#     `toolchainOf { sha256 }` of a manifest we do not vendor.
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
    set = if spec.channel == "stable" then (fenixFor system).stable else (fenixFor system).latest;
  in
  set.withComponents ([ "cargo" "rustc" "rust-std" ] ++ spec.components)
else
  throw "rust-tiers: backend must be \"rust-overlay\" or \"fenix\", not \"${backend}\""
