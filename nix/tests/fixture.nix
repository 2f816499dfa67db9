# A fixture `pkgs`: just enough attributes for the wiring files, each "package" a fake store path.
{
  system ? "x86_64-linux",
}:
let
  drv = name: {
    type = "derivation";
    inherit name;
    pname = name;
    outPath = "/nix/store/fixture-${name}";
  };
in
{
  inherit drv;
  pkgs = {
    stdenv = {
      hostPlatform = {
        inherit system;
        isLinux = builtins.match ".*-linux" system != null;
        isDarwin = builtins.match ".*-darwin" system != null;
      };
      cc.bintools = drv "bintools-wrapper";
    };
    lib.escapeShellArg = s: "'${s}'";
    mkShell = args: args;
    runCommand = name: attrs: script: {
      inherit name attrs script;
      type = "derivation";
      outPath = "/nix/store/fixture-run-${name}";
    };
    callPackage = f: args: { inherit f args; buildPackage = a: a; };
    # pkgs/build-support/bintools-wrapper: the wrapped bintools of the one given.
    wrapBintoolsWith = { bintools }: drv "bintools-wrapper-of-${bintools.name}" // { inherit bintools; };
    clang = drv "clang";
    mold = drv "mold";
    # nixpkgs' `wild`: wild-unwrapped behind the bintools wrapper (bin/wild, bin/ld.wild, bin/ld).
    wild = drv "wild";
    llvmPackages_22.bolt = drv "bolt";
    sccache = drv "sccache";
    cargo-pgo = drv "cargo-pgo";
    cargo-nextest = drv "cargo-nextest";
    hyperfine = drv "hyperfine";
  };
}
