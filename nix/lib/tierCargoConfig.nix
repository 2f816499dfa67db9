# A tier -> the `--config` values Cargo cannot take from the environment: each technique's
# `dependency_profile` as `profile.<p>.package."*".<key>=<value>`, in technique order
# (tiercheck: src/env.rs cargo_config_args; `tiercheck env --format json` shows them as
# `cargo_config`). For crane/naersk builds pass them as `--config` arguments.
{ data, resolveTier }:
{
  tier,
  system ? null,
  enable ? [ ],
  disable ? [ ],
  profile ? null,
}:
let
  inherit (builtins) concatMap attrNames toJSON isString;
  resolved = resolveTier {
    inherit tier enable disable profile;
    platform = system;
  };
  # TOML's spelling of a value (strings quoted, booleans and integers bare).
  tomlValue = v: if isString v then toJSON v else if v == true then "true" else if v == false then "false" else toString v;
  settingsOf =
    id:
    let
      dp = data.techniques.${id}.dependency_profile or { };
    in
    concatMap (p: map (k: "profile.${p}.package.\"*\".${k}=${tomlValue dp.${p}.${k}}") (attrNames dp.${p})) (
      attrNames dp
    );
in
concatMap settingsOf resolved.techniques
