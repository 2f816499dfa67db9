# Runs every test file under nix/tests. A test is { expr; expected; } or { expr; throws = true; }.
# nix-instantiate --eval --strict --json nix/tests/run.nix -> { passed; failed; failures; }
{ }:
let
  files = [
    ./lib.nix
    ./fixture-toolchains.nix
    ./fixture-shells.nix
    ./fixture-build.nix
    ./fixture-pgo.nix
    ./fixture-sharing.nix
    ./crate-names.nix
    ./pins.nix
  ];
  tests = builtins.foldl' (acc: f: acc // import f { }) { } files;
  run =
    name: t:
    let
      r = builtins.tryEval (builtins.deepSeq t.expr t.expr);
    in
    if t.throws or false then
      {
        inherit name;
        ok = !r.success;
        got = if r.success then r.value else "<threw>";
        expected = "<throws>";
      }
    else
      {
        inherit name;
        ok = r.success && r.value == t.expected;
        got = if r.success then r.value else "<threw>";
        inherit (t) expected;
      };
  results = map (name: run name tests.${name}) (builtins.attrNames tests);
  failures = builtins.filter (r: !r.ok) results;
in
{
  passed = builtins.length results - builtins.length failures;
  failed = builtins.length failures;
  inherit failures;
}
