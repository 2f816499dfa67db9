"""The offline `nix flake show --all-systems` check: every per-system output has exactly the
systems nix/tiers.toml declares, and every leaf there is a derivation with a name.

usage: flake_outputs.py SHOW.json TIERS.toml   (prints a summary line; exit 1 with the problems)
"""
import json
import sys
import tomllib

show = json.load(open(sys.argv[1]))
with open(sys.argv[2], "rb") as f:
    declared = sorted(tomllib.load(f)["platforms"])
problems, counts = [], {}
for output in ("packages", "devShells", "checks", "formatter"):
    systems = sorted(show.get(output, {}))
    if systems != declared:
        problems.append(f"{output}: systems {systems}, declared {declared}")
    for system, attrs in show.get(output, {}).items():
        leaves = {"": attrs} if output == "formatter" else attrs
        for name, leaf in leaves.items():
            if leaf.get("type") != "derivation" or not leaf.get("name"):
                problems.append(f"{output}.{system}.{name}: not a derivation ({leaf})")
        counts[output] = counts.get(output, 0) + len(leaves)
for output in ("lib", "templates", "overlays"):
    if output not in show:
        problems.append(f"{output}: missing")
if problems:
    print("; ".join(problems))
    sys.exit(1)
print(f"systems {', '.join(declared)}: " + ", ".join(f"{n} {o}" for o, n in counts.items())
      + f", templates {', '.join(sorted(show['templates']))}")
