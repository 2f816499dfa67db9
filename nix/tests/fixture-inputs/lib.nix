# FIXTURE nixpkgs lib: the functions the flake and nix/*.nix call, with the real names.
{
  escapeShellArg = s: "'${builtins.replaceStrings [ "'" ] [ "'\\''" ] (toString s)}'";
  # lib.fileset.toSource { root; fileset; } -> a source; the fixture keeps the root.
  fileset = {
    toSource = { root, fileset }: builtins.seq fileset root;
    unions = builtins.foldl' (acc: x: acc ++ [ x ]) [ ];
  };
}
