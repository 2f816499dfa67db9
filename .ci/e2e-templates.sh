#!/usr/bin/env bash
# Every template under every tier it offers, on the host: the tier is switched the way the
# template's README says (its `tier = "..."` line in flake.nix, nothing else), then
# `tiercheck project` must find no error or warning and `tiercheck build` (dev and release; the
# PGO template through its pipeline) must build and verify clean.
#
# tier3/tier4 dev builds run Cranelift with the dated nightly .ci/install-toolchains.sh installs
# (the Nix pin's date has no Cranelift on rustup here; tiercheck says which nightly it used), and
# each one's binaries must say `with cranelift` in .comment; the summary line counts them. Without
# that nightly they are SKIPPED loudly (never built without Cranelift and counted as passes). One
# check asks a nightly without the component for tier3 and expects the fallback message. Nix builds
# (no nixpkgs here) are covered by the fixture tests in .ci/nix-tests.sh.
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
passed=0 failed=0 cranelift_builds=0 skipped=0
ok() { passed=$((passed + 1)); printf 'ok    %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf 'FAIL  %s\n' "$*"; }
skip() { skipped=$((skipped + 1)); printf 'SKIPPED %s\n' "$*"; }
has_cranelift=1; cranelift_why=$(cranelift_status) || has_cranelift=0
echo "$cranelift_why"

# The fallback: a nightly without the component gets a message naming it and the way out.
if [ "$(RUSTUP_AUTO_INSTALL=0 rustup run nightly rustc --print sysroot 2>/dev/null)" != "" ] &&
   ! compgen -G "$(rustup run nightly rustc --print sysroot)/lib/rustlib/*/codegen-backends/*cranelift*" >/dev/null; then
  if out=$(cd "$work" && clean_env env RUSTUP_TOOLCHAIN=nightly "$tc" env tier3 2>&1); then bad "tier3 on a nightly without Cranelift: env succeeded: $out"
  elif grep -q "needs the rustc-codegen-cranelift-preview component" <<<"$out" && grep -q -- "--without cranelift" <<<"$out"; then
    ok "tier3 on a nightly without Cranelift: refused, naming the component and --without cranelift"
  else bad "tier3 on a nightly without Cranelift: unexpected message: $out"; fi
else skip "the fallback message: the 'nightly' toolchain is missing or has Cranelift"; fi

# The tiers each template offers (its README says the same).
declare -A offers=([workspace]="tier1 tier2 tier3 tier4" [minimal]="tier1 tier2 tier3 tier4" [pgo]="tier3 tier4")

summary() { # JSON report -> "errors warnings linkers cranelift-binaries binaries"
  python3 -c 'import json,sys; r=json.loads(sys.argv[1]); s=r["summary"]; b=r["facts"].get("binaries", []); print(s["errors"], s["warnings"], ",".join(x["elf"]["linker"] for x in b) or "-", sum(1 for x in b if x["elf"]["cranelift"]), len(b))' "$1" 2>/dev/null
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
      cranelift=0
      if [ "$what" = dev ]; then
        args+=(--profile dev)
        case $tier in tier3|tier4) cranelift=1 ;; esac
        if [ "$cranelift" = 1 ] && [ "$has_cranelift" = 0 ]; then
          skip "$t under $tier: build dev with Cranelift ($cranelift_why)"; continue
        fi
      elif [ "$t" = pgo ]; then
        args+=(--pgo '"$BIN" --bench 20000 1'); what="release, PGO + BOLT pipeline"
      else
        args+=(--release)
      fi
      if out=$(cd "$dir" && clean_env env CARGO_TARGET_DIR="$work/target-$t-$tier" "$tc" build "${args[@]}" --format json 2>"$work/build.log"); then
        read -r errs warns linkers clifs bins <<<"$(summary "$out")"
        if [ "$cranelift" = 1 ]; then
          # Every binary's .comment names Cranelift (tiercheck binary reads it; build checks it too).
          note=" with Cranelift ($clifs of $bins binaries say 'with cranelift', toolchain $(python3 -c 'import json,sys; print(next((x for x in json.loads(sys.argv[1])["facts"]["binaries"][0]["elf"]["rustc"] if "cranelift" in x), "?"))' "$out" 2>/dev/null))"
          if [ "${bins:-0}" -ge 1 ] && [ "$clifs" = "$bins" ]; then cranelift_builds=$((cranelift_builds + 1))
          else bad "$t under $tier: build dev: $clifs of $bins binaries compiled by Cranelift"; fi
        fi
        if [ "${errs:-1}" = 0 ] && [ "${warns:-1}" = 0 ]; then ok "$t under $tier: build $what verified clean, linker $linkers$note"
        else bad "$t under $tier: build $what: $errs error(s), $warns warning(s): $(python3 -c 'import json,sys; print("; ".join(f["message"] for f in json.loads(sys.argv[1])["findings"] if f["severity"] in ("error","warning"))[:300])' "$out" 2>/dev/null)"; fi
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

[ "$has_cranelift" = 1 ] || echo "$cranelift_why"
echo "$passed passed, $failed failed, $cranelift_builds builds with Cranelift$([ "$skipped" = 0 ] || echo ", $skipped SKIPPED")"
[ "$failed" = 0 ]
