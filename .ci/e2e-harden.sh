#!/usr/bin/env bash
# Hostile and careless use of tiercheck, end to end: files that change while read, huge
# .comment sections, PGO training that never runs the binary, concurrent and failed pipeline
# runs, time limits and signals, paths with spaces. Prints one line per check and
# "N passed, N failed". Called from .ci/e2e-host.sh; needs what .ci/install.sh installs.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${E2E_WORK:-$(mktemp -d /tmp/rust-tiers-e2e.XXXXXX)}/harden
mkdir -p "$work"
passed=0 failed=0
# shellcheck source=.ci/lib.sh
. "$root/.ci/lib.sh"
tc="$root/checker/target/release/tiercheck"
(cd "$root/checker" && cargo build --release -q) || { echo "cannot build tiercheck"; exit 1; }
ok() { passed=$((passed + 1)); printf 'ok    %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf 'FAIL  %s\n' "$*"; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# An ELF (tiercheck's own binary) with an extra section made of FILE.
with_section() { # NAME SECTION FILE OUT
  objcopy --remove-section "$2" --add-section "$2=$3" --set-section-flags "$2=readonly" "$tc" "$4"
}

echo "== binary: a ~230 MB file truncated while it is read (20 runs): exit 2, never a signal"
python3 -c '
import sys
chunk = b"".join(b"debug string %09d\0" % i for i in range(100000))
with open(sys.argv[1], "wb") as f:
    for _ in range(100): f.write(chunk)' "$work/dstr"
with_section big .debug_str "$work/dstr" "$work/big.elf"
codes=()
for i in $(seq 20); do
  cp "$work/big.elf" "$work/victim.elf"
  "$tc" binary --format json "$work/victim.elf" >"$work/victim.out" 2>"$work/victim.err" &
  pid=$!
  sleep "0.0$((i % 8 + 1))"
  truncate -s 50M "$work/victim.elf"
  wait "$pid"; rc=$?
  [ -s "$work/victim.out" ] && rc="$rc+stdout"
  codes+=("$rc")
done
if [ "$(printf '%s\n' "${codes[@]}" | sort -u)" = 2 ]; then ok "20 truncations mid-read: all exit 2 ($(head -c 120 "$work/victim.err"))"
else bad "truncated while read: exit codes ${codes[*]} (want 2 each, nothing on stdout; 135 is SIGBUS)"; fi

echo "== binary: .comment with many distinct strings is deduplicated in linear time"
python3 -c '
import sys
with open(sys.argv[1], "wb") as f:
    for i in range(80000): f.write(b"GCC: (x) build %08d\0" % i)
with open(sys.argv[2], "wb") as f:
    n = i = 0
    while n < 100 << 20:
        s = b"toolchain string number %012d padding padding padding padding\0" % i
        f.write(s); n += len(s); i += 1' "$work/c80k" "$work/c100m"
for c in c80k c100m; do
  with_section "$c" .comment "$work/$c" "$work/$c.elf"
  start=$(date +%s%N)
  n=$(timeout 60 "$tc" binary --format json "$work/$c.elf" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["facts"]["binaries"][0]["elf"]["comment"]))')
  rc=$?; ms=$(ms_since "$start")
  # Quadratic dedupe took 11.5 s for 80k strings and over 120 s for 100 MB on this machine.
  if [ "$rc" = 0 ] && [ "$ms" -lt 30000 ]; then ok "$c: $n distinct .comment strings in $ms ms"
  else bad "$c: exit $rc after $ms ms"; fi
done

echo "== PGO pipeline: training must run the binary (examples/workspace has a build script)"
ws="$root/examples/workspace" cpu="$root/examples/cpu-bound"
pgo() { # DIR TARGET-DIR ARGS...: runs the pipeline; exit code in $rc, stdout in $out, stderr in $err
  local dir=$1 target=$2; shift 2
  out=$(cd "$dir" && clean_env env CARGO_TARGET_DIR="$target" "$tc" build --tier tier3 "$@" . 2>"$work/pgo.err"); rc=$?
  err=$(cat "$work/pgo.err")
}
pgo "$ws" "$work/ws" --no-bolt --pgo true
if [ "$rc" = 2 ] && [ -z "$out" ] && grep -q "wrote no .profraw" <<<"$err"; then ok "--pgo true: exit 2, $(tail -1 <<<"$err" | cut -c1-100)"
else bad "--pgo true: exit $rc (want 2, nothing on stdout): $(tail -2 <<<"$err" | tr '\n' ' ')"; fi
# Training that runs other instrumented programs (the build scripts) but never the binary.
pgo "$ws" "$work/ws" --no-bolt --pgo 'for b in "$(dirname "$BIN")"/build/*/build-script-build; do "$b" >/dev/null 2>&1; done; true'
if [ "$rc" = 2 ] && grep -q "the training never ran" <<<"$err"; then ok "training that only runs build scripts: $(grep -o 'the training never ran.*' <<<"$err" | cut -c1-110)"
else bad "training without the binary: exit $rc: $(tail -2 <<<"$err" | tr '\n' ' ')"; fi

