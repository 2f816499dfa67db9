#!/usr/bin/env bash
# `tiercheck env` as a user runs it: each tier's printed environment, eval'ed by bash in a clean
# shell, must build every example with the tier's toolchain (no other setup). Then the quoting
# test: sh and fish output with hostile tool directories, evaluated by the real bash and fish.
#
# Tiers:
#   tier1, tier2        every profile
#   tier3, tier4        release; dev with Cranelift when the Cranelift nightly is installed
#                       (.ci/install-toolchains.sh; otherwise one loud SKIPPED line), and every dev
#                       binary must say `with cranelift` in its .comment
#   tier4               examples/cpu-bound only: with -Zpolonius, nightly 1.97 spent over 9 minutes
#                       on serde_derive alone for examples/workspace here (killed; measured 2026-11-24)
# Prints one line per check and "N passed, N failed".
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${E2E_WORK:-$(mktemp -d /tmp/rust-tiers-e2e-env.XXXXXX)}
mkdir -p "$work"
passed=0 failed=0
# shellcheck source=.ci/lib.sh
. "$root/.ci/lib.sh"
ok() { passed=$((passed + 1)); printf 'ok    %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf 'FAIL  %s\n' "$*"; }

tc=${TIERCHECK:-"$root/checker/target/release/tiercheck"}
[ -x "$tc" ] || (cd "$root/checker" && cargo build --release -q) || { echo "cannot build tiercheck"; exit 1; }

# Reads rows: tier, env args, cargo profile, the channel the rustc must report (cranelift: a
# nightly whose dev binaries say `with cranelift`), examples.
build_rows() {
while read -r tier args profile channel examples; do
  [ "$args" = - ] && args=""
  [ "$examples" = all ] && examples=$(cd "$root/examples" && echo */ | tr -d /)
  for ex in $examples; do
    log="$work/$tier-$ex.log"
    # A clean environment: only what the printed env sets (plus PATH and HOME) decides the build.
    # shellcheck disable=SC2016
    if clean_env bash -c '
        set -e
        eval "$("$1" env "$2" $3)"
        rustc -vV | sed -n "s/^release: //p" > "$4/rustc-release"
        cd "$5" && CARGO_TARGET_DIR="$4/target-$2" cargo build -q --profile "$6"
      ' bash "$tc" "$tier" "$args" "$work" "$root/examples/$ex" "$profile" >"$log" 2>&1; then
      release=$(cat "$work/rustc-release")
      want=$channel backend=""
      if [ "$channel" = cranelift ]; then
        want=nightly backend=", Cranelift"
        bins=$(find "$work/target-$tier/debug" -maxdepth 1 -type f -executable)
        # shellcheck disable=SC2086
        if [ -z "$bins" ] || grep -L -a "with cranelift" $bins | grep -q .; then backend=", NOT Cranelift"; fi
      fi
      case "$want:$release:$backend" in
        stable:*-*:*|nightly:[0-9]*[0-9]:*) bad "$tier $args: $ex built, but with rustc $release (want $want)" ;;
        *:*:", NOT Cranelift") bad "$tier: examples/$ex built, but a binary's .comment does not say 'with cranelift'" ;;
        *) ok "$tier${args:+ $args}: examples/$ex builds ($profile profile, rustc $release$backend)" ;;
      esac
    else
      bad "$tier${args:+ $args}: examples/$ex: $(grep -m2 -E 'error|tiercheck' "$log" | tr '\n' ' ')"
    fi
  done
done
}

echo "== eval \"\$(tiercheck env TIER)\" in bash, then cargo build of each example"
build_rows <<'EOF'
tier1 -                 dev     stable  all
tier1 --with=mold        dev     stable  cpu-bound
tier1 -                 release stable  all
tier2 -                 dev     nightly all
tier2 -                 release nightly all
tier3 --profile=release release nightly all
tier4 --profile=release release nightly cpu-bound
EOF

echo "== tier3 and tier4 dev with Cranelift"
if cl=$(cranelift_status); then
  build_rows <<'EOF'
tier3 -                 dev     cranelift all
tier4 -                 dev     cranelift cpu-bound
EOF
else
  echo "$cl"
fi

echo "== the env of a nightly tier selects the toolchain itself"
if out=$(clean_env "$tc" env tier2) && grep -qx "export RUSTUP_TOOLCHAIN='nightly[^']*'" <<<"$out"; then
  ok "tier2 exports $(grep RUSTUP_TOOLCHAIN <<<"$out")"
else bad "tier2's env does not select a nightly toolchain"; fi

echo "== hostile tool directories: sh in bash, fish in fish"
if out=$(python3 "$root/.ci/env_quoting.py" "$tc" "$work" 2>&1); then
  ok "env quoting: $(tail -1 <<<"$out")"
else bad "env quoting: $(grep -E '^FAIL' <<<"$out" | head -5 | tr '\n' ' ')"; fi
grep -E '^FAIL' <<<"$out" | sed 's/^/      /'

echo "== SARIF validates against the OASIS 2.1.0 schema (python jsonschema)"
sarif_dir=$(mktemp -d "$work/sarif.XXXXXX")
mkdir -p "$sarif_dir/.cargo" "$sarif_dir/src"
printf '[package]\nname = "p"\nversion = "0.1.0"\nedition = "2021"\n' >"$sarif_dir/Cargo.toml"
printf '[build]\nlinker = "mold"\n[target.x86_64-unknown-linux-gnu]\nrustflags = ["-C", "linker=mold"]\n[profile.dev]\nsplit-debuginfo = "split"\n' >"$sarif_dir/.cargo/config.toml"
printf 'fn main() {}\n' >"$sarif_dir/src/main.rs"
(cd "$sarif_dir" && clean_env "$tc" project --tier tier1 --format sarif . >"$work/out.sarif" 2>"$work/sarif.err")
if python3 - "$root/checker/tests/sarif/sarif-schema-2.1.0.json" "$work/out.sarif" <<'PY'
import json, sys, jsonschema
schema, doc = (json.load(open(p)) for p in sys.argv[1:3])
jsonschema.Draft4Validator(schema).validate(doc)
assert doc["runs"][0]["results"], "no results"
PY
then ok "SARIF of a project with findings validates against sarif-schema-2.1.0.json"
else bad "SARIF does not validate: $(head -c 300 "$work/sarif.err")"; fi

echo "== closed stdout and exit 2"
clean_env "$tc" env tier1 | head -0; rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] && ok "env tier1 | head -0: exit 0, no panic" || bad "env tier1 | head -0: exit $rc"
for cmd in "binary /nonexistent" "binary --format json /nonexistent" "project /nonexistent" \
           "project --format json /nonexistent" "env no-such-tier" "env --format json no-such-tier" \
           "explain no-such-id" "toolchain --tier no-such-tier"; do
  # shellcheck disable=SC2086
  out=$("$tc" $cmd 2>/dev/null); rc=$?
  [ "$rc" = 2 ] && [ -z "$out" ] && ok "$cmd: exit 2, stdout empty" || bad "$cmd: exit $rc, stdout ${#out} bytes"
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
