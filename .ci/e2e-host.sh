#!/usr/bin/env bash
# The slow end-to-end tests on the host (no Nix): real builds of the examples with every linker
# this machine can have, split/strip/PGO/BOLT variants, tier mismatches, tiercheck build per tier,
# bad input, and a bounded fuzz run. Prints one line per check and "N passed, N failed".
#
# Needs: rustup stable + nightly, mold, clang-22, lld-22, llvm-22, bolt-22, wild (cargo install
# wild-linker), cargo-fuzz; .ci/install.sh installs them.
#   FUZZ_SECONDS=60   how long the fuzz target runs (0 skips it)
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${E2E_WORK:-$(mktemp -d /tmp/rust-tiers-e2e.XXXXXX)}
mkdir -p "$work"
fuzz_seconds=${FUZZ_SECONDS:-60}
passed=0 failed=0
triple=x86_64-unknown-linux-gnu
TARGET_FLAGS=CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS

# shellcheck source=.ci/lib.sh
. "$root/.ci/lib.sh"

tc="$root/checker/target/release/tiercheck"
(cd "$root/checker" && cargo build --release -q) || { echo "cannot build tiercheck"; exit 1; }

ok() { passed=$((passed + 1)); printf 'ok    %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf 'FAIL  %s\n' "$*"; }

# Builds examples/$1 into $work/$2 with the given env (KEY=VALUE ...); prints the binary path.
build() {
  local example=$1 name=$2 profile=$3; shift 3
  local dir="$work/$name"
  (cd "$root/examples/$example" && clean_env env CARGO_TARGET_DIR="$dir" "$@" cargo build -q --profile "$profile") >"$work/$name.log" 2>&1 \
    || { echo "build $name failed:" >&2; tail -5 "$work/$name.log" >&2; return 1; }
  local pdir=$profile; [ "$profile" = dev ] && pdir=debug
  local bin=minilisp; [ "$example" = workspace ] && bin=ledger
  echo "$dir/$pdir/$bin"
}

# expect NAME FILE [tiercheck binary args...] -- FIELD=VALUE...: fields of the file's JSON facts.
expect() {
  local name=$1 file=$2; shift 2
  local args=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
  shift
  local json
  json=$("$tc" binary --format json "${args[@]}" "$file" 2>"$work/err")
  local why
  if why=$(python3 "$root/.ci/json_expect.py" "$json" "$@"); then
    ok "$name: $(python3 "$root/.ci/json_expect.py" --summary "$json")"
  else
    bad "$name: $why"
  fi
}

echo "== linkers (examples/cpu-bound, dev profile)"
b=$(build cpu-bound stock dev) && expect "stock rust-lld" "$b" -- elf.linker=rust-lld split_debuginfo=unpacked
b=$(build cpu-bound gnu-ld dev $TARGET_FLAGS="-C linker-features=-lld") && expect "GNU ld (-C linker-features=-lld)" "$b" -- elf.linker=none-recorded
b=$(build cpu-bound mold dev $TARGET_FLAGS="-C link-arg=-fuse-ld=mold") && expect "mold (-fuse-ld=mold)" "$b" -- elf.linker=mold
mold_bin=$b
b=$(build cpu-bound lld22 dev CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER=clang-22 $TARGET_FLAGS="-C link-arg=--ld-path=$(command -v ld.lld-22)") && expect "lld-22 via clang-22" "$b" -- elf.linker=lld
wild_path=$(command -v wild)
b=$(build cpu-bound wild dev CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER=clang-22 $TARGET_FLAGS="-C link-arg=--ld-path=$wild_path") && expect "wild via clang-22" "$b" -- elf.linker=wild
wild_bin=$b

echo "== debuginfo and strip"
b=$(build cpu-bound split-unpacked dev CARGO_PROFILE_DEV_SPLIT_DEBUGINFO=unpacked) && expect "split-debuginfo unpacked" "$b" -- split_debuginfo=unpacked elf.stripped=none
b=$(build cpu-bound split-packed dev CARGO_PROFILE_DEV_SPLIT_DEBUGINFO=packed) && expect "split-debuginfo packed" "$b" -- split_debuginfo=packed
b=$(build cpu-bound split-off dev CARGO_PROFILE_DEV_SPLIT_DEBUGINFO=off) && expect "split-debuginfo off" "$b" -- split_debuginfo=off elf.stripped=none
b=$(build cpu-bound strip-none release CARGO_PROFILE_RELEASE_STRIP=none CARGO_PROFILE_RELEASE_DEBUG=true) && expect "release strip=none debug=true" "$b" -- elf.stripped=none
b=$(build cpu-bound strip-debuginfo release CARGO_PROFILE_RELEASE_STRIP=debuginfo) && expect "release strip=debuginfo (rust-lld)" "$b" -- elf.stripped=debuginfo
b=$(build cpu-bound strip-symbols release CARGO_PROFILE_RELEASE_STRIP=symbols) && expect "release strip=symbols" "$b" -- elf.stripped=symbols
plain_release=$b

echo "== PGO and BOLT"
b=$(build cpu-bound pgo-instr release $TARGET_FLAGS="-C profile-generate=$work/pgo-data") && expect "PGO-instrumented (-C profile-generate)" "$b" -- elf.pgo_instrumented=true
pgo_instr=$b
b=$(build cpu-bound bolt-ready release $TARGET_FLAGS="-C link-arg=-Wl,-q") && expect "linked with -Wl,-q (BOLT-ready)" "$b" -- elf.bolt_ready=true
if [ -n "$b" ]; then
  if llvm-bolt-22 "$b" -o "$work/minilisp.bolt-instr" -instrument >"$work/bolt-instr.log" 2>&1; then
    expect "BOLT-instrumented" "$work/minilisp.bolt-instr" -- elf.bolt.instrumented=true
  else bad "llvm-bolt -instrument failed: $(tail -1 "$work/bolt-instr.log")"; fi
  if llvm-bolt-22 "$b" -o "$work/minilisp.bolt" -reorder-blocks=ext-tsp -reorder-functions=cdsort -split-functions >"$work/bolt.log" 2>&1; then
    expect "BOLT-optimized" "$work/minilisp.bolt" -- elf.bolt.instrumented=false elf.pgo_instrumented=false
  else bad "llvm-bolt failed: $(tail -1 "$work/bolt.log")"; fi
fi

echo "== mismatches: a binary checked against a tier it was not built with"
expect_exit() { # NAME CODE RULE CMD...
  local name=$1 code=$2 rule=$3; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" = "$code" ] && { [ -z "$rule" ] || grep -q -- "$rule" <<<"$out"; }; then ok "$name (exit $rc${rule:+, $rule})"
  else bad "$name: exit $rc (want $code), output: $(head -3 <<<"$out" | tr '\n' ' ')"; fi
}
expect_exit "mold binary vs tier3 (wild)" 1 "tier3 (wild): linked by mold" "$tc" binary --tier tier3 --profile dev "$mold_bin"
expect_exit "wild binary vs tier1 (rust-lld on x86_64 Linux)" 1 "linked by wild" "$tc" binary --tier tier1 --profile dev "$wild_bin"
expect_exit "stock binary vs tier2 (nightly)" 1 "tier-mismatch" "$tc" binary --tier tier2 --profile dev "$work/stock/debug/minilisp"
expect_exit "dev binary vs tier3 (cranelift)" 1 "tier3 (cranelift): compiled by LLVM" "$tc" binary --tier tier3 --profile dev "$mold_bin"
expect_exit "PGO-instrumented vs tier3 release" 1 "PGO-instrumented, not PGO-optimized" "$tc" binary --tier tier3 --profile release "$pgo_instr"
expect_exit "plain release vs tier3 pipeline (no BOLT)" 1 "BOLT did not process" "$tc" binary --tier tier3 --profile release --pipeline "$plain_release"
expect_exit "split off vs tier1 dev" 1 "split debuginfo is off" "$tc" binary --tier tier1 --profile dev "$work/split-off/debug/minilisp"

echo "== tiercheck build per tier (the main job)"
for ex in workspace cpu-bound; do
  for tier in tier1 tier2; do
    for prof in dev release; do
      out=$(cd "$root/examples/$ex" && clean_env env CARGO_TARGET_DIR="$work/build-$ex-$tier" "$tc" build --tier "$tier" --profile "$prof" --format json 2>"$work/build.log")
      rc=$?
      summary=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); s=r["summary"]; b=r["facts"]["binaries"]; print(s["errors"], s["warnings"], len(b), ",".join(x["elf"]["linker"] for x in b))' "$out" 2>/dev/null)
      read -r errs warns nbins linkers <<<"$summary"
      if [ "$rc" = 0 ] && [ "$errs" = 0 ] && [ "$warns" = 0 ] && [ "${nbins:-0}" -ge 1 ] && [ "$linkers" = rust-lld ]; then
        ok "tiercheck build --tier $tier --profile $prof examples/$ex: clean, $nbins binary, linker $linkers"
      else
        bad "tiercheck build --tier $tier --profile $prof examples/$ex: exit $rc, errors ${errs:-?} warnings ${warns:-?} linkers ${linkers:-?}; $(tail -3 "$work/build.log" | tr '\n' ' ')"
      fi
    done
  done
