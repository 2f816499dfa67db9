# A tier -> the Cargo [profile.*] settings its techniques make, as { dev = { ... }; release = { ... }; }
# (for writing Cargo.toml blocks; the environment carries the same as CARGO_PROFILE_*).
{ data, resolveTier }:
{
  tier,
  enable ? [ ],
  disable ? [ ],
}:
let
  resolved = resolveTier { inherit tier enable disable; };
in
builtins.foldl' (
  acc: id:
  let
    p = data.techniques.${id}.profile or { };
  in
  acc // builtins.mapAttrs (name: keys: (acc.${name} or { }) // keys) p
) { } resolved.techniques
