"""Every tier x platform x profile: Nix's resolveTier/tierEnv must equal `tiercheck env --raw`.

usage: nix_consistency.py NIX TIERCHECK REPO   (prints one line per mismatch and a count line)
"""
import itertools
import json
import subprocess
import sys
import tomllib

nix, tiercheck, repo = sys.argv[1:4]
tiers = ["tier1", "tier2", "tier3", "tier4"]
# The platforms are the data's: a platform dropped from tiers.toml (x86_64-darwin) must be refused
# by both sides, which the check below asserts.
with open(f"{repo}/nix/tiers.toml", "rb") as f:
    platforms = sorted(tomllib.load(f)["platforms"])
profiles = [None, "dev", "release"]
combos = list(itertools.product(tiers, platforms, profiles))

def nix_str(v):
    return "null" if v is None else json.dumps(v)

expr = "let l = import %s/nix/lib {}; in [ %s ]" % (repo, " ".join(
    "{ env = l.tierEnv { tier = %s; system = %s; profile = %s; }; "
    "r = l.resolveTier { tier = %s; platform = %s; profile = %s; }; "
    "c = l.tierCargoConfig { tier = %s; system = %s; profile = %s; }; }"
    % ((nix_str(t), nix_str(p), nix_str(pr)) * 3)
    for t, p, pr in combos))
out = subprocess.run([nix, "--eval", "--strict", "--json", "-E", expr], capture_output=True, text=True)
if out.returncode != 0:
    print("nix evaluation failed:", out.stderr.strip().splitlines()[-1])
    sys.exit(1)
nix_results = json.loads(out.stdout)

passed = failed = 0
for (tier, platform, profile), n in zip(combos, nix_results):
    args = [tiercheck, "env", tier, "--raw", "--platform", platform, "--format", "json"]
    if profile:
        args += ["--profile", profile]
    t = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
    same = (t["env"] == n["env"] and t["techniques"] == n["r"]["techniques"]
            and t["left_out"] == n["r"]["leftOut"] and t["cargo_config"] == n["c"])
    if same:
        passed += 1
    else:
        failed += 1
        keys = sorted(set(t["env"]) ^ set(n["env"]) | {k for k in t["env"] if n["env"].get(k) != t["env"][k]})
        print(f"MISMATCH {tier} {platform} {profile}: env keys differing {keys}; "
              f"techniques {t['techniques']} vs {n['r']['techniques']}")

# tier5 ships nothing: both sides must refuse.
t5 = subprocess.run([tiercheck, "env", "tier5", "--raw", "--platform", "x86_64-linux"], capture_output=True, text=True)
n5 = subprocess.run([nix, "--eval", "--strict", "-E",
                     "(import %s/nix/lib {}).tierEnv { tier = \"tier5\"; system = \"x86_64-linux\"; }" % repo],
                    capture_output=True, text=True)
if t5.returncode == 2 and n5.returncode != 0 and "ships nothing" in t5.stderr and "ships nothing" in n5.stderr:
    passed += 1
else:
    failed += 1
    print("MISMATCH tier5: both must refuse with 'ships nothing'")
# A platform the data does not declare: both refuse (tiercheck exit 2, Nix throws).
t6 = subprocess.run([tiercheck, "env", "tier1", "--raw", "--platform", "x86_64-darwin"], capture_output=True, text=True)
n6 = subprocess.run([nix, "--eval", "--strict", "-E",
                     "(import %s/nix/lib {}).tierEnv { tier = \"tier1\"; system = \"x86_64-darwin\"; }" % repo],
                    capture_output=True, text=True)
if t6.returncode == 2 and n6.returncode != 0 and "x86_64-darwin" in t6.stderr and "not a platform" in n6.stderr:
    passed += 1
else:
    failed += 1
    print("MISMATCH x86_64-darwin: both must refuse an undeclared platform")
print(f"consistency: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
