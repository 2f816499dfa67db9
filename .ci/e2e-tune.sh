#!/usr/bin/env bash
# tiercheck tune on a small example with a small budget (CI keeps it under 3 minutes): it runs,
# every decision agrees with the medians it reports, the source is as before and no record is
# left; on a 2-core machine it says what it cannot measure (threads above the cores); a SIGKILL
# during its edit leaves a recovery record that the next tiercheck run restores; bad input exits 2
# with nothing on stdout; and the decision rule's unit tests. Prints one line per check and
# "N passed, N failed".
#   TUNE_BUDGET=60s   the budget of the full tune run
#   TIERCHECK=PATH    a tiercheck binary to test (default: build the release one)
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${E2E_WORK:-$(mktemp -d /tmp/rust-tiers-e2e.XXXXXX)}/tune
budget=${TUNE_BUDGET:-60s}
rm -rf "$work"; mkdir -p "$work"
passed=0 failed=0
# shellcheck source=.ci/lib.sh
. "$root/.ci/lib.sh"
if [ -n "${TIERCHECK:-}" ]; then tc=$TIERCHECK
else
  tc="$root/checker/target/release/tiercheck"
  (cd "$root/checker" && cargo build --release -q) || { echo "cannot build tiercheck"; exit 1; }
fi
ok() { passed=$((passed + 1)); printf 'ok    %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf 'FAIL  %s\n' "$*"; }
# Per-machine results go to a scratch config dir, never the user's.
export XDG_CONFIG_HOME="$work/config"
snapshot() { (cd "$1" && find . -path ./target -prune -o -type f -print | LC_ALL=C sort | xargs sha256sum); }

echo "== tune tier1 on examples/cpu-bound (budget $budget)"
cp -a "$root/examples/cpu-bound" "$work/cpu"; rm -rf "$work/cpu/target"
before=$(snapshot "$work/cpu")
t0=$(date +%s)
if clean_env "$tc" tune --tier tier1 "$work/cpu" --budget "$budget" --json "$work/tune.json" --svg "$work/tune.svg" \
     >"$work/tune.txt" 2>"$work/tune.err"; then
  ok "tune ran in $(( $(date +%s) - t0 )) s: $(grep -E '^result:' "$work/tune.txt")"
else bad "tune failed: $(tail -2 "$work/tune.err" | tr '\n' ' ')"; fi
if python3 - "$work/tune.json" >"$work/check.out" <<'PY'
import json, statistics, sys
d = json.load(open(sys.argv[1]))
assert d["command"] == "tune" and d["rule"] and d["decisions"], "incomplete document"
measured = 0
# The rule as SCHEMA.md states it: faster somewhere, and no veto (slower, or >= 2% slower at p <= 0.2).
veto = lambda m: m["verdict"] == "slower" or (m["ratio"] * 1.02 <= 1 and m["p_slower"] <= 0.2)
accept = lambda ms: any(m["verdict"] == "faster" for m in ms) and not any(veto(m) for m in ms)
for dec in d["decisions"]:
    results = dec["results"]
    ok = lambda r: accept(r["measures"])
    for r in results:
        for m in r["measures"]:
            for side in (m["default"], m["candidate"]):
                assert side["median"] == statistics.median(side["samples"]), ("median is not the samples'", dec["id"], side)
                assert len(side["samples"]) >= 3, ("fewer than 3 samples", dec["id"])
            ratio = m["default"]["median"] / m["candidate"]["median"]
            assert abs(ratio - m["ratio"]) < 1e-9, ("ratio is not the medians'", dec["id"], m)
            if m["verdict"] == "faster": assert ratio >= 1.02, (dec["id"], m)
            if m["verdict"] == "slower": assert ratio < 1.0, (dec["id"], m)
            measured += 1
    if dec["outcome"] == "adopted":
        chosen = [r for r in results if r["change"] == dec["chosen"]]
        assert chosen and ok(chosen[0]), ("adopted without a win", dec["id"])
    elif dec["outcome"] == "kept":
        assert not any(ok(r) for r in results), ("a winner was not adopted", dec["id"])
    else:
        assert not results, dec["id"]
c = d["confirmation"]
if c["tuned"]:
    assert c["confirmed"] == accept(c["against_defaults"])
    assert (d["result"]["config"] == c["tuned"]) == c["confirmed"]
print(f"{measured} measurements compared")
PY
then ok "every decision agrees with the medians, samples and verdicts it reports ($(tail -1 "$work/check.out"))"
else bad "decisions and medians disagree (see above)"; fi
[ "$(snapshot "$work/cpu")" = "$before" ] && [ ! -e "$work/cpu/target/rust-tiers-recovery" ] \
  && ok "the source is byte-identical afterwards and no recovery record is left" \
  || bad "tune left the source changed or a record behind"
python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$work/tune.svg" 2>/dev/null \
  && ok "chart: valid SVG" || bad "chart: not valid SVG"

echo "== what a 2-core machine cannot measure (tier2, a budget that only calibrates)"
if [ "$(nproc)" -le 2 ]; then
  if clean_env "$tc" tune --tier tier2 "$work/cpu" --budget 2s --dry-run --format json >"$work/tier2.json" 2>"$work/tier2.err" \
     && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = [x for x in d["decisions"] if x["id"] == "threads"][0]
assert any("above all of this machine" in n for n in t["not_measured"]), t
print(t["not_measured"][0][:80])' "$work/tier2.json" >"$work/tier2.note"; then
    ok "tier2 on $(nproc) cores: $(cat "$work/tier2.note")"
  else bad "tier2: $(tail -2 "$work/tier2.err" | tr '\n' ' ')"; fi
else ok "skipped: $(nproc) cores"; fi

echo "== SIGKILL during tune's edit, then the next run"
orig=$(sha256sum <"$work/cpu/src/main.rs")
rm -f "$work/pid"
setsid -f sh -c 'echo $$ >"$0"; exec "$@" >/dev/null 2>&1' "$work/pid" \
  env -u RUST_TIERS_TIER "$tc" tune --tier tier1 "$work/cpu" --budget 120s --dry-run -q
while [ ! -s "$work/pid" ]; do sleep 0.01; done
sid=$(cat "$work/pid")
for _ in $(seq 6000); do grep -q __TIERCHECK_TUNE_EDIT "$work/cpu/src/main.rs" && break; sleep 0.02; done
pkill -KILL -s "$sid" 2>/dev/null
while pgrep -s "$sid" >/dev/null 2>&1; do sleep 0.02; done
if grep -q __TIERCHECK_TUNE_EDIT "$work/cpu/src/main.rs" && ls "$work/cpu/target/rust-tiers-recovery"/edit-*.json >/dev/null 2>&1; then
  ok "killed while the file held the edit: a recovery record is left"
else bad "the kill did not land during the edit, or no record was left"; fi
if clean_env "$tc" tune --tier tier1 "$work/cpu" --reset >/dev/null 2>"$work/next.err" && grep -q restored "$work/next.err" \
   && [ "$(sha256sum <"$work/cpu/src/main.rs")" = "$orig" ] && [ ! -e "$work/cpu/target/rust-tiers-recovery" ]; then
  ok "the next tiercheck run restored it: $(head -1 "$work/next.err")"
else bad "not restored: $(cat "$work/next.err")"; fi

echo "== bad input: exit 2, nothing on stdout"
refuses() { # NAME WANT ARGS...
  local name=$1 want=$2; shift 2
  local out rc
  out=$(clean_env "$tc" tune --tier tier1 "$work/cpu" "$@" 2>"$work/refused.err"); rc=$?
  if [ "$rc" = 2 ] && [ -z "$out" ] && grep -q "$want" "$work/refused.err"; then ok "refuses $name"
  else bad "$name: exit $rc, stdout ${#out} bytes: $(head -1 "$work/refused.err")"; fi
}
refuses "a zero budget" "measures nothing" --budget 0s
refuses "an --edit whose FROM is not in the file" "does not occur" --edit "$work/cpu/src/main.rs" "no such text" x
refuses "a --json in a missing directory" "does not exist" --json /nonexistent/x.json

echo "== the decision rule's unit tests"
if (cd "$root/checker" && cargo test -q --lib -- bench::stats tune::rule tune::decisions >"$work/unit.log" 2>&1); then
  ok "decision rule: $(grep -E '^test result' "$work/unit.log" | head -1)"
else bad "decision rule tests: $(grep -E 'panicked|FAILED' "$work/unit.log" | head -3 | tr '\n' ' ')"; fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
