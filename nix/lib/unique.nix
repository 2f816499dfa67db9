# Drops repeated elements, keeping the first occurrence and the order.
{ }:
list:
builtins.foldl' (acc: x: if builtins.elem x acc then acc else acc ++ [ x ]) [ ] list
