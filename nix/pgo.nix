# lib.buildPgoPackage: PGO (+ BOLT) release builds as a chain of derivations.
{ tiersLib, buildTierPackage }:
{ ... }:
throw "rust-tiers: buildPgoPackage is not implemented yet (see the PGO issue); tiersLib has ${toString (builtins.length tiersLib.tiers)} tiers, buildTierPackage is ${builtins.typeOf buildTierPackage}"
