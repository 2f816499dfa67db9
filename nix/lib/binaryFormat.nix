# A system -> the format of the executables built for it: "elf" (Linux) or "mach-o" (darwin).
# `tiercheck binary` reads ELF; what it can verify elsewhere is said by the checks' names.
{ data }:
system:
let
  triple = data.platforms.${system}.triple or (throw "rust-tiers: system ${system} is not a platform in nix/tiers.toml");
in
if builtins.match ".*-apple-darwin" triple != null then
  "mach-o"
else if builtins.match ".*-linux(-.*)?" triple != null then
  "elf"
else
  throw "rust-tiers: no binary format known for ${triple}"
