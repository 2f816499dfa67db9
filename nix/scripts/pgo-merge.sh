#!/usr/bin/env bash
# Merges .profraw files into one .profdata, refusing an llvm-profdata whose LLVM major differs
# from rustc's (the raw profile format changes between majors).
#   LLVM_PROFDATA, RUSTC   the tools
#   PROFILE_DIR            the .profraw files
#   OUT                    the .profdata to write
set -euo pipefail
: "${LLVM_PROFDATA:?}" "${RUSTC:?}" "${PROFILE_DIR:?}" "${OUT:?}"
rustc_llvm=$("$RUSTC" -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
tool_llvm=$("$LLVM_PROFDATA" --version | grep -o 'version [0-9]*' | head -1 | grep -o '[0-9]*$')
if [ -z "$rustc_llvm" ] || [ "$rustc_llvm" != "$tool_llvm" ]; then
  echo "pgo-merge: $LLVM_PROFDATA is LLVM ${tool_llvm:-?}, but $RUSTC uses LLVM ${rustc_llvm:-?}; use the toolchain's llvm-tools or llvm-profdata-${rustc_llvm}" >&2
  exit 1
fi
shopt -s nullglob
raw=("$PROFILE_DIR"/*.profraw)
[ ${#raw[@]} -gt 0 ] || { echo "pgo-merge: no .profraw files in $PROFILE_DIR" >&2; exit 1; }
"$LLVM_PROFDATA" merge -o "$OUT" "${raw[@]}"
echo "pgo-merge: ${#raw[@]} raw profile(s) -> $OUT" >&2
