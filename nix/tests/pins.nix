# FIXTURE tests: pins that install. Every tier's toolchain pin and every component the flake asks
# for (nix/toolchains.nix) is listed as available for every system the flake declares, in the
# locked rust-overlay and fenix, offline: fixture-data/toolchain-pins.json holds what
# pins-regenerate.sh extracted from those inputs at the revisions flake.lock pins. A pin or a
# component tiers.toml names that the fixture lacks fails too, as does a flake.lock whose revisions
# differ from the fixture's: moving a pin means regenerating the fixture (docs/moving-a-pin.md).
{ }:
let
  inherit (builtins) filter fromJSON listToAttrs readFile concatMap;
  pins = import ./pins-lib.nix { };
  fixture = fromJSON (readFile ./fixture-data/toolchain-pins.json);
  lock = fromJSON (readFile ../../flake.lock);
  lockedRev = input: lock.nodes.${lock.nodes.${lock.root}.inputs.${input}}.locked.rev;
  regenerate = "regenerate it (docs/moving-a-pin.md)";
  # The components of `spec` that `backend`'s data does not list for `system`; [ ] when all are.
  missing =
    backend: spec: system:
    let
      pin = pins.pinOf.${backend} spec;
      entry = fixture.${backend}.${pin} or null;
      listed = entry.components.${pins.tripleOf system} or null;
    in
    if entry == null then
      [ "pin ${pin} is not in the fixture: ${regenerate}" ]
    else if listed == null then
      [ "${system} is not in the fixture: ${regenerate}" ]
    else
      map (c: if listed ? ${c} then "${c} (not available)" else "${c} (not in the fixture: ${regenerate})") (
        filter (c: !(listed.${c} or false)) (pins.asked spec)
      );
  test = backend: spec: system: {
    name = "pins: ${backend} ${spec.tier} (${pins.pinOf.${backend} spec}) on ${system} has every component it asks for";
    value = {
      expr = missing backend spec system;
      expected = [ ];
    };
  };
in
listToAttrs (
  concatMap (
    backend: concatMap (spec: map (test backend spec) pins.systems) pins.specs
  ) [ "rust-overlay" "fenix" ]
)
// {
  "pins: the fixture was extracted at the revisions flake.lock pins" = {
    expr = fixture.revs;
    expected = {
      rust-overlay = lockedRev "rust-overlay";
      fenix = lockedRev "fenix";
    };
  };
  "pins: the fixture has no pin the tiers no longer use (stale entries)" = {
    expr = {
      rust-overlay = builtins.attrNames fixture.rust-overlay;
      fenix = builtins.attrNames fixture.fenix;
    };
    expected = {
      rust-overlay = pins.uniqueSorted (map pins.pinOf.rust-overlay pins.specs);
      fenix = pins.uniqueSorted (map pins.pinOf.fenix pins.specs);
    };
  };
}
