#!/usr/bin/env bash
# Regenerates nix/tests/fixture-data/toolchain-pins.json (checked by nix/tests/pins.nix) from the
# rust-overlay and fenix revisions flake.lock pins. See docs/moving-a-pin.md.
#
#   nix/tests/pins-regenerate.sh
#       takes the locked inputs from `nix flake archive --json` (the store, else the network)
#   nix/tests/pins-regenerate.sh --git <rust-overlay repo> <fenix repo>
#       exports the locked revisions from git repositories (clones or bare mirrors that have them)
#
# Prints every component the fixture lists as unavailable; exits 1 if there is one.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/nix/tests/fixture-data/toolchain-pins.json"
export PATH="${NIX_PREFIX:-/opt/nix-2.26}/bin:$PATH"
export NIX_CONFIG=${NIX_CONFIG:-$'experimental-features = nix-command flakes'}

# flake.lock: root input name -> node -> locked rev.
locked_rev() {
  python3 -c 'import json,sys
lock = json.load(open(sys.argv[1])); node = lock["nodes"][lock["root"]]["inputs"][sys.argv[2]]
print(lock["nodes"][node]["locked"]["rev"])' "$root/flake.lock" "$1"
}
ro_rev=$(locked_rev rust-overlay)
fx_rev=$(locked_rev fenix)

work=$(mktemp -d /tmp/pins-regenerate.XXXXXX)
trap 'rm -rf "$work"' EXIT
case "${1:-}" in
  --git)
    [ $# = 3 ] || { echo "usage: $0 --git <rust-overlay repo> <fenix repo>" >&2; exit 2; }
    mkdir -p "$work/rust-overlay" "$work/fenix"
    git -C "$2" archive "$ro_rev" manifests | tar -x -C "$work/rust-overlay"
    git -C "$3" archive "$fx_rev" data/stable.json data/nightly.json | tar -x -C "$work/fenix"
    ro_src="$work/rust-overlay" fx_src="$work/fenix"
    ;;
  "")
    nix flake archive --json "$root" >"$work/archive.json"
    ro_src=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["inputs"]["rust-overlay"]["path"])' "$work/archive.json")
    fx_src=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["inputs"]["fenix"]["path"])' "$work/archive.json")
    ;;
  *) echo "usage: $0 [--git <rust-overlay repo> <fenix repo>]" >&2; exit 2 ;;
esac

nix-instantiate --eval --strict --json \
  --arg rustOverlay "$ro_src" --arg fenix "$fx_src" \
  --argstr rustOverlayRev "$ro_rev" --argstr fenixRev "$fx_rev" \
  -E '{ rustOverlay, fenix, rustOverlayRev, fenixRev }: import '"$root"'/nix/tests/pins-extract.nix { } { inherit rustOverlay fenix rustOverlayRev fenixRev; }' \
  >"$work/pins.json"
python3 - "$work/pins.json" "$out" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
with open(sys.argv[2], "w") as f:
    json.dump(data, f, indent=2, sort_keys=True)
    f.write("\n")
bad = [f"{backend} {pin} {triple}: {c}"
       for backend in ("rust-overlay", "fenix")
       for pin, entry in data[backend].items()
       for triple, comps in entry["components"].items()
       for c, ok in comps.items() if not ok]
print(f"wrote {sys.argv[2]} (rust-overlay {data['revs']['rust-overlay'][:12]}, fenix {data['revs']['fenix'][:12]})")
for b in bad:
    print(f"not available: {b}")
sys.exit(1 if bad else 0)
PY
