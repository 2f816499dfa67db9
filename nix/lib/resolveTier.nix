# A tier -> the techniques it switches on, in application order. The same steps as tiercheck's
# src/resolve.rs (a test compares the two): parents first, a technique of an exclusive `group`
# replaces an earlier one of that group (a tier's `platform_techniques` for the platform come
# right after its own), then `with`/`without`, then platform, core count and profile.
{ data, unique }:
{
  tier,
  enable ? [ ],
  disable ? [ ],
  # "x86_64-linux" etc.; null keeps every platform's techniques.
  platform ? null,
  # "dev" or "release"; null keeps every profile's techniques.
  profile ? null,
  # The machine's core count; null (unknown at evaluation) keeps techniques with `min_cores`.
  cores ? null,
}:
let
  inherit (builtins) filter elem foldl' concatMap;
  tierOf =
    id: data.tiers.${id} or (throw "rust-tiers: unknown tier \"${id}\" (known: ${toString (builtins.attrNames data.tiers)})");
  techniqueOf =
    id: data.techniques.${id} or (throw "rust-tiers: unknown technique \"${id}\" (see `tiercheck tiers`)");
  chainOf =
    seen: id:
    if elem id seen then
      throw "rust-tiers: tier inheritance cycle at ${id}"
    else
      let
        t = tierOf id;
      in
      (if t ? inherits then chainOf (seen ++ [ id ]) t.inherits else [ ]) ++ [ id ];
  chain = chainOf [ ] tier;
  groupOf = id: (techniqueOf id).group or null;
  add =
    list: id:
    let
      g = groupOf id;
    in
    filter (x: x != id && (g == null || groupOf x != g)) list ++ [ id ];
  forPlatform = t: if platform == null then [ ] else (t.platform_techniques or { }).${platform} or [ ];
  fromTiers = foldl' (
    acc: id: foldl' add acc (((tierOf id).techniques or [ ]) ++ forPlatform (tierOf id))
  ) [ ] chain;
  withAdded = foldl' (
    acc: id:
    if (techniqueOf id).shipped then
      add acc id
    else
      throw "rust-tiers: technique ${id} is not shipped: ${(techniqueOf id).why_not or ""}"
  ) fromTiers enable;
  selected = foldl' (
    acc: id:
    if elem id acc then
      filter (x: x != id) acc
    else
      throw "rust-tiers: disable ${id}: ${tier} does not switch it on"
  ) withAdded (map (id: builtins.seq (techniqueOf id) id) disable);
  runsOn = id: platform == null || !((techniqueOf id) ? platforms) || elem platform (techniqueOf id).platforms;
  appliesTo =
    id:
    profile == null
    || ((techniqueOf id).profiles or [ ]) == [ ]
    || elem profile (techniqueOf id).profiles;
  onPlatform = filter runsOn selected;
  minCores = id: (techniqueOf id).min_cores or 0;
  enoughCores = id: cores == null || cores >= minCores id;
  toolchainName = foldl' (acc: id: (tierOf id).toolchain or acc) null chain;
in
{
  inherit tier;
  toolchain =
    if toolchainName == null then
      null
    else
      {
        name = toolchainName;
        spec = data.toolchains.${toolchainName};
      };
  techniques = filter appliesTo (filter enoughCores onPlatform);
  optional = filter (o: !elem o selected) (unique (concatMap (id: (tierOf id).optional or [ ]) chain));
  leftOut =
    map (id: {
      inherit id;
      reason = "not available on ${platform}";
    }) (filter (id: !runsOn id) selected)
    ++ map (id: {
      inherit id;
      reason = "needs ${toString (minCores id)}+ cores, this machine has ${toString cores}";
    }) (filter (id: !enoughCores id) onPlatform);
}
