# A Cargo profile value from tiers.toml as an environment string: strings as they are,
# integers in decimal, booleans as true/false (tiercheck: src/env.rs profile_value).
{ }:
v:
if builtins.isBool v then
  (if v then "true" else "false")
else
  toString v
