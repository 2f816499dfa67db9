#!/usr/bin/env bash
# SIGKILL at every point where tiercheck changes the disk (.ci/crash_points.py: strace kills it on
# entry to each state-changing call in turn, and kills `recover` at each of its own), then at
# random points: `init --yes` on a large manifest and `bench --edit` on a small project,
# CRASH_RUNS times each (default 100; the exhaustive pass reaches every state a kill of tiercheck's
# own thread can leave, the random one adds timing: threads, signals, a loaded machine). After
# each kill every file is byte-identical to its original or to its intended result (a rename is
# atomic), and after `tiercheck recover` the whole project is exactly the original or exactly the
# intended tree (init), or the original (bench): no temp file, no record, no directory tiercheck
# made is left. Prints how the kills landed, one line per check and "N passed, N failed".
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${E2E_WORK:-$(mktemp -d /tmp/rust-tiers-e2e.XXXXXX)}/crash
runs=${CRASH_RUNS:-100}
mkdir -p "$work"
passed=0 failed=0
# shellcheck source=.ci/lib.sh
. "$root/.ci/lib.sh"
tc="$root/checker/target/release/tiercheck"
(cd "$root/checker" && cargo build --release -q) || { echo "cannot build tiercheck"; exit 1; }
ok() { passed=$((passed + 1)); printf 'ok    %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf 'FAIL  %s\n' "$*"; }

# A listing of every path under $1 with a hash of its bytes (links as their target).
snapshot() {
  (cd "$1" && find . -path ./target/rust-tiers-bench -prune -o -path ./target/debug -prune \
      -o -path ./target/release -prune -o -print | LC_ALL=C sort | while read -r p; do
    if [ -L "$p" ]; then echo "$p -> $(readlink "$p")"
    elif [ -d "$p" ]; then echo "$p/"
    else echo "$p $(sha256sum <"$p" | cut -c1-16)"; fi
  done)
}
hash_of() { if [ -f "$1" ]; then sha256sum <"$1"; else echo absent; fi; }
# A random delay in [0, $1) milliseconds, as seconds for sleep.
rand_delay() { python3 -c "import random,sys; print(random.uniform(0, int(sys.argv[1])) / 1000)" "$1"; }
# Runs "$@" in a session of its own (no job of this shell, so no "Killed" notices), SIGKILLs
# the whole session after $1 seconds, and waits until nothing of it runs.
kill_after() {
  local delay=$1; shift
  rm -f "$work/pid"
  setsid -f sh -c 'echo $$ >"$0"; exec "$@" >/dev/null 2>&1' "$work/pid" "$@"
  while [ ! -s "$work/pid" ]; do sleep 0.001; done
  local pid; pid=$(cat "$work/pid")
  sleep "$delay"
  pkill -KILL -s "$pid" 2>/dev/null
  while pgrep -s "$pid" >/dev/null 2>&1; do sleep 0.02; done
}

echo "== SIGKILL at each state-changing call of init and bench --edit, and of recover (strace)"
while IFS= read -r line; do
  case "$line" in
    "ok "*) ok "${line#ok    }" ;;
    "FAIL "*) bad "${line#FAIL  }" ;;
    *) echo "$line" ;;
  esac
done < <(python3 "$root/.ci/crash_points.py" "$tc" "$work/points" 2>&1)

echo "== init --yes killed at random points ($runs runs)"
proj="$work/init"
mkdir -p "$proj/src"
echo 'fn main() {}' >"$proj/src/main.rs"
python3 -c '
import sys
with open(sys.argv[1], "w") as f:
    f.write("[package]\nname = \"crash\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n")
    for i in range(60000): f.write("# line %06d of a large manifest, to widen the write window\n" % i)
    f.write("[profile.release]\nlto = \"fat\"\n")' "$proj/Cargo.toml"
cp -a "$proj" "$work/init.orig"
cp -a "$proj" "$work/init.want"
clean_env "$tc" init --tier tier1 --yes "$work/init.want" >/dev/null 2>&1
want=$(snapshot "$work/init.want")
orig=$(snapshot "$work/init.orig")
[ "$want" != "$orig" ] || bad "init changed nothing: the test would prove nothing"
cp -a "$work/init.orig" "$work/init.time"
t0=$(date +%s%N); clean_env "$tc" init --tier tier1 --yes "$work/init.time" >/dev/null 2>&1
ms=$(( ($(date +%s%N) - t0) / 1000000 + 5 )); rm -rf "$work/init.time"
torn=0 mixed=0 as_orig=0 as_want=0 bad_after=0
for i in $(seq "$runs"); do
  rm -rf "$proj"; cp -a "$work/init.orig" "$proj"
  kill_after "$(rand_delay "$ms")" env -u RUST_TIERS_TIER "$tc" init --tier tier1 --yes "$proj"
  for f in Cargo.toml .cargo/config.toml; do
    now=$(hash_of "$proj/$f"); o=$(hash_of "$work/init.orig/$f"); w=$(hash_of "$work/init.want/$f")
    [ "$now" = "$o" ] || [ "$now" = "$w" ] || { torn=$((torn + 1)); echo "  run $i: $f torn"; }
  done
  [ -e "$proj/target/rust-tiers-recovery" ] && mixed=$((mixed + 1))
  "$tc" recover "$proj" >/dev/null 2>&1 || true
  case "$(snapshot "$proj")" in
    "$orig") as_orig=$((as_orig + 1)) ;;
    "$want") as_want=$((as_want + 1)) ;;
    *) bad_after=$((bad_after + 1)); echo "  run $i: after recover the tree is neither"; diff <(echo "$orig") <(snapshot "$proj") | head -5 ;;
  esac
