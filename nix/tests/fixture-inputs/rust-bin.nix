# FIXTURE rust-overlay rust-bin: the stable and nightly pinned in nix/tiers.toml, with
# `.default.override { extensions; }` as rust-overlay's lib/rust-bin.nix has.
pkgs:
let
  channel = name: {
    default.override =
      { extensions }:
      pkgs.mkShell {
        name = "rust-${name}";
        inherit extensions;
      };
  };
in
{
  stable."1.98.0" = channel "stable-1.98.0";
  nightly."2026-08-22" = channel "nightly-2026-08-22";
}
