# A tool name -> the nixpkgs package that provides it (null for toolchain-provided tools).
{ data }:
{ pkgs }:
name:
let
  tool = data.tools.${name};
in
if (tool.source or "nixpkgs") == "toolchain" then
  null
else
  builtins.foldl' (acc: k: acc.${k}) pkgs (builtins.filter builtins.isString (builtins.split "\\." tool.nixpkgs))
