# lib.verifyTier: a check derivation that runs `tiercheck project` on the source, for the target
# triple of the system it is built on (tiercheck has no rustc to ask in the sandbox, and a
# default triple would check the wrong [target.<triple>] table on aarch64), and `tiercheck binary`
# on every executable a tier build installed.
#
# `tiercheck binary` reads ELF only. Mach-O records no rustc version and no linker name a check
# could trust (see README "Nix", darwin), so on darwin the check verifies the project only, and
# its name says so: tiercheck-project-only-<tier>-<package>. The package is still built: the
# check depends on it.
{ tiersLib }:
{
  pkgs,
  tier,
  package,
  src,
  tiercheck,
  profile ? "release",
  # The package came out of buildPgoPackage: BOLT must be there.
  pipeline ? false,
  binaries ? tiersLib.binaryFormat pkgs.stdenv.hostPlatform.system == "elf",
}:
let
  inherit (pkgs.stdenv.hostPlatform) system;
  triple = tiersLib.data.platforms.${system}.triple;
  what = if binaries then "tiercheck" else "tiercheck-project-only";
in
pkgs.runCommand "${what}-${tier}-${package.pname or package.name}"
  {
    nativeBuildInputs = [ tiercheck ];
  }
  (
    ''
      tiercheck project --tier ${tier} --target ${triple} ${src}
    ''
    + (
      if binaries then
        ''
          bins=$(find ${package}/bin -type f -perm -u+x 2>/dev/null)
          if [ -z "$bins" ]; then echo "no executables in ${package}/bin" >&2; exit 1; fi
          tiercheck binary --tier ${tier} --profile ${profile} ${if pipeline then "--pipeline" else ""} $bins
        ''
      else
        ''
          test -d ${package}/bin
        ''
    )
    + ''
      touch $out
    ''
  )
