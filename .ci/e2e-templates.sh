#!/usr/bin/env bash
# Every template under every tier it offers, on the host: the tier is switched the way the
# template's README says (its `tier = "..."` line in flake.nix, nothing else), then
# `tiercheck project` must find no error or warning and `tiercheck build` (dev and release; the
# PGO template through its pipeline) must build and verify clean.
#
# Not on this host: the Cranelift component (rustup cannot add it here), so tier3/tier4 dev builds
# run `--without cranelift` and say so; Nix builds (no nixpkgs here) are covered by the fixture
# tests in .ci/nix-tests.sh.
#   TEMPLATES_DIR   the templates to test (default: templates/ of this checkout)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
templates=${TEMPLATES_DIR:-$root/templates}
work=${E2E_WORK:-$(mktemp -d /tmp/rust-tiers-templates.XXXXXX)}
mkdir -p "$work"
# shellcheck source=.ci/lib.sh
. "$root/.ci/lib.sh"
tc="$root/checker/target/release/tiercheck"
(cd "$root/checker" && cargo build --release -q) || { echo "cannot build tiercheck"; exit 1; }
passed=0 failed=0
ok() { passed=$((passed + 1)); printf 'ok    %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf 'FAIL  %s\n' "$*"; }

# The tiers each template offers (its README says the same).
declare -A offers=([workspace]="tier1 tier2 tier3 tier4" [minimal]="tier1 tier2 tier3 tier4" [pgo]="tier3 tier4")

summary() { # JSON report -> "errors warnings linkers"
  python3 -c 'import json,sys; r=json.loads(sys.argv[1]); s=r["summary"]; b=r["facts"].get("binaries", []); print(s["errors"], s["warnings"], ",".join(x["elf"]["linker"] for x in b) or "-")' "$1" 2>/dev/null
}

for t in workspace minimal pgo; do
  for tier in ${offers[$t]}; do
    dir="$work/$t-$tier"
    rm -rf "$dir"; cp -r "$templates/$t" "$dir"
    sed -i "s/^\( *tier = \)\"tier[0-9]\";/\1\"$tier\";/" "$dir/flake.nix"
    got=$(sed -n 's/^ *tier = "\(tier[0-9]\)";.*/\1/p' "$dir/flake.nix" | head -1)
    [ "$got" = "$tier" ] || { bad "$t: could not switch flake.nix to $tier (got ${got:-nothing})"; continue; }

    if out=$(clean_env "$tc" project --tier "$tier" --format json "$dir" 2>&1) && why=$(python3 "$root/.ci/project_clean.py" "$out"); then
      ok "$t under $tier: tiercheck project clean (no error, warning or contradiction)"
    else bad "$t under $tier: tiercheck project: ${why:-$(tail -2 <<<"$out")}"; fi

    builds=("dev" "release")
    for what in "${builds[@]}"; do
      args=(--tier "$tier")
      note=""
      if [ "$what" = dev ]; then
        args+=(--profile dev)
        case $tier in tier3|tier4) args+=(--without cranelift); note=" (--without cranelift: no Cranelift component on this host)" ;; esac
      elif [ "$t" = pgo ]; then
        args+=(--pgo '"$BIN" --bench 20000 1'); what="release, PGO + BOLT pipeline"
      else
        args+=(--release)
      fi
      if out=$(cd "$dir" && clean_env env CARGO_TARGET_DIR="$work/target-$t-$tier" "$tc" build "${args[@]}" --format json 2>"$work/build.log"); then
        read -r errs warns linkers <<<"$(summary "$out")"
        if [ "${errs:-1}" = 0 ] && [ "${warns:-1}" = 0 ]; then ok "$t under $tier: build $what verified clean, linker $linkers$note"
        else bad "$t under $tier: build $what: $errs error(s), $warns warning(s)"; fi
        # The [pipeline] bolt_flags are spelled as this BOLT wants them (no deprecation warning).
        for log in "$work/target-$t-$tier"/rust-tiers-pgo/*.log; do
          [ -f "$log" ] || continue
          if grep -q 'BOLT-WARNING.*deprecated' "$log"; then bad "$t under $tier: BOLT: $(grep -m1 'deprecated' "$log")"
          else ok "$t under $tier: BOLT took every bolt_flag without a deprecation warning ($(basename "$log"))"; fi
        done
      else
        bad "$t under $tier: build $what failed$note: $(grep -E 'error|FAIL' "$work/build.log" | head -3 | tr '\n' ' ')"
      fi
    done
  done
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
