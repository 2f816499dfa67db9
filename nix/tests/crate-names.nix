# FIXTURE tests: every source the flake builds with crane names its derivation in Cargo.toml.
# crane (lib/internalCrateNameFromCargoToml.nix @2c71e19, the locked rev) takes pname from the
# first string of package.metadata.crane.name, package.name, workspace.metadata.crane.name,
# workspace.package.name (deprecated), and version from package.version, then
# workspace.package.version; without one it warns and uses "cargo-package" / "0.0.1"
# (lib/crateNameFromCargoToml.nix). A workspace root has no [package], so it needs the
# workspace.* keys. This is the same rule, applied to the committed Cargo.toml files.
{ }:
let
  firstString = builtins.foldl' (acc: v: if acc == null && builtins.isString v then v else acc) null;
  craneName =
    dir:
    let
      toml = builtins.fromTOML (builtins.readFile (dir + "/Cargo.toml"));
    in
    {
      pname = firstString [
        (toml.package.metadata.crane.name or null)
        (toml.package.name or null)
        (toml.workspace.metadata.crane.name or null)
        (toml.workspace.package.name or null)
      ];
      version = firstString [
        (toml.package.version or null)
        (toml.workspace.package.version or null)
      ];
    };
in
{
  "crate names: the workspace roots name themselves for crane (no cargo-package / 0.0.1)" = {
    expr = map craneName [
      ../../templates/workspace
      ../../examples/workspace
    ];
    expected = [
      {
        pname = "app";
        version = "0.1.0";
      }
      {
        pname = "ledger";
        version = "0.1.0";
      }
    ];
  };
  "crate names: the single-package sources take [package] name and version" = {
    expr = map craneName [
      ../../templates/minimal
      ../../templates/pgo
      ../../examples/cpu-bound
    ];
    expected = [
      {
        pname = "hello-tiers";
        version = "0.1.0";
      }
      {
        pname = "exprs";
        version = "0.1.0";
      }
      {
        pname = "minilisp";
        version = "0.1.0";
      }
    ];
  };
}
