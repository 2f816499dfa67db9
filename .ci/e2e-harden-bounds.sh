#!/usr/bin/env bash
# Issue 18, "bounded everything", end to end with the release binary: inputs too deep, looping
# or too large for tiercheck to crash, hang or eat memory on. Each check wants exit 0 with a
# sane result or exit 2 with one line on stderr and nothing on stdout, in seconds. Prints one
# line per check and "N passed, N failed". Called from .ci/e2e-host.sh.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${E2E_WORK:-$(mktemp -d /tmp/rust-tiers-e2e.XXXXXX)}/harden-bounds
rm -rf "$work" && mkdir -p "$work"
passed=0 failed=0
# shellcheck source=.ci/lib.sh
. "$root/.ci/lib.sh"
tc="$root/checker/target/release/tiercheck"
(cd "$root/checker" && cargo build --release -q) || { echo "cannot build tiercheck"; exit 1; }
ok() { passed=$((passed + 1)); printf 'ok    %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf 'FAIL  %s\n' "$*"; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# run LIMIT-SECONDS DIR ARGS...: tiercheck in DIR; sets rc, out, err, ms. 124 = killed.
run() {
  local limit=$1 dir=$2 start; shift 2
  start=$(date +%s%N)
  out=$(cd "$dir" && clean_env timeout -s KILL "$limit" "$tc" "$@" 2>"$work/err"); rc=$?
  [ "$rc" = 137 ] && rc=124
  ms=$(ms_since "$start"); err=$(cat "$work/err")
}
# input_error WHAT PATTERN: exit 2, nothing on stdout, one line on stderr matching PATTERN.
input_error() {
  if [ "$rc" = 2 ] && [ -z "$out" ] && [ "$(wc -l <<<"$err")" = 1 ] && grep -q -- "$2" <<<"$err"; then
    ok "$1: exit 2 in $ms ms: $(cut -c1-150 <<<"$err")"
  else bad "$1: exit $rc after $ms ms (want 2, one line with '$2'): $(head -c 300 <<<"$err")"; fi
}
members() { python3 -c 'import json,sys; print(len(json.loads(sys.stdin.read())["facts"]["members"]))'; }

echo "== project: a 10,000-deep chain of path dependencies (overflowed the stack)"
python3 - "$work/chain" <<'EOF'
import os, sys
root, n = sys.argv[1], 10000
os.makedirs(root)
open(f"{root}/Cargo.toml", "w").write('[workspace]\nmembers = ["c/c0"]\nresolver = "2"\n')
for i in range(n):
    d = f"{root}/c/c{i}"
    os.makedirs(f"{d}/src")
    dep = f'[dependencies]\nc{i+1} = {{ path = "../c{i+1}" }}\n' if i + 1 < n else ""
    open(f"{d}/Cargo.toml", "w").write(f'[package]\nname = "c{i}"\nversion = "0.1.0"\nedition = "2021"\n{dep}')
    open(f"{d}/src/lib.rs", "w").close()
EOF
run 120 "$work/chain" project --format json .
n=$(members <<<"$out" 2>/dev/null)
if [ "$rc" = 0 ] && [ "$n" = 10000 ]; then ok "10,000 members in $ms ms"
else bad "path-dependency chain: exit $rc, ${n:-no} members: $(tail -c 200 <<<"$err")"; fi
cm=$(cd "$work/chain" && clean_env timeout 300 cargo metadata --format-version 1 --no-deps --offline 2>/dev/null \
  | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["workspace_members"]))' 2>/dev/null)
if [ "$cm" = "$n" ]; then ok "cargo metadata lists the same $cm members"
else bad "cargo metadata lists ${cm:-nothing}, tiercheck $n"; fi
rm -rf "$work/chain"

echo "== project: a 9,000-deep chain of config includes (overflowed the stack; cargo 1.95 overflows from ~8,000)"
mkdir -p "$work/inc/.cargo" "$work/inc/src" && touch "$work/inc/src/lib.rs"
printf '[package]\nname = "inc"\nversion = "0.1.0"\nedition = "2021"\n' >"$work/inc/Cargo.toml"
python3 - "$work/inc/.cargo" <<'EOF'
import sys
d, n = sys.argv[1], 9000
open(f"{d}/config.toml", "w").write('include = ["i0.toml"]\n')
for i in range(n):
    inc = f'include = ["i{i+1}.toml"]\n' if i + 1 < n else ""
    open(f"{d}/i{i}.toml", "w").write(f'{inc}[build]\nrustflags = ["--cfg", "i{i}"]\n')
EOF
run 60 "$work/inc" project --format json .
n=$(python3 -c 'import json,sys; print(len(json.loads(sys.stdin.read())["facts"]["configs"]))' <<<"$out" 2>/dev/null)
if [ "$rc" = 0 ] && [ "$n" = 9001 ]; then ok "9,001 config files read in $ms ms"
else bad "include chain: exit $rc, ${n:-no} config files: $(tail -c 200 <<<"$err")"; fi
printf 'include = ["i0.toml"]\n' >"$work/inc/.cargo/i8999.toml"
run 20 "$work/inc" project .
input_error "an include loop back to the first include" "config \`include\` cycle"
rm -rf "$work/inc"

