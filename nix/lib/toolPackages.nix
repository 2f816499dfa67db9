# Tool names -> the nixpkgs packages to put on PATH or into nativeBuildInputs: each once
# (llvm-bolt and merge-fdata share a package), none for toolchain-provided tools.
{ toolPackage, unique }:
{ pkgs }:
names:
unique (builtins.filter (p: p != null) (map (toolPackage { inherit pkgs; }) names))