done

echo "== rustc asked each question once per build (strace, a one-crate project; about 3 s)"
# host_env probes the tier's rustc; the project and binary checks reuse what it found. With
# the kept answers off (TIERCHECK_NO_CACHE): the questions are asked, not read back.
(cd "$work" && rm -rf probe-once && cargo new -q --vcs none probe-once)
if (cd "$work/probe-once" && clean_env env TIERCHECK_NO_CACHE=1 strace -f -s 300 -e trace=execve,clone,clone3,vfork -o "$work/probe.strace" "$tc" build --tier tier1 >/dev/null 2>&1) \
   && counts=$(python3 "$root/.ci/probe_count.py" "$work/probe.strace" --max 1); then
  ok "tiercheck build: $(tr '\n' ';' <<<"$counts")"
else
  bad "tiercheck build asked rustc more than once: ${counts:-strace or the build failed}"
fi

echo "== PGO + BOLT pipeline on the host (tier3 release: no Cranelift needed)"
ex="$root/examples/cpu-bound"
out=$(cd "$ex" && clean_env env CARGO_TARGET_DIR="$work/pgo" "$tc" build --tier tier3 --format json \
  --pgo '"$BIN" workloads/train/fib-sort.lisp' --pgo '"$BIN" workloads/train/primes.lisp' . 2>"$work/pgo.log")
