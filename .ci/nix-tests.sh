#!/usr/bin/env bash
# The Nix tests that run without nixpkgs (CI installs Nix 2.26 with install-nix.sh): every .nix
# file parses, the pure nix/lib tests and the fixture-pkgs wiring tests, Nix and tiercheck agree
# on every tier's environment, the flake's pure outputs and templates work offline, each template
# builds on the host under its tier and verifies with tiercheck, and deadnix finds nothing.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="${NIX_PREFIX:-/opt/nix-2.26}/bin:$HOME/.cargo/bin:$PATH"
export NIX_CONFIG=$'experimental-features = nix-command flakes\nbuild-users-group =\nsandbox = false'
# shellcheck source=.ci/lib.sh
. "$root/.ci/lib.sh"
passed=0 failed=0
ok() { passed=$((passed + 1)); printf 'ok    %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf 'FAIL  %s\n' "$*"; }
work=$(mktemp -d /tmp/rust-tiers-nix.XXXXXX)
cd "$root"
(cd checker && cargo build --release -q) || { echo "cannot build tiercheck"; exit 1; }
tc="$root/checker/target/release/tiercheck"
echo "nix: $(nix --version)"

echo "== every .nix file parses"
while IFS= read -r f; do
  if nix-instantiate --parse "$f" >/dev/null 2>"$work/parse.err"; then ok "parse $f"; else bad "parse $f: $(tail -1 "$work/parse.err")"; fi
done < <(git ls-files '*.nix')

echo "== nix/lib pure tests and fixture-pkgs wiring tests"
if out=$(nix-instantiate --eval --strict --json -E "import $root/nix/tests/run.nix {}" 2>&1); then
  read -r p f < <(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["passed"], r["failed"]); [print("FAIL  "+x["name"]+": got "+json.dumps(x["got"])[:300], file=sys.stderr) for x in r["failures"]]' "$out")
  passed=$((passed + p)); failed=$((failed + f)); echo "nix tests: $p passed, $f failed"
else bad "nix/tests/run.nix did not evaluate: $(tail -2 <<<"$out")"; fi

echo "== Nix and tiercheck agree on every tier x platform x profile"
if python3 "$root/.ci/nix_consistency.py" nix-instantiate "$tc" "$root" >"$work/consistency.log" 2>&1; then
  ok "$(tail -1 "$work/consistency.log")"
else bad "$(cat "$work/consistency.log")"; fi

echo "== the flake offline: metadata, pure outputs, lock untouched"
# Nix reads a git flake as git sees it: evaluate a fresh repo holding exactly the working tree's
# files (tracked and untracked, not ignored), so local runs and CI see the same thing.
mkdir -p "$work/flake"
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$work/flake"
( cd "$work/flake" && git init -q && git add -A && git -c user.name=ci -c user.email=ci@localhost commit -qm snapshot )
if nix flake metadata --offline "$work/flake" >"$work/meta.log" 2>&1; then ok "nix flake metadata --offline"; else bad "flake metadata: $(tail -2 "$work/meta.log")"; fi
if git -C "$work/flake" diff --quiet -- flake.lock; then ok "flake.lock unchanged (complete lock, no relock)"; else bad "nix rewrote flake.lock"; fi
for expr in 'lib.shellTiers' 'templates.default.description'; do
  if out=$(nix eval --offline --json "$work/flake#$expr" 2>&1); then ok "nix eval --offline .#$expr = $out"; else bad "nix eval .#$expr: $(tail -1 <<<"$out")"; fi
done
if out=$(nix eval --offline --json "$work/flake#lib" --apply 'l: l.tierEnv { tier = "tier1"; system = "x86_64-linux"; }' 2>&1) \
   && [ "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["RUST_TIERS_TIER"])' "$out")" = tier1 ]; then
  ok "nix eval --offline .#lib.tierEnv through the flake"
else bad "nix eval .#lib.tierEnv: $(tail -1 <<<"$out")"; fi
if out=$(nix eval --offline "$work/flake#packages.x86_64-linux" --apply builtins.attrNames 2>&1); then ok "packages.x86_64-linux names without fetching: $out"; else bad "packages names: $(tail -1 <<<"$out")"; fi

echo "== the flake on every declared system, with fixture inputs (offline nix flake show/check --all-systems)"
# One fixture flake stands in for every input (nix/tests/fixture-inputs: derivation-shaped,
# never built; x86_64-darwin throws as nixpkgs 26.11 does). Nothing is fetched or built.
fixture="path:$work/flake/nix/tests/fixture-inputs"
fixture_inputs=()
for input in nixpkgs crane rust-overlay fenix flake-utils naersk; do fixture_inputs+=(--override-input "$input" "$fixture"); done
with_fixtures=(--offline --no-write-lock-file "${fixture_inputs[@]}")
if nix flake show --all-systems --json "${with_fixtures[@]}" "$work/flake" >"$work/show.json" 2>"$work/show.err"; then
  if out=$(python3 "$root/.ci/flake_outputs.py" "$work/show.json" "$root/nix/tiers.toml"); then ok "nix flake show --all-systems: $out"
  else bad "nix flake show --all-systems: $out"; fi
else bad "nix flake show --all-systems: $(grep -m1 -A2 'error:' "$work/show.err" | tr '\n' ' ')"; fi
if nix flake check --no-build --all-systems "${with_fixtures[@]}" "$work/flake" >"$work/check.log" 2>&1; then
  ok "nix flake check --no-build --all-systems: $(grep -c '^derivation evaluated to' "$work/check.log") derivations instantiated, every output of every system"
else bad "nix flake check --no-build --all-systems: $(grep -m1 -A2 'error:' "$work/check.log" | tr '\n' ' ')"; fi
# What a binary cache for the team shares: one dependency derivation behind tiercheck's build,
# clippy and nextest checks and the shells (nix/tests/fixture-sharing.nix covers the PGO chain).
if out=$(nix eval --json "${with_fixtures[@]}" "$work/flake#checks.x86_64-linux" --apply 'c: map (x: x.cargoArtifacts.drvPath) [ c.tiercheck c.tiercheck-clippy c.tiercheck-nextest ]' 2>"$work/share.err") \
   && [ "$(python3 -c 'import json,sys; print(len(set(json.loads(sys.argv[1]))))' "$out")" = 1 ]; then
  ok "tiercheck's build, clippy and nextest checks share one deps derivation: $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])[0])' "$out")"
else bad "deps derivation not shared: $out $(grep -m1 -A2 error: "$work/share.err")"; fi
# crane's buildDepsOnly reads cargoTestExtraArgs too (default "--no-run"): tiercheck's
# "--lib --bins" must reach only the package, or the deps derivation runs dummy test harnesses.
if out=$(nix eval --json "${with_fixtures[@]}" "$work/flake#packages.x86_64-linux.tiercheck" --apply 'p: [ (p.cargoTestExtraArgs or null) (p.cargoArtifacts.cargoTestExtraArgs or null) ]' 2>"$work/testargs.err") \
   && [ "$out" = '["--lib --bins",null]' ]; then
  ok "tiercheck: cargoTestExtraArgs on the package only, the deps derivation keeps crane's default"
else bad "tiercheck cargoTestExtraArgs (package, deps): $out $(grep -m1 -A2 error: "$work/testargs.err")"; fi

echo "== templates: nix flake init offline, then a host build under the template's tier"
for t in workspace minimal pgo; do
  dest="$work/init-$t"; mkdir -p "$dest"
  if (cd "$dest" && nix flake init --offline -t "$work/flake#$t" >"$work/init.log" 2>&1); then
    if diff -r -q "$work/flake/templates/$t" "$dest" >/dev/null; then ok "nix flake init -t .#$t: files identical to templates/$t"
    else bad "nix flake init -t .#$t: files differ: $(diff -r -q "$work/flake/templates/$t" "$dest" | head -3)"; fi
  else bad "nix flake init -t .#$t: $(tail -2 "$work/init.log")"; continue; fi
  tier=$(sed -n 's/^ *tier = "\(tier[0-9]\)";.*/\1/p' "$dest/flake.nix" | head -1)
  if out=$(clean_env "$tc" project --tier "$tier" --format json "$dest" 2>&1) && why=$(python3 "$root/.ci/project_clean.py" "$out"); then
    ok "template $t agrees with $tier (tiercheck project: no error, warning or contradiction)"
  else bad "template $t vs $tier: ${why:-$(tail -2 <<<"$out")}"; fi
  if [ "$t" = pgo ]; then build_args=(--pgo '"$BIN" --bench 20000 1'); else build_args=(--profile dev); fi
  if out=$(cd "$dest" && clean_env env CARGO_TARGET_DIR="$work/target-$t" "$tc" build --tier "$tier" "${build_args[@]}" --format json 2>"$work/build-$t.log"); then
    ok "template $t: tiercheck build --tier $tier ${build_args[*]} on the host: $(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["summary"], [(b["elf"]["linker"], "bolt" if b["elf"]["bolt"] else "-") for b in r["facts"]["binaries"]])' "$out")"
  else bad "template $t: tiercheck build --tier $tier: $(tail -3 "$work/build-$t.log" | tr '\n' ' ')"; fi
done

echo "== templates in a git repo against this checkout (--override-input rust-tiers path:...), offline"
# What the template READMEs tell users before the flake is published: git add after init, then
# point rust-tiers at a checkout. The lock comes from the checkout's own flake.lock (no fetch),
# and with fixture inputs under rust-tiers every output of every system evaluates.
under_rust_tiers=()
for input in nixpkgs crane rust-overlay fenix flake-utils naersk; do under_rust_tiers+=(--override-input "rust-tiers/$input" "$fixture"); done
locked_nixpkgs=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["nodes"]["nixpkgs"]["locked"]["rev"])' "$root/flake.lock")
for t in workspace minimal pgo; do
  dest="$work/git-$t"; mkdir -p "$dest"
  (cd "$dest" && git init -q && nix flake init --offline -t "$work/flake#$t" >/dev/null 2>&1 && git add -A)
  if (cd "$dest" && nix flake lock --offline --override-input rust-tiers "path:$work/flake" >"$work/lock-$t.log" 2>&1) \
     && [ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["nodes"]["nixpkgs"]["locked"]["rev"])' "$dest/flake.lock")" = "$locked_nixpkgs" ]; then
    ok "template $t: nix flake lock --offline --override-input rust-tiers path:<checkout> takes nixpkgs ${locked_nixpkgs:0:12} from the checkout's lock"
  else bad "template $t: offline lock against the checkout: $(grep -m1 -A2 error: "$work/lock-$t.log" | tr '\n' ' ')"; continue; fi
  (cd "$dest" && git add -A)
  if (cd "$dest" && nix flake check --no-build --all-systems --offline --no-write-lock-file "${under_rust_tiers[@]}" . >"$work/tcheck-$t.log" 2>&1); then
    ok "template $t: nix flake check --no-build --all-systems with fixture inputs: $(grep -c '^derivation evaluated to' "$work/tcheck-$t.log") derivations"
  else bad "template $t: flake check: $(grep -m1 -A2 'error:' "$work/tcheck-$t.log" | tr '\n' ' ')"; fi