echo "== project: members = [\"crates/**\"] with symbolic links back up (never finished; cargo 1.95 neither)"
ws="$work/loops"
mkdir -p "$ws/crates/a" && touch "$ws/crates/a/lib.rs" "$ws/lib.rs" "$ws/crates/lib.rs"
pkg() { printf '[package]\nname = "%s"\nversion = "0.1.0"\nedition = "2021"\n[lib]\npath = "lib.rs"\n' "$1"; }
pkg a >"$ws/crates/a/Cargo.toml"; pkg c >"$ws/crates/Cargo.toml"
{ printf '[workspace]\nmembers = ["crates/**"]\nresolver = "2"\n'; pkg root; } >"$ws/Cargo.toml"
ln -s .. "$ws/crates/loop"; ln -s .. "$ws/crates/loop2"
run 20 "$ws" project .
input_error "two links back to the root" "is \`crates/a\` again through a symbolic link"
rm "$ws/crates/loop2"; ln -s . "$ws/crates/a/loop"
sed -i 's/^resolver = "2"$/resolver = "2"\nexclude = ["crates\/loop", "crates\/a\/loop"]/' "$ws/Cargo.toml"
run 20 "$ws" project --format json .
got=$(python3 -c 'import json,sys; print(" ".join(json.loads(sys.stdin.read())["facts"]["members"]))' <<<"$out" 2>/dev/null)
cm=$(cd "$ws" && clean_env timeout 60 cargo metadata --format-version 1 --no-deps --offline 2>/dev/null \
  | python3 -c 'import json,sys; print(" ".join(sorted(p["manifest_path"] for p in json.load(sys.stdin)["packages"] if p["name"] != "root")))' 2>/dev/null)
if [ "$rc" = 0 ] && [ "$got" = "crates/a/Cargo.toml" ] && [ "$cm" = "$ws/crates/a/Cargo.toml" ]; then ok "the loops excluded: member crates/a, as cargo metadata lists it"
else bad "excluded loops: exit $rc, members '$got', cargo '$cm': $(tail -c 200 <<<"$err")"; fi

echo "== binary: sections that are not in the file, or too large to read"
# The release binary has no .debug_str: the base ELF gets one naming a .dwo file.
printf '\0x.dwo\0' >"$work/dstr"
objcopy --add-section .debug_str="$work/dstr" --set-section-flags .debug_str=readonly "$tc" "$work/base.elf"
# hostile OUT LEN SECTION=SIZE...: the base ELF with those section sizes, extended (sparse) to
# LEN bytes, or left as it is with LEN 0.
hostile() {
  python3 - "$work/base.elf" "$@" <<'EOF'
import struct, sys
src, out, length, *edits = sys.argv[1:]
b = bytearray(open(src, "rb").read())
shoff, = struct.unpack_from("<Q", b, 0x28)
entsize, shnum, shstrndx = struct.unpack_from("<HHH", b, 0x3A)
strtab, = struct.unpack_from("<Q", b, shoff + shstrndx * entsize + 0x18)
for e in edits:
    name, size = e.split("=")
    for i in range(shnum):
        h = shoff + i * entsize
        n, = struct.unpack_from("<I", b, h)
        if b[strtab + n:b.index(0, strtab + n)].decode() == name:
            struct.pack_into("<Q", b, h + 0x20, int(size))
            break
    else:
        sys.exit(f"no section {name} in {src}")
with open(out, "wb") as f:
    f.write(b)
    if int(length):
        f.truncate(int(length))
EOF
}
G=$((1 << 30))
hostile "$work/sparse.elf" $((3 * G)) .comment=$((2 * G))
run 20 "$work" binary sparse.elf
input_error "a 3 GiB sparse file declaring a 2 GiB .comment (took 2.2 GB, 22 s)" "section \`.comment\` is 2147483648 bytes, more than tiercheck reads"
hostile "$work/three.elf" $((7 * G)) .comment=$((2 * G)) .debug_str=$((2 * G)) .strtab=$((2 * G))
run 20 "$work" binary --format json three.elf
input_error "three 2 GiB sections (took 4.2 GB, then a misleading message)" "section \`.comment\` is"
hostile "$work/past.elf" 0 .comment=$((2 * G))
run 20 "$work" binary past.elf
input_error ".comment past the end of the file (read as 'rustc none recorded')" "section \`.comment\` (2147483648 bytes at offset [0-9]*) runs past the end of the file"
hostile "$work/big.elf" $((2 * G)) .comment=$((600 << 20))
out=$(cd "$work" && ulimit -v $((512 << 10)) && "$tc" binary big.elf 2>"$work/err"); rc=$?; err=$(cat "$work/err"); ms="-"
input_error "a 600 MB .comment under ulimit -v 512M (read as 'rustc none recorded')" "section \`.comment\` is 629145600 bytes"
hostile "$work/dstr.elf" $((3 * G)) .debug_str=$((2 * G))
start=$(date +%s%N)
# Peak RSS (KiB) of the child, from Python's getrusage.
rss=$(cd "$work" && ulimit -v $((512 << 10)) && python3 -c '
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=open("out", "wb"))
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(r.returncode)' "$tc" binary --format json dstr.elf); rc=$?
ms=$(ms_since "$start")
dwo=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["facts"]["binaries"][0]["elf"]["dwo_names"]))' "$work/out" 2>/dev/null)
if [ "$rc" = 0 ] && [ "$dwo" = x.dwo ] && [ "${rss:-999999}" -lt 102400 ]; then ok "a 2 GiB sparse .debug_str under ulimit -v 512M (read whole, or absent when it could not be): scanned in $ms ms, peak RSS $((rss / 1024)) MB, its .dwo name found"
else bad "2 GiB .debug_str: exit $rc, .dwo names '$dwo', peak RSS ${rss:-?} KB after $ms ms"; fi
rm -f "$work"/*.elf "$work/dstr"

echo "== bench --replot: a document with nothing to plot against (panicked, exit 101)"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["baselines"]=[]; json.dump(d, open(sys.argv[2], "w"))' \
  "$root/docs/bench-cpu-bound.json" "$work/doc.json"
run 20 "$work" bench --replot doc.json
input_error '"baselines": []' "doc.json: \`baselines\` is empty"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
