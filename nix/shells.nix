# A tier's dev shell: the pinned toolchain, the tier's tools, tiercheck, the tier's environment
# (mkShell turns unknown attributes into environment variables) and a banner.
{ tiersLib, toolchainFor }:
{
  pkgs,
  tier,
  tiercheck,
  backend ? "rust-overlay",
  enable ? [ ],
  disable ? [ ],
  extraPackages ? [ ],
}:
let
  inherit (builtins) concatStringsSep filter;
  toolchain = toolchainFor { inherit pkgs tier backend enable disable; };
  setup = tiersLib.tierSetup { inherit pkgs toolchain tier enable disable; };
  inherit (setup) system env;
  toolPackages = setup.packages;
  resolved = tiersLib.resolveTier {
    inherit tier enable disable;
    platform = system;
  };
  title = tiersLib.data.tiers.${tier}.title;
  leftOut = map (x: "${x.id} (${x.reason})") resolved.leftOut;
  always = [
    pkgs.sccache
    pkgs.cargo-pgo
    pkgs.cargo-nextest
    pkgs.hyperfine
  ];
in
pkgs.mkShell (
  env
  // {
    name = "rust-tiers-${tier}";
    packages = [
      toolchain
      tiercheck
    ]
    ++ toolPackages
    ++ filter (p: !builtins.elem p toolPackages) always
    ++ extraPackages;
    shellHook = ''
      echo "rust-tiers ${tier} (${title}) on ${system}: ${concatStringsSep ", " resolved.techniques}"
      ${if leftOut == [ ] then "" else ''echo "left out here: ${concatStringsSep "; " leftOut}"''}
      echo "check a project: tiercheck project --tier ${tier}   explain: tiercheck explain ${tier}"
    '';
  }
)
