# "x86_64-unknown-linux-gnu" -> "X86_64_UNKNOWN_LINUX_GNU", as Cargo spells env keys
# (tiercheck: src/env.rs env_key).
{ }:
s:
let
  lower = [ "a" "b" "c" "d" "e" "f" "g" "h" "i" "j" "k" "l" "m" "n" "o" "p" "q" "r" "s" "t" "u" "v" "w" "x" "y" "z" "-" "." ];
  upper = [ "A" "B" "C" "D" "E" "F" "G" "H" "I" "J" "K" "L" "M" "N" "O" "P" "Q" "R" "S" "T" "U" "V" "W" "X" "Y" "Z" "_" "_" ];
in
builtins.replaceStrings lower upper s
