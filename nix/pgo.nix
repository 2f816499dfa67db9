# lib.buildPgoPackage: a PGO (+ BOLT) release build as a chain of derivations, running the same
# nix/scripts/*.sh as `tiercheck build --pgo` on a plain machine, with the flags of
# nix/tiers.toml [pipeline]:
#   instrumented  -> profile (merged .profdata)  -> optimized (-Cprofile-use, -Wl,-q)
#   -> boltProfile (merged .fdata)  -> result (llvm-bolt -data)
# `profile` and `boltProfile` are single files a user can keep and pass back in (profdata /
# fdata) to skip the instrumented builds and the training. All builds share one vendored
# dependency set (crane's vendorCargoDeps) and one toolchain; compiled dependencies are not shared
# between stages, because -Cprofile-generate/-use must reach the dependency crates too (their hot
# code is what PGO lays out). The instrumented stage does not depend on the training, so a new
# training workload rebuilds only from the profile on.
{ tiersLib, buildTierPackage }:
{
  pkgs,
  src,
  # The executable to optimize.
  bin,
  # Training commands, one per line; "$BIN" is the binary being trained. They run in
  # `trainingDir` (read-only), so they should read inputs from there and write to stdout.
  training,
  trainingDir ? src,
  tier ? "tier3",
  bolt ? true,
  # A merged .profdata / .fdata from an earlier build: skips that stage's training. A path
  # (./merged.profdata) or a derivation's output, so it becomes a store path every stage's
  # derivation depends on, the dependency-only one (crane's dummy source) included.
  profdata ? null,
  fdata ? null,
  enable ? [ ],
  disable ? [ ],
  # Every other argument goes to buildTierPackage (and from there to crane) for each stage.
  ...
}@args:
let
  inherit (tiersLib.data) pipeline;
  system = pkgs.stdenv.hostPlatform.system;
  # A file the sandbox can see: interpolating a path copies it into the store; a plain string has
  # no store reference, so the build could not read it (and the deps-only build would not even
  # depend on it).
  storeFile =
    what: value:
    if builtins.isPath value || builtins.isAttrs value || builtins.hasContext value then
      "${value}"
    else
      throw "rust-tiers: buildPgoPackage ${what} = \"${value}\" is a string; pass a path (./merged.${what}) or a derivation so it reaches the build sandbox";
  fill = key: value: map (builtins.replaceStrings [ "@${key}@" ] [ value ]);
  withBolt =
    bolt
    && builtins.elem "bolt"
      (tiersLib.resolveTier {
        inherit tier enable disable;
        platform = system;
        profile = "release";
      }).techniques;
  passOn = removeAttrs args [
    "bin"
    "training"
    "trainingDir"
    "bolt"
    "profdata"
    "fdata"
  ];
  # The tier's ordinary release build of the same arguments: the same derivation (dependencies
  # included) as `buildTierPackage` gives for them, so a cache that holds one serves both. The
  # chain takes its toolchain and its vendored dependencies, which every stage shares.
  plain = buildTierPackage (passOn // { inherit tier; });
  inherit (plain.passthru) toolchain;
  vendorDir = args.cargoVendorDir or plain.cargoVendorDir;
  build =
    stage: extraRustflags: extra:
    buildTierPackage (
      passOn
      // {
        inherit tier extraRustflags;
        pname = "${args.pname or bin}-${stage}";
        cargoVendorDir = vendorDir;
      }
      // extra
    );
  tool = tiersLib.toolPath { inherit pkgs toolchain system; };
  scripts = ./scripts;
  trainEnv = ''
    export TRAINING=${pkgs.lib.escapeShellArg training}
    export TRAIN_DIR=${trainingDir}
  '';

  instrumented = build "instrumented" (fill "profile_dir" "/tmp/rust-tiers-pgo" pipeline.instrument_rustflags) { };
  profile =
    if profdata != null then
      storeFile "profdata" profdata
    else
      pkgs.runCommand "${bin}-merged.profdata" { } ''
        ${trainEnv}
        KIND=pgo BIN=${instrumented}/bin/${bin} OUT_DIR="$TMPDIR/profraw" bash ${scripts}/train.sh
        LLVM_PROFDATA=${tool "llvm-profdata"} RUSTC=${toolchain}/bin/rustc PROFILE_DIR="$TMPDIR/profraw" OUT="$out" \
          bash ${scripts}/pgo-merge.sh
      '';
  # The input of the BOLT step: no fixup may rewrite it first (stdenv's patchelf --shrink-rpath
  # edits the ELF; stripping is already off in buildTierPackage).
  optimized = build "pgo" (
    fill "profdata" "${profile}" pipeline.optimize_rustflags
    ++ (if withBolt then pipeline.bolt_link_rustflags else [ ])
  ) (if withBolt then { dontPatchELF = true; } else { });
  boltProfile =
    if fdata != null then
      storeFile "fdata" fdata
    else
      pkgs.runCommand "${bin}-merged.fdata" { } ''
        ${trainEnv}
        LLVM_BOLT=${tool "llvm-bolt"} BIN=${optimized}/bin/${bin} OUT="$TMPDIR/${bin}.instrumented" OUT_DIR="$TMPDIR/fdata" \
          bash ${scripts}/bolt-instrument.sh
        KIND=bolt BIN="$TMPDIR/${bin}.instrumented" OUT_DIR="$TMPDIR/fdata" bash ${scripts}/train.sh
        MERGE_FDATA=${tool "merge-fdata"} FDATA_DIR="$TMPDIR/fdata" OUT="$out" bash ${scripts}/bolt-merge.sh
      '';
  bolted = pkgs.runCommand "${bin}-pgo-bolt" { } ''
    mkdir -p "$out/bin"
    LLVM_BOLT=${tool "llvm-bolt"} BIN=${optimized}/bin/${bin} FDATA=${boltProfile} OUT="$out/bin/${bin}" \
      BOLT_FLAGS=${pkgs.lib.escapeShellArg (builtins.concatStringsSep "\n" pipeline.bolt_flags)} \
      bash ${scripts}/bolt-optimize.sh
    rm -f "$out/bin/${bin}.log"
  '';
  result = if withBolt then bolted else optimized;
in
result
// {
  passthru = (result.passthru or { }) // {
    inherit
      plain
      instrumented
      profile
      optimized
      tier
      ;
    boltProfile = if withBolt then boltProfile else null;
  };
}
