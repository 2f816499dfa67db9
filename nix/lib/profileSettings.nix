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
  acc
  // builtins.mapAttrs (name: keys: (acc.${name} or { }) // keys) p
  # dependency_profile -> [profile.<p>.package."*"] (Cargo reads it from files only).
  // builtins.mapAttrs (
    name: keys:
    (acc.${name} or { }) // (p.${name} or { }) // { package."*" = ((acc.${name} or { }).package."*" or { }) // keys; }
  ) (data.techniques.${id}.dependency_profile or { })
) { } resolved.techniques
