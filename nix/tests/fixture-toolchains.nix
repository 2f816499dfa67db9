# FIXTURE tests of nix/toolchains.nix: a fake rust-overlay mkRustBin and fenix set record what
# they were asked for.
{ }:
let
  tiersLib = import ../lib { };
  inherit (import ./fixture.nix { }) pkgs;
  override = what: { default.override = args: what // { inherit (args) extensions; }; };
  mkRustBin = _: _pkgs: {
    stable."1.98.0" = override { source = "rust-overlay"; channel = "stable 1.98.0"; };
    nightly."2026-08-22" = override { source = "rust-overlay"; channel = "nightly 2026-08-22"; };
  };
  fenixFor = system: {
    stable.withComponents = c: { source = "fenix ${system}"; channel = "stable"; components = c; };
    latest.withComponents = c: { source = "fenix ${system}"; channel = "latest"; components = c; };
  };
  toolchainFor = import ../toolchains.nix { inherit tiersLib mkRustBin fenixFor; };
in
{
  "fixture toolchains: tier1 is rust-overlay stable 1.98.0 with llvm-tools" = {
    expr = toolchainFor { inherit pkgs; tier = "tier1"; };
    expected = {
      source = "rust-overlay";
      channel = "stable 1.98.0";
      extensions = [ "rust-src" "rust-analyzer" "clippy" "rustfmt" "llvm-tools" ];
    };
  };
  "fixture toolchains: tier3 is the dated nightly with cranelift" = {
    expr = (toolchainFor { inherit pkgs; tier = "tier3"; }).channel;
    expected = "nightly 2026-08-22";
  };
  "fixture toolchains: tier4 asks rust-overlay for rustc-codegen-cranelift-preview" = {
    expr = builtins.elem "rustc-codegen-cranelift-preview" (toolchainFor { inherit pkgs; tier = "tier4"; }).extensions;
    expected = true;
  };
  "fixture toolchains: fenix backend takes latest for nightly tiers" = {
    expr =
      let
        t = toolchainFor { inherit pkgs; tier = "tier2"; backend = "fenix"; };
      in
      [ t.source t.channel (builtins.head t.components) ];
    expected = [ "fenix x86_64-linux" "latest" "cargo" ];
  };
  "fixture toolchains: an unknown backend throws" = {
    expr = toolchainFor { inherit pkgs; tier = "tier1"; backend = "rustup"; };
    throws = true;
  };
}
