# FIXTURE `pkgs` for one system: real, never-built derivations under the real attribute names.
{ system, lib }:
let
  isDarwin = builtins.match ".*-darwin" system != null;
  # Attributes a derivation cannot take (functions, attrsets) stay on the result, as passthru does.
  plain = v: !(builtins.isAttrs v && !(v ? outPath)) && !(builtins.isFunction v);
  drv =
    name: attrs:
    let
      d = derivation (
        {
          inherit name system;
          builder = "/bin/sh";
          args = [
            "-c"
            "echo 'a fixture derivation, never built' >&2; exit 1"
          ];
        }
        // builtins.removeAttrs attrs (builtins.filter (k: !plain attrs.${k}) (builtins.attrNames attrs))
      );
    in
    attrs // d // { passthru = attrs.passthru or { }; };
  package = name: drv name { pname = name; };
  pkgs = {
    inherit lib;
    stdenv = {
      hostPlatform = {
        inherit system isDarwin;
        isLinux = !isDarwin;
      };
      cc.bintools = package "bintools-wrapper";
    };
    mkShell = args: drv (args.name or "nix-shell") args;
    runCommand = name: env: buildCommand: drv name (env // { inherit buildCommand; });
    callPackage =
      f: args:
      let
        fn = if builtins.isFunction f then f else import f;
      in
      fn (builtins.intersectAttrs (builtins.functionArgs fn) pkgs // args);
    # pkgs/build-support/bintools-wrapper: the wrapped bintools of the one given.
    wrapBintoolsWith = { bintools }: drv "bintools-wrapper" { inherit bintools; };
    clang = package "clang";
    mold = package "mold";
    # nixpkgs' `wild`: wild-unwrapped behind the bintools wrapper (bin/wild, bin/ld.wild, bin/ld).
    wild = package "wild";
    llvmPackages_22.bolt = package "bolt";
    sccache = package "sccache";
    cargo-pgo = package "cargo-pgo";
    cargo-nextest = package "cargo-nextest";
    hyperfine = package "hyperfine";
    nixfmt-tree = package "nixfmt-tree";
  };
in
pkgs
