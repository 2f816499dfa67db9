#!/usr/bin/env bash
# Rewrites a binary with BOLT using a merged profile.
#   LLVM_BOLT   the tool
#   BIN         the binary linked with -Wl,-q
#   FDATA       the merged profile
#   OUT         the optimized binary to write
#   BOLT_FLAGS  optimization flags, one per line (nix/tiers.toml [pipeline] bolt_flags)
set -euo pipefail
: "${LLVM_BOLT:?}" "${BIN:?}" "${FDATA:?}" "${OUT:?}" "${BOLT_FLAGS:?}"
mapfile -t flags <<<"$BOLT_FLAGS"
"$LLVM_BOLT" "$BIN" -o "$OUT" -data="$FDATA" "${flags[@]}" >"$OUT.log" 2>&1 \
  || { echo "bolt-optimize: llvm-bolt failed:" >&2; tail -5 "$OUT.log" >&2; exit 1; }
grep -E 'BOLT-INFO: (basic block reordering|.*profile)' "$OUT.log" | head -3 >&2 || true