done
if out=$(cd "$work/git-workspace" && nix eval --json --offline --no-write-lock-file "${under_rust_tiers[@]}" .#checks.x86_64-linux --apply 'c: [ c.build.drvPath (builtins.head (builtins.filter (p: p.name == "crate") [ c.build ])).cargoArtifacts.drvPath ]' 2>/dev/null) \
   && [ "$(cd "$work/git-workspace" && nix eval --raw --offline --no-write-lock-file "${under_rust_tiers[@]}" .#packages.x86_64-linux.default.drvPath 2>/dev/null)" = "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])[0])' "$out")" ]; then
  ok "template workspace: checks.build is packages.default (one drv, one deps drv $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])[1].split("/")[-1])' "$out"))"
else bad "template workspace: checks.build and packages.default differ: $out"; fi

echo "== every file tiercheck embeds is in the flake's tiercheck source"
missing=""
# include_str! paths are relative to the file that has them; they name checker/data's symlinks,
# so both the link (as written) and its target under nix/ must be in the source.
while IFS=: read -r file rel; do
  for path in "$(realpath -m -s --relative-to="$root" "$(dirname "$root/$file")/$rel")" \
              "$(realpath -m --relative-to="$root" "$(dirname "$root/$file")/$rel")"; do
    covered=no
    for entry in $(sed -n '/fileset.unions \[/,/\];/p' "$root/flake.nix" | grep -o '\./[A-Za-z0-9_./-]*'); do
      e=${entry#./}
      case "$path" in "$e"|"$e"/*) covered=yes ;; esac
    done
    [ "$covered" = yes ] || missing="$missing $path"
  done
done < <(cd "$root" && grep -rHoE 'include_str!\("[^"]+"\)' checker/src | sed -E 's/include_str!\("(.*)"\)/\1/' | sort -u)
if [ -z "$missing" ]; then ok "include_str! files are all in the tiercheck fileset"; else bad "not in the tiercheck fileset:$missing"; fi

echo "== deadnix"
if out=$(deadnix --fail $(git ls-files '*.nix') 2>&1); then ok "deadnix: no unused bindings"; else bad "deadnix: $out"; fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
