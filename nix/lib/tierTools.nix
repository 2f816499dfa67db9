# The tools a tier's techniques need on a system, split by where Nix gets them.
{ data, resolveTier }:
{
  tier,
  system,
  enable ? [ ],
  disable ? [ ],
  profile ? null,
  # As in tierEnv: no compile cache inside the Nix sandbox. Nor the PGO/BOLT pipeline's tools:
  # its own derivations call them by store path (nix/pgo.nix), and a package in a crane build's
  # inputs could bring a setup hook that post-processes the output before the BOLT step.
  sandbox ? false,
}:
let
  inherit (builtins) filter concatMap elem;
  resolved = resolveTier {
    inherit tier enable disable profile;
    platform = system;
  };
  placeholders =
    v:
    let
      parts = builtins.split "@" v;
      strings = filter builtins.isString parts;
      odd = builtins.genList (i: builtins.elemAt strings (2 * i + 1)) ((builtins.length strings - 1) / 2);
    in
    filter (n: data.tools ? ${n}) odd;
  namesOf =
    t:
    (t.tools or [ ])
    ++ concatMap placeholders (
      (t.rustflags or [ ])
      ++ (if t ? linker then [ t.linker ] else [ ])
      ++ builtins.attrValues (t.env or { })
      ++ filter builtins.isString (concatMap builtins.attrValues (builtins.attrValues (t.profile or { })))
    );
  all = builtins.foldl' (acc: n: if elem n acc then acc else acc ++ [ n ]) [ ] (
    concatMap (id: namesOf data.techniques.${id}) (
      filter (
        id:
        let
          t = data.techniques.${id};
        in
        !(sandbox && (t.category == "cache" || t.pipeline or false))
      ) resolved.techniques
    )
  );
  fromToolchain = n: (data.tools.${n}.source or "nixpkgs") == "toolchain";
in
{
  inherit all;
  nixpkgs = filter (n: !fromToolchain n) all;
  toolchain = filter fromToolchain all;
}