echo "== PGO pipeline: time limit and signals kill the training's process group"
t0=$(date +%s)
pgo "$cpu" "$work/cpu/target" --no-bolt --timeout 3s --pgo 'sleep 1237 & sleep 1238'
sleep 1
left=$(pgrep -f '^sleep 123[78]$' | wc -l)
if [ "$rc" = 2 ] && grep -q -- "--timeout" <<<"$err" && [ "$left" = 0 ]; then ok "--timeout 3s: exit 2 after $(( $(date +%s) - t0 )) s (instrumented build included), no training process left"
else bad "--timeout: exit $rc, $left training processes left: $(tail -1 <<<"$err")"; fi
for sig in TERM INT; do
  want=$([ $sig = TERM ] && echo 143 || echo 130)
  (cd "$cpu" && clean_env env CARGO_TARGET_DIR="$work/cpu/target" "$tc" build --tier tier3 --no-bolt --pgo "sleep 1239 & sleep 1240" . >/dev/null 2>&1) &
  pid=$!
  for _ in $(seq 900); do pgrep -f '^sleep 1240$' >/dev/null && break; sleep 0.1; done
  tcpid=$(pgrep -n -f "^$tc build" || echo "$pid")
  kill -$sig "$tcpid"; wait "$pid"; rc=$?
  sleep 1; left=$(pgrep -f '^sleep 12(39|40)$' | wc -l)
  if [ "$rc" = "$want" ] && [ "$left" = 0 ]; then ok "SIG$sig during training: exit $rc, training's process group gone"
  else bad "SIG$sig during training: exit $rc (want $want), $left training processes left"; pkill -f '^sleep 12(39|40)$'; fi
done

echo "== PGO pipeline: the result verifies as a pipeline result; a failed run leaves no result"
pgo "$cpu" "$work/cpu/target" --format json --pgo '"$BIN" workloads/train/fib-sort.lisp'
res="$work/cpu/target/rust-tiers-pgo"
if [ "$rc" = 0 ]; then
  ok "pipeline: $(python3 -c 'import json,sys; c=json.loads(sys.argv[1])["facts"]["pgo"]["coverage"]; print("training ran %d of %d functions of crate %s" % (c["executed"], c["functions"], c["crate"]))' "$out")"
  # No --profile, and the result sits in target/rust-tiers-pgo/: the directory name is no profile
  # (it was taken for one, a dev one, with false Cranelift and Wild errors).
  bout=$("$tc" binary --tier tier3 --pipeline "$res/minilisp" 2>&1); brc=$?
  if [ "$brc" = 0 ] && ! grep -qi "cranelift\|wild" <<<"$(grep -E '^(error|warning)' <<<"$bout")"; then ok "binary --tier tier3 --pipeline on the result: exit 0, profile $(grep -o '(profile [^)]*)' <<<"$bout" | head -1)"
  else bad "binary --pipeline on the pipeline's result: exit $brc: $(grep -E '^(error|warning)' <<<"$bout" | head -3 | tr '\n' ' ')"; fi
else bad "pipeline on examples/cpu-bound: exit $rc: $(tail -3 <<<"$err" | tr '\n' ' ')"; fi
pgo "$cpu" "$work/cpu/target" --pgo false
stale=$(cd "$res" && ls minilisp merged.profdata merged.fdata 2>/dev/null | tr '\n' ' ')
if [ "$rc" = 2 ] && [ -z "$stale" ]; then ok "a failed run removes the previous results (exit 2, nothing left that looks current)"
else bad "failed run: exit $rc, left: $stale"; fi

