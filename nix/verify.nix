# lib.verifyTier: a check derivation that runs `tiercheck project` on the source and
# `tiercheck binary` on every executable a tier build installed.
{ }:
{
  pkgs,
  tier,
  package,
  src,
  tiercheck,
  profile ? "release",
  # The package came out of buildPgoPackage: BOLT must be there.
  pipeline ? false,
}:
pkgs.runCommand "tiercheck-${tier}-${package.pname or package.name}"
  {
    nativeBuildInputs = [ tiercheck ];
  }
  ''
    tiercheck project --tier ${tier} ${src}
    bins=$(find ${package}/bin -type f -perm -u+x 2>/dev/null)
    if [ -z "$bins" ]; then echo "no executables in ${package}/bin" >&2; exit 1; fi
    tiercheck binary --tier ${tier} --profile ${profile} ${if pipeline then "--pipeline" else ""} $bins
    touch $out
  ''