rc=$?
if [ "$rc" = 0 ]; then
  final=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["facts"]["pgo"]["binary"])' "$out")
  ok "tiercheck build --tier tier3 --pgo: $(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["summary"], ", ".join(s["step"] + " " + str(s["seconds"]) + "s" for s in r["facts"]["pgo"]["steps"]))' "$out")"
  expect "PGO+BOLT result verified against tier3 --pipeline" "$final" --tier tier3 --profile release --pipeline -- elf.pgo_instrumented=false elf.bolt.instrumented=false elf.linker=rust-lld
  plain=$(build cpu-bound plain-release release)
  if cmp -s <("$plain" "$ex/workloads/heldout/mix.lisp") <("$final" "$ex/workloads/heldout/mix.lisp"); then
    ok "PGO+BOLT binary: output identical to the plain release binary on the held-out workload"
  else bad "PGO+BOLT binary output differs from the plain release on the held-out workload"; fi
  # The merged profile can be passed back in to skip training.
  if (cd "$ex" && clean_env env CARGO_TARGET_DIR="$work/pgo2" "$tc" build --tier tier3 --no-bolt --profdata "$work/pgo/rust-tiers-pgo/merged.profdata" . >"$work/pgo2.log" 2>&1); then
    ok "reusing merged.profdata skips the instrumented build and training"
  else bad "--profdata reuse failed: $(tail -2 "$work/pgo2.log" | tr '\n' ' ')"; fi
else
  bad "tiercheck build --tier tier3 --pgo: exit $rc: $(tail -5 "$work/pgo.log" | tr '\n' ' ')"
