#!/usr/bin/env bash
# Runs a training workload against an instrumented binary and checks it left profile data.
#   KIND      pgo (LLVM .profraw files) or bolt (BOLT .fdata files)
#   BIN       the instrumented binary; the commands refer to it as "$BIN"
#   TRAINING  the training commands, one per line, run with bash in TRAIN_DIR
#   TRAIN_DIR where the commands run (default: the current directory)
#   OUT_DIR   where the profile data goes (pgo: set here through LLVM_PROFILE_FILE; bolt: the
#             binary was instrumented to write there)
set -euo pipefail
: "${KIND:?}" "${BIN:?}" "${TRAINING:?}" "${OUT_DIR:?}"
mkdir -p "$OUT_DIR"
export BIN
if [ "$KIND" = pgo ]; then
  export LLVM_PROFILE_FILE="$OUT_DIR/%m_%p.profraw"
  ext=profraw
else
  ext=fdata
fi
cd "${TRAIN_DIR:-.}"
n=0
while IFS= read -r cmd; do
  [ -z "${cmd// }" ] && continue
  n=$((n + 1))
  echo "train ($KIND) $n: $cmd" >&2
  bash -c "$cmd" >/dev/null || { echo "train: command $n failed: $cmd" >&2; exit 1; }
done <<<"$TRAINING"
[ "$n" -gt 0 ] || { echo "train: no training commands" >&2; exit 1; }
count=$(find "$OUT_DIR" -name "*.$ext" | wc -l)
[ "$count" -gt 0 ] || { echo "train: $BIN wrote no .$ext files to $OUT_DIR (not instrumented?)" >&2; exit 1; }
echo "train: $n command(s), $count .$ext file(s)" >&2