done
echo "  $runs kills within ${ms} ms: $as_orig left the original, $as_want the result, $mixed left a record to recover"
if [ "$torn" = 0 ] && [ "$bad_after" = 0 ]; then ok "init: no torn file in $runs kills; after recover always the original or the result"
else bad "init: $torn torn files, $bad_after trees neither original nor result"; fi

echo "== bench --edit killed at random points ($runs runs)"
proj="$work/bench"
mkdir -p "$proj/src"
printf '[package]\nname = "crashb"\nversion = "0.1.0"\nedition = "2021"\n' >"$proj/Cargo.toml"
printf 'fn main() {\n    let x = 1;\n    println!("{x}");\n}\n' >"$proj/src/main.rs"
orig_src=$(sha256sum <"$proj/src/main.rs")
edited_src=$(sed 's/= 1/= 2/' "$proj/src/main.rs" | sha256sum)
bench=(bench --config stock --rounds 1 --incremental-runs 0 --skip clean-debug --skip clean-release
       --edit "$proj/src/main.rs" "= 1" "= 2" --edit-pairs 2 "$proj")
clean_env "$tc" "${bench[@]}" >/dev/null 2>"$work/bench.err" || { bad "bench itself fails: $(tail -1 "$work/bench.err")"; }
t0=$(date +%s%N); clean_env "$tc" "${bench[@]}" >/dev/null 2>&1
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
torn=0 was_edited=0 not_restored=0
before=$(snapshot "$proj")
for i in $(seq "$runs"); do
  kill_after "$(rand_delay "$ms")" env -u RUST_TIERS_TIER "$tc" "${bench[@]}"
  now=$(sha256sum <"$proj/src/main.rs")
  if [ "$now" = "$edited_src" ]; then was_edited=$((was_edited + 1))
  elif [ "$now" != "$orig_src" ]; then torn=$((torn + 1)); echo "  run $i: src/main.rs torn"; fi
  "$tc" recover "$proj" >/dev/null 2>&1 || true
  after=$(snapshot "$proj")
  if [ "$after" != "$before" ]; then
    not_restored=$((not_restored + 1)); echo "  run $i: not restored"; diff <(echo "$before") <(echo "$after") | head -5
  fi
done
echo "  $runs kills within ${ms} ms: $was_edited left the file edited (all restored by recover)"
if [ "$torn" = 0 ] && [ "$not_restored" = 0 ]; then ok "bench --edit: no torn file in $runs kills; recover always restored the original"
else bad "bench --edit: $torn torn, $not_restored not restored"; fi

echo "== bench --edit ended by a catchable signal: the file is put back, no record left"
for sig in HUP QUIT INT TERM; do
  rm -f "$work/sig.err"
  setsid -f sh -c 'echo $$ >"$0"; exec "$@" >/dev/null 2>"$0.err"; ' "$work/sig" \
    env -u RUST_TIERS_TIER "$tc" "${bench[@]}"
  while [ ! -s "$work/sig" ]; do sleep 0.01; done
  pid=$(cat "$work/sig"); rm -f "$work/sig"
  # Wait until the bench has edited the file once, then signal it.
  for _ in $(seq 500); do [ "$(sha256sum <"$proj/src/main.rs")" = "$edited_src" ] && break; sleep 0.01; done
  kill -"$sig" "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  while pgrep -s "$pid" >/dev/null 2>&1; do sleep 0.05; done
  if [ "$(sha256sum <"$proj/src/main.rs")" = "$orig_src" ] && [ ! -e "$proj/target/rust-tiers-recovery" ]; then
    ok "SIG$sig during bench --edit: restored, no record left"
  else bad "SIG$sig during bench --edit: $(head -c 200 "$work/sig.err" 2>/dev/null)"; "$tc" recover "$proj" >/dev/null 2>&1; fi
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
