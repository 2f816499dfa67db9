# FIXTURE naersk default.nix (what `pkgs.callPackage naersk { cargo; rustc; }` imports):
# buildPackage returns a never-built derivation of its arguments.
{
  cargo,
  rustc,
  mkShell,
}:
{
  buildPackage =
    args:
    mkShell (
      args
      // {
        name = "naersk-${args.pname or "crate"}";
        toolchain = [ cargo rustc ];
      }
    );
}
