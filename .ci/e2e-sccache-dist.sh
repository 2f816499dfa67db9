#!/usr/bin/env bash
# sccache-dist on 127.0.0.1 (part of the host end-to-end tests; e2e-host.sh runs it): a scheduler
# (token client auth, JWT HS256 server auth), two build servers (overlay + bubblewrap builder,
# root) and sccache clients, all started here, bound to loopback and killed on exit.
#  1. reference: a clean release build of examples/workspace under tier1 without any wrapper;
#  2. the same build under `tiercheck env tier1 --with sccache-dist`: sccache's own stats must
#     show compile jobs run on the build servers, and the binary must equal the reference;
#  3. a build server killed (SIGKILL) while the build runs: the build succeeds, binary identical;
#  4. the scheduler down: the build succeeds locally, binary identical, and
#     `tiercheck toolchain --with sccache-dist` reports the unreachable scheduler;
#  5. a client with a wrong token: the scheduler refuses it (401) and `tiercheck toolchain` says
#     so before any build; what its build does is reported as measured; the scheduler's log
#     never holds the real token;
#  6. a running sccache server and a config naming another scheduler: `tiercheck toolchain`
#     reports the server's old one (sccache-server-stale).
# Prints one line per check, a summary, and "N passed, N failed". Needs root, bubblewrap, and
# sccache built with the dist-client and dist-server features (sccache, sccache-dist on PATH).
#   DIST_BUILD_TIMEOUT=900   seconds one build may take
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${E2E_WORK:-$(mktemp -d /tmp/rust-tiers-dist.XXXXXX)}/sccache-dist
rm -rf "$work"; mkdir -p "$work"
# shellcheck source=.ci/lib.sh
. "$root/.ci/lib.sh"
passed=0 failed=0
ok() { passed=$((passed + 1)); printf 'ok    %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf 'FAIL  %s\n' "$*"; }
finish() { echo "$passed passed, $failed failed"; [ "$failed" = 0 ]; exit $?; }
build_timeout=${DIST_BUILD_TIMEOUT:-900}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

for cmd in sccache sccache-dist bwrap python3 cargo; do
  command -v "$cmd" >/dev/null || { bad "$cmd is not installed (.ci/install.sh installs it)"; finish; }
done
[ "$(id -u)" = 0 ] || { bad "the overlay builder of sccache-dist needs root"; finish; }
tc="$root/checker/target/release/tiercheck"
[ -x "$tc" ] || (cd "$root/checker" && cargo build --release -q) || { bad "cannot build tiercheck"; finish; }

# Every process this script starts gets its own process group (setsid), so the group dies with it.
pids=()
spawned=""
spawn() { # spawn LOG CMD...: start CMD in the background in a new session; its pid -> $spawned
  local log=$1; shift
  setsid "$@" >"$log" 2>&1 </dev/null &
  spawned=$!
  pids+=("$spawned")
}
stop() { kill -9 -- "-$1" 2>/dev/null; kill -9 "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
cleanup() {
  local p
  for p in "${pids[@]}"; do stop "$p"; done
  # the overlay builder's mounts live in its own mount namespace and went with it
  rm -rf "$work/s1/build" "$work/s2/build" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sched_port=$(free_port) s1_port=$(free_port) s2_port=$(free_port)
random_hex() { python3 -c 'import secrets; print(secrets.token_hex(24))'; }
client_token=$(random_hex)
jwt_key=$(sccache-dist auth generate-jwt-hs256-key) || { bad "sccache-dist auth generate-jwt-hs256-key failed"; finish; }
cat >"$work/scheduler.toml" <<EOF
public_addr = "127.0.0.1:$sched_port"
[client_auth]
type = "token"
token = "$client_token"
[server_auth]
type = "jwt_hs256"
secret_key = "$jwt_key"
EOF
server_config() { # server_config NAME PORT
  local dir="$work/$1" token
  mkdir -p "$dir/toolchains" "$dir/build"
  token=$(sccache-dist auth generate-jwt-hs256-server-token --secret-key "$jwt_key" --server "127.0.0.1:$2") || return 1
  cat >"$dir/server.toml" <<EOF
cache_dir = "$dir/toolchains"
public_addr = "127.0.0.1:$2"
scheduler_url = "http://127.0.0.1:$sched_port"
[builder]
type = "overlay"
build_dir = "$dir/build"
bwrap_path = "$(command -v bwrap)"
[scheduler_auth]
type = "jwt_token"
token = "$token"
EOF
}
server_config s1 "$s1_port" && server_config s2 "$s2_port" || { bad "cannot make a build server token"; finish; }
chmod 600 "$work"/*.toml "$work"/s?/server.toml

# scheduler_status: the scheduler's JSON status, or nothing (bounded: 2 s).
scheduler_status() {
  python3 - "$sched_port" <<'EOF' 2>/dev/null
import sys, urllib.request
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/api/v1/scheduler/status", headers={"Accept": "application/json"})
print(urllib.request.urlopen(req, timeout=2).read().decode())
EOF
}
num_servers() { scheduler_status | python3 -c 'import json,sys; print(json.load(sys.stdin)["num_servers"])' 2>/dev/null || echo 0; }
start_scheduler() {
  # sccache-dist logs each refused client token with the real one ("User token X != expected
  # token <real>", module sccache_dist::token_check, warn): that module is held to errors, as
  # docs/team-scale.md tells users to do. "Bearer auth failed" (no token in it) stays.
  spawn "$work/scheduler.log" env SCCACHE_NO_DAEMON=1 SCCACHE_LOG=info,sccache_dist::token_check=error sccache-dist scheduler --config "$work/scheduler.toml"
  sched_pid=$spawned
  for _ in $(seq 50); do scheduler_status >/dev/null && return 0; sleep 0.2; done
  return 1
}
start_scheduler || { bad "the scheduler did not answer on 127.0.0.1:$sched_port: $(tail -3 "$work/scheduler.log")"; finish; }
spawn "$work/s1.log" env SCCACHE_NO_DAEMON=1 SCCACHE_LOG=info sccache-dist server --config "$work/s1/server.toml"
spawn "$work/s2.log" env SCCACHE_NO_DAEMON=1 SCCACHE_LOG=info sccache-dist server --config "$work/s2/server.toml"
s2_pid=$spawned
for _ in $(seq 100); do [ "$(num_servers)" = 2 ] && break; sleep 0.2; done
if [ "$(num_servers)" = 2 ]; then ok "scheduler 127.0.0.1:$sched_port with 2 build servers (127.0.0.1:$s1_port, :$s2_port), token + JWT auth"
else bad "build servers did not register: $(scheduler_status) $(tail -2 "$work/s1.log")"; finish; fi

# Client configs: what a developer keeps in ~/.config/sccache/config (here via SCCACHE_CONF).
client_config() { # client_config FILE TOKEN
  cat >"$1" <<EOF
[dist]
scheduler_url = "http://127.0.0.1:$sched_port"
toolchain_cache_size = 2147483648
cache_dir = "$work/client-toolchains"
[dist.auth]
type = "token"
token = "$2"
EOF
  chmod 600 "$1"
}
client_config "$work/client.toml" "$client_token"
client_config "$work/client-wrong.toml" "wrong-$client_token"

# tiercheck_dist CONFIG: `tiercheck toolchain --tier tier1 --with sccache-dist` as JSON.
tiercheck_dist() { (cd "$root" && clean_env env SCCACHE_CONF="$1" "$tc" toolchain --tier tier1 --with sccache-dist --format json 2>/dev/null); }
# dist_findings JSON: "rule: message" per sccache-dist finding.
dist_findings() { python3 -c 'import json,sys; [print(f["rule"]+": "+f["message"]) for f in json.loads(sys.argv[1])["findings"] if f["rule"].startswith("sccache-dist")]' "$1" 2>/dev/null; }
tc_json=$(tiercheck_dist "$work/client.toml")
tc_facts=$(python3 - "$tc_json" <<'PY' 2>&1
import json, sys
d = json.loads(sys.argv[1])["facts"]["sccache_dist"]
s, t = d["scheduler"], d["toolchain"]
print(f"scheduler reachable={s['reachable']} servers={s.get('num_servers')} token={s['token']}; "
      f"toolchain packageable={t['packageable']} ({t['bytes'] >> 20} MiB uncompressed); dist-client={d['sccache_dist_client']}")
PY
)
if [ -z "$(dist_findings "$tc_json")" ] && grep -q 'token=accepted' <<<"$tc_facts"; then ok "tiercheck toolchain --with sccache-dist: no findings; $tc_facts"
else bad "tiercheck on the working setup: $(dist_findings "$tc_json") $tc_facts"; fi

src="$work/src"
mkdir -p "$src"
(cd "$root/examples/workspace" && git ls-files -co --exclude-standard -z 2>/dev/null | xargs -0 cp --parents -t "$src" 2>/dev/null) \
  || cp -r "$root/examples/workspace/." "$src/"
rm -rf "$src/target"
"$tc" env tier1 --profile release --format sh >"$work/plain.env" || { bad "tiercheck env tier1 failed"; finish; }
"$tc" env tier1 --with sccache-dist --profile release --format sh >"$work/dist.env" || { bad "tiercheck env tier1 --with sccache-dist failed"; finish; }
grep -q RUSTC_WRAPPER "$work/dist.env" && ! grep -q RUSTC_WRAPPER "$work/plain.env" \
  || { bad "the tier env does not switch the wrapper on and off: $(cat "$work/dist.env")"; finish; }

# sccache_server NAME CONFIG: a fresh local sccache server (own port, empty local cache, so every
# cacheable crate is a miss and a candidate for distribution). Sets sc_port.
sccache_server() {
  sc_port=$(free_port)
  [ -n "${sc_pid:-}" ] && stop "$sc_pid"
  spawn "$work/sccache-$1.log" env SCCACHE_CONF="$2" SCCACHE_SERVER_PORT="$sc_port" SCCACHE_DIR="$work/cache-$1" \
    SCCACHE_IDLE_TIMEOUT=0 SCCACHE_START_SERVER=1 SCCACHE_NO_DAEMON=1 SCCACHE_LOG=info sccache
  sc_pid=$spawned
  for _ in $(seq 50); do SCCACHE_SERVER_PORT=$sc_port sccache --show-stats >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}
stats() { SCCACHE_SERVER_PORT=$sc_port sccache --show-stats --stats-format json 2>/dev/null; }
# counts: "distributed dist_errors compilations not_cacheable servers" from sccache's stats:
# `compilations` is every compile sccache ran (on a server or locally), `requests_not_cacheable`
# the rustc calls it passed straight to the local rustc (bin, proc-macro, build scripts).
counts() {
  stats | python3 -c '
import json, sys
s = json.load(sys.stdin)["stats"]
dist = s.get("dist_compiles") or {}
print(sum(dist.values()), s.get("dist_errors", 0), s.get("compilations", 0), s.get("requests_not_cacheable", 0), len(dist))'
}
# build NAME ENVFILE [CONFIG]: a clean release build of $src under ENVFILE, through the local
# sccache server of CONFIG when given; keeps the binary as $work/ledger-NAME, prints seconds.
build() {
  local name=$1 envfile=$2
  rm -rf "$src/target"
  local t0; t0=$(date +%s.%N)
  # clean_env drops every SCCACHE_* of the caller; the build's own come after it. Without a wrapper
  # (the plain build) they are inert.
  (cd "$src" && clean_env env SCCACHE_SERVER_PORT="${sc_port:-0}" SCCACHE_CONF="${3:-/dev/null}" \
    timeout "$build_timeout" bash -c '. "$1"; shift; exec "$@"' _ "$envfile" cargo build -q --release -j 2) \
    >"$work/$name.log" 2>&1 || return 1
  cp "$src/target/release/ledger" "$work/ledger-$name"
  (cd "$src/target/release/deps" && sha256sum -- *.rlib *.rmeta 2>/dev/null) >"$work/libs-$name"
  python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$t0" "$(date +%s.%N)"
}
same_as_plain() { cmp -s "$work/ledger-plain" "$work/ledger-$1"; }

echo "== reference: tier1 release build, no wrapper"
plain_s=$(build plain "$work/plain.env") || { bad "plain build failed: $(tail -3 "$work/plain.log")"; finish; }
ok "plain build ${plain_s}s"

echo "== tier1 --with sccache-dist: compile jobs on the build servers"
sccache_server dist "$work/client.toml" || { bad "sccache server did not start: $(tail -3 "$work/sccache-dist.log")"; finish; }
if dist_s=$(build dist "$work/dist.env" "$work/client.toml"); then
  stats >"$work/stats-dist.json"
  read -r n_dist n_err n_comp n_nc n_servers < <(counts)
  local_why=$(python3 -c 'import json,sys; print(", ".join(f"{v} {k}" for k, v in sorted(json.load(open(sys.argv[1]))["stats"].get("not_cached", {}).items())))' "$work/stats-dist.json")
  summary_dist="$n_dist of $n_comp compilations ran on $n_servers build servers ($n_err fell back locally); $n_nc rustc calls sccache does not handle ran locally ($local_why)"
  if [ "$n_dist" -gt 0 ]; then ok "distributed build ${dist_s}s: $summary_dist"
  else bad "nothing was distributed: $summary_dist; $(grep -m3 -i 'dist\|error' "$work/sccache-dist.log")"; fi
  if same_as_plain dist; then ok "its binary is identical to the plain build's ($(stat -c %s "$work/ledger-dist") bytes)"
  else bad "the distributed build's binary differs from the plain build's"; fi
  # The libraries too: a difference the linker or LTO hides in the binary would show here.
  n_libs=$(wc -l <"$work/libs-plain")
  n_libs_diff=$(diff "$work/libs-plain" "$work/libs-dist" | grep -c '^>')
  if [ "$n_libs_diff" = 0 ] && [ "$n_libs" -gt 0 ]; then ok "all $n_libs .rlib/.rmeta files identical to the plain build's"
  else bad "$n_libs_diff of $n_libs .rlib/.rmeta files differ: $(diff "$work/libs-plain" "$work/libs-dist" | grep '^>' | awk '{print $3}' | tr '\n' ' ')"; fi
else bad "distributed build failed: $(tail -5 "$work/dist.log" | tr '\n' ' ')"; fi

toolchain_mb=$(du -sm "$work/client-toolchains" 2>/dev/null | cut -f1)
echo "toolchain packaged by the client: ${toolchain_mb:-?} MiB (compressed, sent once to each server)"

echo "== again, the toolchain already on the servers (steady state)"
sccache_server dist2 "$work/client.toml" || bad "sccache server did not start"
if dist2_s=$(build dist2 "$work/dist.env" "$work/client.toml"); then
  read -r n2_dist n2_err n2_comp _ < <(counts)
  ok "second distributed build ${dist2_s}s: $n2_dist of $n2_comp compilations on the build servers ($n2_err fell back)"
  same_as_plain dist2 || bad "the second distributed build's binary differs from the plain build's"
else bad "second distributed build failed: $(tail -5 "$work/dist2.log" | tr '\n' ' ')"; fi
echo "timing (one 2-core machine plays client, scheduler and both servers, so this shows overhead, not speedup): plain ${plain_s}s, first distributed ${dist_s:-?}s (packs and uploads the toolchain), steady state ${dist2_s:-?}s"

echo "== a build server killed in the middle of a build"
sccache_server kill "$work/client.toml" || bad "sccache server did not start"
(build kill "$work/dist.env" "$work/client.toml" >"$work/kill.time") &
bpid=$!
killed=""
for _ in $(seq 600); do
  read -r n_dist _ < <(counts)
  if [ "${n_dist:-0}" -ge 2 ]; then stop "$s2_pid"; killed=yes; break; fi
  kill -0 "$bpid" 2>/dev/null || break
  sleep 0.1
done
still_running=$(kill -0 "$bpid" 2>/dev/null && echo yes || echo no)
if [ -n "$killed" ] && [ "$still_running" = yes ]; then ok "build server 127.0.0.1:$s2_port killed (SIGKILL) after $n_dist jobs, build still running"
else bad "could not kill a server mid-build (killed=${killed:-no}, build running=$still_running)"; fi
if wait "$bpid"; then
  read -r k_dist k_err k_miss _ < <(counts)
  ok "the build finished in $(cat "$work/kill.time")s: $k_dist jobs distributed, $k_err fell back to a local compile, of $k_miss"
  summary_kill="server killed mid-build: build ok, $k_err jobs fell back locally"
else bad "the build failed when a server died: $(tail -5 "$work/kill.log" | tr '\n' ' ')"; fi
if same_as_plain kill; then ok "its binary is identical to the plain build's"
else bad "the binary built while a server died differs from the plain build's"; fi

echo "== scheduler down"
stop "$sched_pid"
sccache_server down "$work/client.toml" || bad "sccache server did not start"
if down_s=$(build down "$work/dist.env" "$work/client.toml"); then
  read -r d_dist d_err _ < <(counts)
  if [ "$d_dist" = 0 ]; then ok "build with the scheduler down succeeded locally in ${down_s}s ($d_dist distributed, $d_err dist errors)"
  else bad "jobs were distributed with the scheduler down?"; fi
else bad "the build failed with the scheduler down: $(tail -5 "$work/down.log" | tr '\n' ' ')"; fi
same_as_plain down && ok "its binary is identical to the plain build's" || bad "the binary built with the scheduler down differs"
t0=$(date +%s.%N)
tc_json=$(tiercheck_dist "$work/client.toml")
tc_s=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$t0" "$(date +%s.%N)")
if found=$(dist_findings "$tc_json" | grep '^sccache-dist-unreachable'); then ok "tiercheck toolchain reports it (${tc_s}s): $found"
else bad "tiercheck toolchain did not report the unreachable scheduler: $(dist_findings "$tc_json")"; fi

echo "== a client with a wrong token"
start_scheduler || { bad "the scheduler did not restart"; finish; }
for _ in $(seq 100); do [ "$(num_servers)" -ge 1 ] && break; sleep 0.2; done
tc_json=$(tiercheck_dist "$work/client-wrong.toml")
if found=$(dist_findings "$tc_json" | grep '^sccache-dist-token-refused'); then ok "tiercheck toolchain reports it before any build: ${found:0:90}..."
else bad "tiercheck toolchain did not report the refused token: $(dist_findings "$tc_json")"; fi
sccache_server wrong "$work/client-wrong.toml" || bad "sccache server did not start"
before=$(grep -c 'Bearer auth failed' "$work/scheduler.log")
if wrong_s=$(build wrong "$work/dist.env" "$work/client-wrong.toml"); then wrong_build="succeeded locally in ${wrong_s}s"
else wrong_build="failed: $(grep -m1 -o 'http error status[^"]*' "$work/wrong.log" | head -c 120)"; fi
read -r w_dist _ < <(counts)
refusals=$(( $(grep -c 'Bearer auth failed' "$work/scheduler.log") - before ))
if [ "$w_dist" = 0 ] && [ "$refusals" -gt 0 ]; then ok "the scheduler refused the wrong token $refusals times; 0 jobs reached a build server"
else bad "wrong token: $w_dist jobs distributed, $refusals refusals logged"; fi
# sccache 0.19 does not fall back to a local compile on an HTTP 4xx from the scheduler
# (src/compiler/compiler.rs, dist_or_local_compile: HttpClientError is returned, not retried), so
# the build fails; that is why tiercheck reports a refused token as an error before any build.
case $wrong_build in
  succeeded*) ok "the wrong-token client's build $wrong_build (this sccache falls back on a refusal)" ;;
  *"401"*) ok "the wrong-token client's build $wrong_build: sccache 0.19 does not fall back on a 401, as tiercheck's sccache-dist-token-refused says" ;;
  *) bad "the wrong-token client's build failed for another reason: $(tail -3 "$work/wrong.log" | tr '\n' ' ')" ;;
esac
if grep -qF "$client_token" "$work/scheduler.log"; then bad "the scheduler's log holds the real client token"
else ok "the scheduler's log does not hold the real client token after $refusals refusals (SCCACHE_LOG=...,sccache_dist::token_check=error)"; fi
summary_wrong="wrong token refused $refusals times by the scheduler, 0 jobs on the servers; its build $wrong_build"

echo "== a running sccache server keeps the config it started with"
# The wrong-token client's server is still running. A config naming another scheduler (as after
# moving it) must be reported against that server; its own config (same scheduler) must not.
sed "s|127.0.0.1:$sched_port|127.0.0.1:$(free_port)|" "$work/client-wrong.toml" >"$work/client-moved.toml"
chmod 600 "$work/client-moved.toml"
stale_rules() { (cd "$root" && clean_env env SCCACHE_CONF="$1" SCCACHE_SERVER_PORT="$sc_port" "$tc" toolchain --tier tier1 --with sccache-dist --format json 2>/dev/null) \
  | python3 -c 'import json,sys; [print(f["rule"]+": "+f["message"]) for f in json.load(sys.stdin)["findings"] if f["rule"]=="sccache-server-stale"]' 2>/dev/null; }
moved=$(stale_rules "$work/client-moved.toml"); same=$(stale_rules "$work/client-wrong.toml")
if [ -n "$moved" ] && [ -z "$same" ]; then ok "tiercheck toolchain reports the running server's old scheduler: ${moved:0:110}..."
else bad "sccache-server-stale: moved config gave '${moved}', the server's own config gave '${same}'"; fi

echo "== summary"
echo "jobs distributed: ${summary_dist:-none}"
echo "fault cases: ${summary_kill:-server kill not survived}; scheduler down: build ok locally"
echo "refusal: $summary_wrong"
echo "identical output: binary $(for b in dist dist2 kill down; do same_as_plain "$b" && printf '%s=same ' "$b" || printf '%s=DIFFERENT ' "$b"; done); libraries of the distributed build: $((${n_libs:-0} - ${n_libs_diff:-0})) of ${n_libs:-0} identical"
finish
