#!/usr/bin/env bash
# sccache with a real Redis on 127.0.0.1 (part of the host end-to-end tests; e2e-host.sh runs it).
#  1. two clean release builds of examples/workspace from two copies of the source, each into its
#     own target/: the second must hit the cache for the dependency crates. (CARGO_TARGET_DIR is
#     not set: sccache hashes every CARGO_* variable rustc sees, so it would rule out all hits.)
#  2. Redis is killed in the middle of a cold build: the build must still succeed (sccache
#     compiles locally: SCCACHE_IGNORE_SERVER_IO_ERROR=1 as the tier sets it);
#  3. Redis restarts from its append-only file (so whatever it had written is back) and a fourth
#     build, which takes objects from that cache, must produce the same binary as the first.
# Prints one line per check and "N passed, N failed". Needs redis-server and sccache (with its
# redis feature).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${E2E_WORK:-$(mktemp -d /tmp/rust-tiers-sccache.XXXXXX)}/sccache
mkdir -p "$work"
# shellcheck source=.ci/lib.sh
. "$root/.ci/lib.sh"
passed=0 failed=0
ok() { passed=$((passed + 1)); printf 'ok    %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf 'FAIL  %s\n' "$*"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

command -v redis-server >/dev/null || { bad "redis-server is not installed (apt-get install redis-server)"; echo "$passed passed, $failed failed"; exit 1; }
port=$(free_port)
redis_dir="$work/redis"; mkdir -p "$redis_dir"
start_redis() {
  redis-server --port "$port" --bind 127.0.0.1 --dir "$redis_dir" --appendonly yes --appendfsync always \
    --save "" --daemonize yes --pidfile "$redis_dir/pid" --logfile "$redis_dir/log" --protected-mode yes
  for _ in $(seq 50); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && return 0; sleep 0.1; done
  return 1
}
stop_redis() { redis-cli -p "$port" shutdown nosave >/dev/null 2>&1; sleep 0.3; }
trap 'stop_redis; sccache --stop-server >/dev/null 2>&1' EXIT
start_redis || { bad "redis-server did not start on 127.0.0.1:$port: $(tail -3 "$redis_dir/log")"; echo "$passed passed, $failed failed"; exit 1; }
ok "redis-server on 127.0.0.1:$port (append-only, fsync always)"

export SCCACHE_REDIS_ENDPOINT="redis://127.0.0.1:$port"
export SCCACHE_SERVER_PORT=$(free_port)
export SCCACHE_DIR="$work/local-unused" SCCACHE_IDLE_TIMEOUT=0 SCCACHE_IGNORE_SERVER_IO_ERROR=1
export RUSTC_WRAPPER=sccache CARGO_INCREMENTAL=0

for c in A B C; do
  rm -rf "$work/src-$c"; mkdir -p "$work/src-$c"
  (cd "$root/examples/workspace" && git ls-files -co --exclude-standard -z 2>/dev/null | xargs -0 cp --parents -t "$work/src-$c" 2>/dev/null) \
    || cp -r "$root/examples/workspace/." "$work/src-$c/"
  rm -rf "$work/src-$c/target"
done

# build NAME SRC: a clean release build of SRC into SRC/target through sccache; prints seconds
# and keeps the binary as $work/ledger-NAME.
build() {
  local name=$1 src=$2
  rm -rf "$src/target"
  local t0; t0=$(date +%s.%N)
  (cd "$src" && env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS -u CARGO_TARGET_DIR cargo build -q --release >"$work/$name.log" 2>&1) || return 1
  cp "$src/target/release/ledger" "$work/ledger-$name"
  python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$t0" "$(date +%s.%N)"
}
stats() { sccache --show-stats --stats-format json 2>/dev/null; }
fresh_server() { sccache --stop-server >/dev/null 2>&1; sccache --start-server >/dev/null 2>&1; sccache --zero-stats >/dev/null 2>&1; }
# rust_counts JSON: "hits misses" for Rust compilations.
rust_counts() {
  python3 -c '
import json, sys
s = json.loads(sys.argv[1])["stats"]
def get(k):
    v = s.get(k, {})
    return v.get("counts", {}).get("Rust", 0) if isinstance(v, dict) else 0
print(get("cache_hits"), get("cache_misses"))' "$1"
}

echo "== two clean builds from two copies, one Redis cache"
fresh_server
cold=$(build A "$work/src-A") || { bad "cold build failed: $(tail -3 "$work/A.log")"; echo "$passed passed, $failed failed"; exit 1; }
read -r hits_a miss_a < <(rust_counts "$(stats)")
fresh_server
warm=$(build B "$work/src-B") || { bad "warm build failed: $(tail -3 "$work/B.log")"; echo "$passed passed, $failed failed"; exit 1; }
read -r hits_b miss_b < <(rust_counts "$(stats)")
requests=$((hits_b + miss_b))
rate=$(python3 -c "print(f'{100 * $hits_b / max($requests, 1):.0f}')")
echo "cold build (copy A): ${cold}s, ${hits_a} hits / ${miss_a} misses"
echo "warm build (copy B): ${warm}s, ${hits_b} hits / ${miss_b} misses: hit rate ${rate}% ($(python3 -c "print(f'{$warm / $cold:.2f}')")x the cold time)"
# The dependency crates must hit. Misses are expected for the workspace's own crates (other paths
# in copy B) and for crates whose build script gives them an OUT_DIR inside the target dir.
if [ "$hits_b" -ge 5 ] && [ "$miss_a" -ge "$hits_b" ]; then ok "second copy hits the shared cache: $hits_b hits, $miss_b misses (${rate}%), cold ${cold}s, warm ${warm}s"
else bad "second copy: $hits_b hits, $miss_b misses (first: $hits_a hits, $miss_a misses)"; fi

echo "== Redis killed in the middle of a cold build"
export SCCACHE_REDIS_KEY_PREFIX=fault-run   # a cold key space, so the build writes while Redis dies
fresh_server
(build C "$work/src-A" >"$work/C.time") &
bpid=$!
sleep 6
kill -9 "$(cat "$redis_dir/pid")" 2>/dev/null && ok "redis-server killed (SIGKILL) 6 s into the build"
if wait "$bpid"; then ok "the build finished without its cache in $(cat "$work/C.time")s (sccache compiled locally)"
else bad "the build failed when Redis died: $(tail -5 "$work/C.log" | tr '\n' ' ')"; fi
if cmp -s "$work/ledger-A" "$work/ledger-C"; then ok "its binary is identical to the first build's"
else bad "the binary built during the outage differs from the first build's"; fi

echo "== Redis back from its append-only file; a later build takes what it had written"
start_redis || bad "redis-server did not restart"
keys=$(redis-cli -p "$port" --scan --pattern 'fault-run*' 2>/dev/null | wc -l)
fresh_server
if build D "$work/src-A" >"$work/D.time"; then
  read -r hits_d miss_d < <(rust_counts "$(stats)")
  ok "build after restart: $(cat "$work/D.time")s, $hits_d hits from the $keys entries written before the kill, $miss_d misses"
else bad "build after restart failed: $(tail -3 "$work/D.log")"; fi
if cmp -s "$work/ledger-A" "$work/ledger-D"; then ok "no poisoned entry: the binary equals the first build's byte for byte"
else bad "the build from the restarted cache differs from the first build's"; fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