fi
# llvm-profdata of another LLVM major must be refused, not silently produce a bad profile.
mkdir -p "$work/fake-llvm"; printf '#!/bin/sh\necho "LLVM (http://llvm.org/):"\necho "  LLVM version 14.0.6"\n' >"$work/fake-llvm/llvm-profdata"; chmod +x "$work/fake-llvm/llvm-profdata"
if msg=$(LLVM_PROFDATA="$work/fake-llvm/llvm-profdata" RUSTC=rustc PROFILE_DIR="$work/pgo" OUT="$work/x.profdata" bash "$root/nix/scripts/pgo-merge.sh" 2>&1); then
  bad "pgo-merge.sh accepted an LLVM 14 llvm-profdata"
else ok "pgo-merge.sh refuses a mismatched llvm-profdata: $msg"; fi

echo "== bad input: one line, exit 2, no panic, no hang"
bad_input() { # NAME FILE EXPECTED-TEXT
  local out rc
  out=$(timeout 60 "$tc" binary "$2" 2>&1 >/dev/null); rc=$?
  if [ "$rc" = 2 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -q -- "$3" <<<"$out" && ! grep -q panicked <<<"$out"; then ok "$1: $out"
  else bad "$1: exit $rc: $out"; fi
}
: >"$work/empty"; bad_input "empty file" "$work/empty" "empty file"
echo "hello, not an ELF" >"$work/text"; bad_input "text file" "$work/text" "not an ELF file"
bad_input "directory" "$work" "is a directory"
ln -sf loop-b "$work/loop-a"; ln -sf loop-a "$work/loop-b"; bad_input "symlink loop" "$work/loop-a" "symbolic links"
mkfifo "$work/fifo" 2>/dev/null; bad_input "FIFO (would block a naive reader)" "$work/fifo" "not a regular file"
bad_input "missing file" "$work/nope" "no such file"
truncate -s 1G "$work/sparse"; bad_input "1 GiB sparse file of zeros" "$work/sparse" "not an ELF file"
cp "$plain_release" "$work/unreadable"; chmod 000 "$work/unreadable"
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
  out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$tc" binary "$work/unreadable" 2>&1 >/dev/null); rc=$?
  if [ "$rc" = 2 ] && grep -q "Permission denied" <<<"$out"; then ok "unreadable file: $out"; else bad "unreadable file: exit $rc: $out"; fi
fi
size=$(stat -c %s "$plain_release")
shoff=$(python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(64); print(struct.unpack_from("<Q", d, 0x28)[0])' "$plain_release")
for cut in 4 16 52 64 200 4096 $((size / 2)) $((shoff + 10)) $((size - 1)); do
  head -c "$cut" "$plain_release" >"$work/cut-$cut"
  bad_input "ELF truncated at $cut of $size bytes" "$work/cut-$cut" "truncated or malformed ELF"
done
# A real ELF followed by 1 GiB of holes: only the parts inspected are read, so it stays quick.
cp "$plain_release" "$work/big"; truncate -s 1G "$work/big"
start=$(date +%s%N); out=$(timeout 60 "$tc" binary --format json "$work/big" 2>&1); rc=$?; ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$rc" = 0 ]; then ok "1 GiB file with an ELF at its start: read on demand in ${ms} ms"; else bad "1 GiB ELF: exit $rc"; fi

echo "== foreign and 32-bit ELF (made here with clang-22 + lld-22)"
printf 'void _start(void) { for (;;) {} }\n' >"$work/tiny.c"
for t in aarch64-linux-gnu i686-linux-gnu; do
  if clang-22 --target=$t -nostdlib -static -fuse-ld=lld -o "$work/tiny-$t" "$work/tiny.c" 2>/dev/null; then
    want_class=ELF64; [ $t = i686-linux-gnu ] && want_class=ELF32
    expect "static $t executable" "$work/tiny-$t" -- elf.class=$want_class elf.linker=lld elf.linkage=static
  else bad "clang-22 --target=$t failed"; fi
done

echo "== tiercheck bench (smoke: one round; run from another directory, as issue 10 found it)"
# From /tmp with DIR given: every clean build must be proven clean from cargo's messages (the old
# bench emptied a target dir under the CWD while cargo built elsewhere, and timed no-ops).
if (cd /tmp && clean_env "$tc" bench "$root/examples/cpu-bound" --config stock --config tier1 --config check --rounds 1 -q \
      --skip clean-release --work "$work/bench" --markdown "$work/bench.md" --svg "$work/bench.svg" --json "$work/bench.json" 2>"$work/bench.log") \
   && grep -q '| `tier1`' "$work/bench.md" \
   && python3 -c '
import json, sys, xml.dom.minidom as m
m.parse(sys.argv[1])
d = json.load(open(sys.argv[2]))
assert {x["measure"] for x in d["series"]} == {"clean-debug", "incremental"}, d["series"]
assert {c["name"] for c in d["configs"]} == {"stock", "tier1", "check"}
assert all(x["median"] > 0 for x in d["series"])
assert d["machine"]["cpus"] >= 1 and d["comparisons"]' "$work/bench.svg" "$work/bench.json"; then
  ok "bench: Markdown, SVG and JSON for stock, tier1 and the cargo check floor, every sample proven"
else bad "bench smoke: $(tail -3 "$work/bench.log" | tr '\n' ' ')"; fi
# Refusals: exit 2, nothing on stdout, no output file.
bench_refuses() { # NAME WANT-IN-STDERR ARGS...
  local name=$1 want=$2; shift 2
  rm -f "$work/refused.md" "$work/refused.json"
  local out rc
  out=$(cd "$root/examples/cpu-bound" && clean_env "$tc" bench . --config stock --work "$work/bench-refused" \
        --markdown "$work/refused.md" --json "$work/refused.json" "$@" 2>"$work/refused.err"); rc=$?
  if [ "$rc" = 2 ] && [ -z "$out" ] && [ ! -e "$work/refused.md" ] && [ ! -e "$work/refused.json" ] && grep -q -- "$want" "$work/refused.err"; then
    ok "bench refuses $name (exit 2, no output)"
  else bad "bench $name: exit $rc, stdout ${#out} bytes, stderr: $(head -2 "$work/refused.err" | tr '\n' ' ')"; fi
}
bench_refuses "--rounds 0" "measures nothing" --rounds 0
bench_refuses "a --run that never names the binary" "never names the binary" --rounds 1 --run true
bench_refuses "a --touch outside any package" "no Cargo.toml with" --rounds 1 --touch /etc/hostname

echo "== team compile cache: sccache with a real Redis"
if out=$(E2E_WORK="$work" bash "$root/.ci/e2e-sccache-redis.sh" 2>&1); then
  ok "sccache + Redis: $(grep -c '^ok' <<<"$out") checks; $(grep -E '^(cold|warm) build' <<<"$out" | tr '\n' ';')"
else bad "sccache + Redis: $(grep -E '^FAIL' <<<"$out" | tr '\n' ' ')"; fi
grep -E '^(ok|FAIL)' <<<"$out" | sed 's/^/      /'

echo "== hardening: hostile files, PGO proof, run isolation, time limits, signals (.ci/e2e-harden.sh)"
if out=$(E2E_WORK="$work" bash "$root/.ci/e2e-harden.sh" 2>&1); then ok "hardening: $(grep -c '^ok' <<<"$out") checks"
else bad "hardening: $(grep -E '^FAIL' <<<"$out" | tr '\n' ' ')"; fi

echo "== SIGKILL at random points: init --yes and bench --edit (.ci/e2e-crash.sh)"
if out=$(E2E_WORK="$work" bash "$root/.ci/e2e-crash.sh" 2>&1); then ok "crash: $(grep -E 'kills within' <<<"$out" | tr -s ' ' | tr '\n' ';')"
else bad "crash: $(grep -E '^FAIL|^  run' <<<"$out" | head -5 | tr '\n' ' ')"; fi

echo "== hardening: inputs too deep, looping or too large (.ci/e2e-harden-bounds.sh)"
if out=$(E2E_WORK="$work" bash "$root/.ci/e2e-harden-bounds.sh" 2>&1); then ok "bounds: $(tail -1 <<<"$out")"
else bad "bounds: $(grep -E '^FAIL' <<<"$out" | tr '\n' ' ')"; fi
grep -E '^(ok|FAIL)' <<<"$out" | sed 's/^/      /'

echo "== tiercheck tune: a small budget on examples/cpu-bound, SIGKILL during its edit, the decision rule (.ci/e2e-tune.sh)"
if out=$(E2E_WORK="$work" TIERCHECK="$tc" bash "$root/.ci/e2e-tune.sh" 2>&1); then ok "tune: $(tail -1 <<<"$out")"
else bad "tune: $(grep -E '^FAIL' <<<"$out" | head -5 | tr '\n' ' ')"; fi
grep -E '^(ok|FAIL)' <<<"$out" | sed 's/^/      /'

echo "== every template under every tier it offers"
if out=$(E2E_WORK="$work/templates" bash "$root/.ci/e2e-templates.sh" 2>&1); then ok "templates x tiers: $(tail -1 <<<"$out")"
else bad "templates x tiers: $(grep -E '^FAIL' <<<"$out" | tr '\n' ' ')"; fi
grep -E '^(ok|FAIL)' <<<"$out" | sed 's/^/      /'

echo "== distributed compilation: sccache-dist, a scheduler and two build servers on 127.0.0.1"
if out=$(E2E_WORK="$work" bash "$root/.ci/e2e-sccache-dist.sh" 2>&1); then
  ok "sccache-dist: $(grep -c '^ok' <<<"$out") checks; $(grep -E '^jobs distributed' <<<"$out")"
else bad "sccache-dist: $(grep -E '^FAIL' <<<"$out" | tr '\n' ' ')"; fi
grep -E '^(ok|FAIL|jobs distributed|fault cases|refusal|identical output)' <<<"$out" | sed 's/^/      /'

echo "== tiercheck env: every tier's printed env builds the examples; quoting in bash and fish"
if out=$(E2E_WORK="$work/env" TIERCHECK="$tc" bash "$root/.ci/e2e-env.sh" 2>&1); then
  ok "env e2e: $(tail -1 <<<"$out")"
else bad "env e2e: $(grep -E '^FAIL' <<<"$out" | head -5 | tr '\n' ' ')"; fi
grep -E '^(ok|FAIL)' <<<"$out" | sed 's/^/      /'

echo "== the static musl build release.yml ships (.ci/e2e-musl.sh, about 70 s)"
if out=$(E2E_WORK="$work/musl" TIERCHECK="$tc" bash "$root/.ci/e2e-musl.sh" 2>&1); then ok "musl: $(grep -E '^ok +(built|static)' <<<"$out" | sed 's/^ok *//' | tr '\n' ';')"
else bad "musl: $(grep -E '^FAIL|error' <<<"$out" | head -3 | tr '\n' ' ')${out:+ }$(tail -2 <<<"$out" | tr '\n' ' ')"; fi

echo "== fuzzing: the ELF inspector, and project loading + rules on generated TOML/cfg/rustflags (${fuzz_seconds}s each)"
if [ "$fuzz_seconds" -gt 0 ]; then
  for target in inspect_elf project_config; do
    # New inputs go to a scratch corpus; the checked-in seeds (if any) are only read.
    mkdir -p "$work/corpus-$target"
    seeds=(); [ -d "$root/checker/fuzz/corpus/$target" ] && seeds=("fuzz/corpus/$target")
    if (cd "$root/checker" && cargo +nightly fuzz run "$target" --fuzz-dir fuzz "$work/corpus-$target" "${seeds[@]}" -- -max_total_time="$fuzz_seconds" -rss_limit_mb=4096 -timeout=20) >"$work/fuzz-$target.log" 2>&1; then
      ok "cargo fuzz $target: $(grep -E '^#[0-9]+.*(DONE|pulse)' "$work/fuzz-$target.log" | tail -1 | cut -c1-90)"
    else
      why=$(grep -m3 -E 'panicked|ERROR|^error' "$work/fuzz-$target.log" | tr '\n' ' ')
      bad "cargo fuzz $target failed: ${why:-$(tail -3 "$work/fuzz-$target.log" | tr '\n' ' ')}"
    fi
  done
fi

# A run without the Cranelift nightly ran tier3/tier4 dev without their backend: say so last.
cranelift_status >/dev/null || cranelift_status
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
