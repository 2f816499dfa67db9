# FIXTURE tests of nix/toolchains.nix: a fake rust-overlay mkRustBin and fenix set record what
# they were asked for.
{ }:
let
  tiersLib = import ../lib { };
  inherit (import ./fixture.nix { }) pkgs;
  mac = (import ./fixture.nix { system = "aarch64-darwin"; }).pkgs;
  arm = (import ./fixture.nix { system = "aarch64-linux"; }).pkgs;
  override = what: { default.override = args: what // { inherit (args) extensions; }; };
  mkRustBin = _: _pkgs: {
    stable."1.98.0" = override { source = "rust-overlay"; channel = "stable 1.98.0"; };
    nightly."2026-08-22" = override { source = "rust-overlay"; channel = "nightly 2026-08-22"; };
  };
  fenixSet = system: channel: {
    withComponents = c: {
      source = "fenix ${system}";
      inherit channel;
      components = c;
      outPath = "/nix/store/fixture-fenix-${channel}";
    };
  };
  fenixFor = system: {
    stable = fenixSet system "stable";
    latest = fenixSet system "latest";
    combine = paths: { combined = paths; };
  };
  # fenix on Linux: combine [ <gcc-ld/ld.lld -> wrapped rust-lld> <the toolchain> ].
  fenixLinux =
    pkgs': tier:
    let
      t = toolchainFor { pkgs = pkgs'; inherit tier; backend = "fenix"; };
      # Not combined (the bug): no gcc-ld override in front of the toolchain.
      paths = t.combined or [ { script = "<none>"; } t ];
    in
    {
      gccLd = builtins.elemAt paths 0;
      toolchain = builtins.elemAt paths 1;
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
        t = (fenixLinux pkgs "tier2").toolchain;
      in
      [ t.source t.channel (builtins.head t.components) ];
    expected = [ "fenix x86_64-linux" "latest" "cargo" ];
  };
  "fixture toolchains: fenix on Linux links through ld-wrapper: gcc-ld/ld.lld is the wrapped rust-lld, ahead of the toolchain" = {
    expr =
      map
        (
          f:
          let
            gccLd = f.gccLd.script;
          in
          [
            (builtins.match ".*ln -s /nix/store/fixture-bintools-wrapper-of-fenix-rust-lld/bin/ld.lld [$]out/lib/rustlib/(.*)/bin/gcc-ld/ld.lld.*" gccLd)
            f.toolchain.outPath
          ]
        )
        [
          (fenixLinux pkgs "tier1")
          (fenixLinux arm "tier3")
        ];
    expected = [
      [ [ "x86_64-unknown-linux-gnu" ] "/nix/store/fixture-fenix-stable" ]
      [ [ "aarch64-unknown-linux-gnu" ] "/nix/store/fixture-fenix-latest" ]
    ];
  };
  "fixture toolchains: fenix's wrapped ld.lld is the toolchain's own rust-lld under the name ld.lld" = {
    expr =
      let
        # A wrapBintoolsWith that shows what it wraps: the script of the bintools it was given.
        revealing = pkgs // { wrapBintoolsWith = { bintools }: { outPath = "<wrapped: ${bintools.script}>"; }; };
        t = toolchainFor { pkgs = revealing; tier = "tier1"; backend = "fenix"; };
      in
      builtins.match ".*<wrapped: *mkdir -p [$]out/bin\n *ln -s ([^ ]*) [$]out/bin/ld.lld\n *>/bin/ld.lld .*" (builtins.head (t.combined or [ { script = "<none>"; } ])).script;
    expected = [ "/nix/store/fixture-fenix-stable/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld" ];
  };
  "fixture toolchains: fenix on darwin is the plain toolchain (rust-lld is not rustc's default there)" = {
    expr = (toolchainFor { pkgs = mac; tier = "tier1"; backend = "fenix"; }).outPath;
    expected = "/nix/store/fixture-fenix-stable";
  };
  "fixture toolchains: an unknown backend throws" = {
    expr = toolchainFor { inherit pkgs; tier = "tier1"; backend = "rustup"; };
    throws = true;
  };
}
