#!/usr/bin/env bash
# Makes a BOLT-instrumented copy of a binary linked with -Wl,-q.
#   LLVM_BOLT  the tool
#   BIN        the optimized (PGO) binary with relocations kept
#   OUT        the instrumented binary to write
#   OUT_DIR    where the instrumented binary writes its .fdata files (one per process)
set -euo pipefail
: "${LLVM_BOLT:?}" "${BIN:?}" "${OUT:?}" "${OUT_DIR:?}"
mkdir -p "$OUT_DIR"
"$LLVM_BOLT" "$BIN" -o "$OUT" -instrument \
  --instrumentation-file="$OUT_DIR/prof" --instrumentation-file-append-pid >"$OUT.log" 2>&1 \
  || { echo "bolt-instrument: llvm-bolt failed (was $BIN linked with -Wl,-q?):" >&2; tail -5 "$OUT.log" >&2; exit 1; }