echo "== PGO pipeline: two runs on one target dir at once"
(cd "$cpu" && clean_env env CARGO_TARGET_DIR="$work/cpu/target" "$tc" build --tier tier3 --no-bolt --pgo '"$BIN" workloads/train/primes.lisp' . >"$work/a.out" 2>"$work/a.err") & a=$!
(cd "$cpu" && clean_env env CARGO_TARGET_DIR="$work/cpu/target" "$tc" build --tier tier3 --no-bolt --pgo '"$BIN" workloads/train/fib-sort.lisp' . >"$work/b.out" 2>"$work/b.err") & b=$!
wait $a; ra=$?; wait $b; rb=$?
if [ "$ra" = 0 ] && [ "$rb" = 0 ] && grep -q "waiting for it" "$work/a.err" "$work/b.err"; then ok "concurrent runs: both exit 0, one waited for the other's lock"
else bad "concurrent runs: exit $ra/$rb: $(tail -1 "$work/a.err") $(tail -1 "$work/b.err")"; fi

echo "== PGO pipeline: a project path with spaces, step counters on a terminal only"
spaced="$work/with space/cpu bound"
mkdir -p "$spaced" && cp -r "$cpu/." "$spaced/" && rm -rf "$spaced/target"
if command -v script >/dev/null; then
  (cd "$spaced" && clean_env script -qec "'$tc' build --tier tier3 --no-bolt --pgo '\"\$BIN\" workloads/train/primes.lisp' ." "$work/tty.log" >/dev/null 2>&1); rc=$?
  if [ "$rc" = 0 ] && grep -q '\[1/4\] instrumented build' "$work/tty.log" && grep -q '\[4/4\] PGO-optimized build' "$work/tty.log"; then ok "path with spaces: pipeline exit 0; terminal shows $(grep -o '\[[0-9]/4\][^,]*' "$work/tty.log" | tr -d '\r' | tr '\n' ';')"
  else bad "path with spaces / progress: exit $rc: $(tail -3 "$work/tty.log" | tr '\r\n' '  ')"; fi
fi
if ! grep -q '\[1/' "$work/a.err"; then ok "no step counters when stderr is not a terminal"; else bad "step counters printed to a non-terminal"; fi

echo "== bench --edit: the edited file is written back, also after SIGINT"
ed="$work/edit-cpu"; rm -rf "$ed"; mkdir -p "$ed" && cp -r "$cpu/src" "$cpu/Cargo.toml" "$cpu/Cargo.lock" "$ed/"
orig=$(sha256sum "$ed/src/main.rs")
(cd "$ed" && clean_env "$tc" bench . --config stock --rounds 20 --skip clean-debug --skip clean-release --edit-pairs 20 \
  --edit src/main.rs 'usage: minilisp SCRIPT' 'usage: minilisp FILE' >/dev/null 2>&1) & pid=$!
for _ in $(seq 600); do grep -q 'minilisp FILE' "$ed/src/main.rs" && break; sleep 0.05; done
edited=$(grep -c 'minilisp FILE' "$ed/src/main.rs")
tcpid=$(pgrep -n -f "^$tc bench" || echo "$pid")
kill -INT "$tcpid"; wait "$pid"; rc=$?
if [ "$edited" = 1 ] && [ "$rc" = 130 ] && [ "$(sha256sum "$ed/src/main.rs")" = "$orig" ]; then ok "SIGINT while the file was edited: exit 130, src/main.rs byte-identical again"
else bad "bench --edit + SIGINT: edited=$edited exit $rc, file restored: $([ "$(sha256sum "$ed/src/main.rs")" = "$orig" ] && echo yes || echo no)"; fi
(cd "$ed" && clean_env "$tc" bench . --config stock --rounds 1 --skip clean-debug --skip clean-release --incremental-runs 0 \
  --edit src/main.rs 'usage: minilisp SCRIPT' 'usage: minilisp FILE' --json "$work/edit.json" >/dev/null 2>&1); rc=$?
n=$(python3 -c 'import json,sys; print(sum(len(s["samples"]) for s in json.load(open(sys.argv[1]))["series"] if s["measure"]=="edit"))' "$work/edit.json" 2>/dev/null)
if [ "$rc" = 0 ] && [ "$n" = 2 ] && [ "$(sha256sum "$ed/src/main.rs")" = "$orig" ]; then ok "bench --edit: 2 proven edit rebuilds (there and back), file byte-identical after the run"
else bad "bench --edit: exit $rc, $n edit samples"; fi
(cd "$ed" && "$tc" bench . --config stock --edit src/main.rs 'fn ' 'fn  ' >/dev/null 2>"$work/edit.err"); rc=$?
if [ "$rc" = 2 ] && grep -q 'occurs .* times' "$work/edit.err"; then ok "bench --edit with ambiguous text: exit 2: $(head -1 "$work/edit.err" | cut -c1-90)"
else bad "ambiguous --edit: exit $rc: $(head -1 "$work/edit.err")"; fi

rm -f "$work"/*.elf "$work"/dstr "$work"/c80k "$work"/c100m
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
