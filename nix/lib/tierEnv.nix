# A tier -> the environment variables that switch it on (tiercheck: src/env.rs raw_env).
# `tools` maps a tool name to its path; the default leaves `@name@` placeholders, which is
# what the consistency test compares with `tiercheck env --format json`.
{
  data,
  resolveTier,
  envKey,
  profileValue,
}:
{
  tier,
  system,
  tools ? (name: "@${name}@"),
  enable ? [ ],
  disable ? [ ],
  profile ? null,
  # Inside the Nix sandbox a compile cache can do nothing (and sccache would fail): drop it.
  sandbox ? false,
}:
let
  inherit (builtins) filter concatMap foldl' attrNames concatStringsSep;
  platform = data.platforms.${system} or (throw "rust-tiers: system ${system} is not a platform in nix/tiers.toml");
  target = envKey platform.triple;
  resolved = resolveTier {
    inherit tier enable disable profile;
    platform = system;
  };
  ids = filter (id: !(sandbox && data.techniques.${id}.category == "cache")) resolved.techniques;
  unshipped = filter (id: !data.techniques.${id}.shipped) ids;
  techniques = map (id: data.techniques.${id} // { inherit id; }) ids;
  # Every (name, value, by) a technique sets, in order.
  settings = concatMap (
    t:
    (if t ? linker then [ { name = "CARGO_TARGET_${target}_LINKER"; value = t.linker; by = t.id; } ] else [ ])
    ++ concatMap (
      p:
      map (k: {
        name = "CARGO_PROFILE_${envKey p}_${envKey k}";
        value = profileValue t.profile.${p}.${k};
        by = t.id;
      }) (attrNames t.profile.${p})
    ) (attrNames (t.profile or { }))
    ++ map (k: { name = k; value = t.env.${k}; by = t.id; }) (attrNames (t.env or { }))
  ) techniques;
  merged = foldl' (
    acc: s:
    if acc ? ${s.name} && acc.${s.name} != s.value then
      throw "rust-tiers: ${s.by} sets ${s.name}=${s.value}, but an earlier technique set ${acc.${s.name}}"
    else
      acc // { ${s.name} = s.value; }
  ) { } settings;
  rustflags = concatMap (t: t.rustflags or [ ]) techniques;
  raw =
    merged
    // (if rustflags == [ ] then { } else { "CARGO_TARGET_${target}_RUSTFLAGS" = concatStringsSep " " rustflags; })
    // {
      RUST_TIERS_TIER = tier;
      RUST_TIERS_TECHNIQUES = concatStringsSep "," ids;
    };
  toolNames = attrNames data.tools;
  substitute = v: builtins.replaceStrings (map (n: "@${n}@") toolNames) (map tools toolNames) v;
in
if !(data.platforms ? ${system}) then
  builtins.seq platform null
else if unshipped != [ ] then
  throw "rust-tiers: ${tier} ships nothing usable: ${
    concatStringsSep "; " (map (id: "${id} (${data.techniques.${id}.why_not or ""})") unshipped)
  }"
else
  builtins.mapAttrs (_: substitute) raw
